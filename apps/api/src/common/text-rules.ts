/**
 * Characters no string from a caller may hold: C0 and C1 controls (Postgres refuses NUL outright; the others end up
 * in logs, labels and pages), and UTF-16 surrogates without their pair, which cannot be encoded as UTF-8 (the
 * driver would silently store U+FFFD instead). Format characters such as U+200D stay allowed: emoji need them.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The problem with one string, or null when it may pass. */
export function textProblem(s: string): string | null {
  if (CONTROL.test(s)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates (not valid Unicode)';
  return null;
}

const MAX_DEPTH = 32;

/**
 * Every string (and object key) in a parsed body or query with a problem, by field path (`a.b.0`), so that all
 * of them are named in one answer. Bounded by depth because the body parser already refused deeper JSON.
 */
export function textProblems(value: unknown, path = '', out: Record<string, string> = {}, depth = 0): Record<string, string> {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) out[path || 'body'] = problem;
  } else if (value && typeof value === 'object' && depth < MAX_DEPTH) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      const keyProblem = textProblem(k);
      if (keyProblem) out[at] = keyProblem;
      else textProblems(v, at, out, depth + 1);
    }
  }
  return out;
}

/** Length in characters as Postgres counts them (code points), not UTF-16 units or validator's grapheme guess. */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};
