// Writes the measured parts of docs/PERFORMANCE.md. The page mixes figures with hand-written analysis, so the
// bench owns only what lies between its marker comments
//   <!-- bench:machine --> … <!-- /bench:machine -->, and likewise bench:results and bench:notes,
// and leaves every other byte of the page as it found it.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Row } from './scenario';

export const PARTS = ['machine', 'results', 'notes'] as const;
export type Part = (typeof PARTS)[number];

/** The headings under which the bench wrote these parts before it used markers. */
const LEGACY_HEADINGS: Record<Part, string> = { machine: '## Machine and run', results: '## Results', notes: '## Notes' };

const open = (p: Part) => `<!-- bench:${p} -->`;
const close = (p: Part) => `<!-- /bench:${p} -->`;

export function resultsTable(rows: Row[]): string {
  const head = '| scenario | measured | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|';
  return [
    head,
    ...rows.map((r) => `| ${r.scenario} | ${r.measured}${r.note ? `; ${r.note}` : ''} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.ok === null ? 'n/a' : r.ok ? 'yes' : '**no**'} |`),
  ].join('\n');
}

export function notesList(notes: string[]): string {
  return notes.map((n) => `- ${n}`).join('\n');
}

export function machineList(o: { quick: boolean; minutes: string; scenarios: string[] | null }): string {
  const sh = (c: string) => {
    try {
      return execSync(c, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '?';
    }
  };
  const pgVersion = sh("psql -h 127.0.0.1 -U postgres -tAc 'show server_version'");
  return [
    `- date: ${new Date().toISOString()}`,
    `- nproc: ${sh('nproc')} (${cpus()[0]?.model ?? '?'}), memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- node ${process.version}, PostgreSQL ${pgVersion}, ${sh('redis-server --version').split(' ').slice(0, 3).join(' ')}`,
    `- load average at the end (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(' / ')} — other work on the machine shows up here`,
    `- run: ${o.quick ? 'BENCH_QUICK=1 (smaller, shorter)' : 'full'}${o.scenarios ? `, only ${o.scenarios.join(', ')}` : ''}; API, worker and simulator are separate processes on this one machine, as are Postgres and Redis; the load generator is the bench process`,
    `- the whole bench took ${o.minutes} min`,
  ].join('\n');
}

/** A page for a file that does not exist yet: the prose around the markers is the maintainers' to write. */
function skeleton(): string {
  return [
    '# Performance',
    '',
    'Measured by `npm run bench` (bench/run.ts). Each figure is compared with a baseline measured in the same run on',
    'the same machine, so the ratios mean more than the absolute numbers.',
    '',
    ...PARTS.flatMap((p) => [LEGACY_HEADINGS[p], '', open(p), close(p), '']),
  ].join('\n');
}

/**
 * A page the bench wrote before it used markers: the bodies of its three generated sections get markers, the
 * rest (title, introduction, analysis) is kept as it is.
 */
function addMarkers(doc: string): string {
  const lines = doc.split('\n');
  for (const p of PARTS) {
    const start = lines.indexOf(LEGACY_HEADINGS[p]);
    if (start < 0) throw new Error(`no ${open(p)} marker and no "${LEGACY_HEADINGS[p]}" section to put it in`);
    let end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
    if (end < 0) end = lines.length;
    // Keep the blank line before the next heading outside the marked part.
    while (end - 1 > start && lines[end - 1] === '') end--;
    const bodyStart = lines[start + 1] === '' ? start + 2 : start + 1;
    lines.splice(bodyStart, end - bodyStart, open(p), ...lines.slice(bodyStart, end), close(p));
  }
  return lines.join('\n');
}

/** `doc` with each marked part replaced by `parts`; throws (writing nothing) when a marker is missing or doubled. */
export function fillMarkers(doc: string, parts: Record<Part, string>): string {
  if (!PARTS.some((p) => doc.includes(open(p)))) doc = addMarkers(doc);
  for (const p of PARTS) {
    const a = doc.indexOf(open(p));
    const b = doc.indexOf(close(p));
    if (a < 0 || b < a || doc.indexOf(open(p), a + 1) >= 0) throw new Error(`expected one ${open(p)} … ${close(p)} pair`);
    doc = doc.slice(0, a + open(p).length) + '\n' + parts[p] + '\n' + doc.slice(b);
  }
  return doc;
}

export function writeReport(path: string, parts: Record<Part, string>): void {
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : skeleton();
  let filled: string;
  try {
    filled = fillMarkers(doc, parts);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  writeFileSync(path, filled);
}
