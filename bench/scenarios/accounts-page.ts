// Accounts page over the big table: GET /v1/accounts for an owner's first page, the deepest page of a large
// owner (walked with the API's own cursors) and an unfiltered page half-way down, each against the same query
// in plain SQL.
import { Pool } from 'undici';
import { encodeCursor } from '../../libs/accounts/src/list-cursor';
import { AUTH, BenchContext } from '../context';
import { timeIt } from '../lib/stats';
import { f2, Row, ScenarioResult } from '../scenario';

interface Case {
  name: string;
  path: string;
  sql: string;
  params: unknown[];
}

export async function accountsPage(ctx: BenchContext): Promise<ScenarioResult> {
  const { total, owners } = await ctx.bigTable();
  const pool = new Pool(ctx.api.url, { connections: 1 });
  const get = async (path: string) => {
    const res = await pool.request({ method: 'GET', path, headers: AUTH });
    const body = (await res.body.json()) as { data: any[]; nextCursor: string | null };
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
    return body;
  };
  const rows: Row[] = [];
  try {
    const cols = 'SELECT * FROM accounts';
    const iters = ctx.options.quick ? 100 : 300;
    const cases: Case[] = [];
    const owner = `bench-o-${Math.floor(owners / 2)}`;
    cases.push({ name: `first page, ownerId=${owner} (100 accounts), limit 50`, path: `/v1/accounts?ownerId=${owner}&limit=50`, sql: `${cols} WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50`, params: [owner] });
    // Walk the large owner's pages with the API's own cursors, then time the deepest one.
    let cursor: string | null = null;
    let pages = 0;
    let last: any = null;
    for (;;) {
      const b = await get(`/v1/accounts?ownerId=bench-big&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      pages++;
      if (!b.nextCursor) break;
      last = b.data[b.data.length - 1];
      cursor = b.nextCursor;
    }
    cases.push({
      name: `deep page ${pages} of ${pages} (walked with nextCursor), ownerId=bench-big, limit 50`,
      path: `/v1/accounts?ownerId=bench-big&limit=50&cursor=${cursor}`,
      sql: `${cols} WHERE owner_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 50`,
      params: ['bench-big', new Date(last.createdAt), last.id],
    });
    const deep = (await ctx.pg.query(`SELECT created_at, id FROM accounts ORDER BY created_at DESC, id DESC OFFSET ${Math.floor(total / 2)} LIMIT 1`)).rows[0];
    cases.push({
      name: `unfiltered page at row ${Math.floor(total / 2).toLocaleString('en')} (cursor), limit 50`,
      path: `/v1/accounts?limit=50&cursor=${encodeCursor(deep.created_at, deep.id)}`,
      sql: `${cols} WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50`,
      params: [deep.created_at, deep.id],
    });
    for (const c of cases) {
      const a = await timeIt(iters, async () => void (await get(c.path)));
      const s = await timeIt(iters, async () => void (await ctx.pg.query(c.sql, c.params)));
      rows.push({
        scenario: `GET /v1/accounts, ${total.toLocaleString('en')} rows: ${c.name}`,
        measured: `p50 ${f2(a.p50)} ms, p99 ${f2(a.p99)} ms`,
        baseline: `same query in plain SQL via pg: p50 ${f2(s.p50)} ms, p99 ${f2(s.p99)} ms`,
        ratio: `${f2(a.p50 / s.p50)} (p99 ${f2(a.p99 / s.p99)})`,
        target: '≤ 2x, p50 ≤ 5 ms',
        ok: a.p50 / s.p50 <= 2 && a.p50 <= 5,
      });
    }
  } finally {
    await pool.close();
  }
  return { rows, notes: [] };
}
