// Every route class of the API, called at once while a store misbehaves, each with its answer time. A hung call
// is cut off by the client (`ANSWER_CUTOFF_MS`) and reported as status 0, so a hang is a measured failure, not a
// stuck suite.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { SimOrg } from '@app/simulator';
import { ApiProc, FaultStack, US } from './fault-stack';

/** The bound every route must answer within while a store is down or hung (the goal is 5 s). */
export const ANSWER_BOUND_MS = 10_000;
/** Longer than the bound, so an answer just over it is still measured rather than cut off. */
const ANSWER_CUTOFF_MS = 15_000;

export type RouteClass = 'link' | 'relink' | 'verify' | 'token' | 'report' | 'delete' | 'get' | 'list' | 'session' | 'ready';

export interface Probe {
  route: RouteClass;
  status: number;
  body: any;
  ms: number;
}

/** Accounts one outage scenario works on: `a` for reads, token, verify and report; `r` is re-linked; `d` deleted. */
export interface Fixture {
  tag: string;
  a: { id: string; org: SimOrg };
  r: { id: string; org: SimOrg; oldLast4: string; newSecret: string };
  d: { id: string; org: SimOrg };
  linkOrg: SimOrg;
  linkOwner: string;
}

export async function fixture(s: FaultStack, api: ApiProc, tag: string): Promise<Fixture> {
  const a = await s.link(api, `${tag}-a`);
  const r = await s.link(api, `${tag}-r`);
  const d = await s.link(api, `${tag}-d`);
  // No cached token: the token route must take the refresh lock and the identity budget, both in Redis.
  await s.sql(`UPDATE accounts SET token_enc = NULL, token_key_id = NULL, token_expires_at = NULL WHERE id = $1`, [a.id]);
  const oldLast4 = r.org.clientSecret.slice(-4);
  const newSecret = s.sim.rotateKey(r.org.id);
  return { tag, a, r: { ...r, oldLast4, newSecret }, d, linkOrg: s.sim.createOrg(), linkOwner: `${tag}-link` };
}

async function timed(s: FaultStack, api: ApiProc, route: RouteClass, method: string, path: string, body?: unknown): Promise<Probe> {
  const t = performance.now();
  try {
    const r = await s.call(api, method, path, body, ANSWER_CUTOFF_MS);
    return { route, status: r.status, body: r.body, ms: r.ms };
  } catch (e) {
    return { route, status: 0, body: `no answer: ${(e as Error).message}`, ms: performance.now() - t };
  }
}

/** Calls every route class concurrently (as real traffic would arrive) and returns the answers by route. */
export async function probeAll(s: FaultStack, api: ApiProc, f: Fixture): Promise<Record<RouteClass, Probe>> {
  const probes = await Promise.all([
    timed(s, api, 'link', 'POST', '/v1/accounts', { ownerId: f.linkOwner, ...US, clientId: f.linkOrg.clientId, clientSecret: f.linkOrg.clientSecret }),
    timed(s, api, 'relink', 'PUT', `/v1/accounts/${f.r.id}/credentials`, { clientSecret: f.r.newSecret }),
    timed(s, api, 'verify', 'POST', `/v1/accounts/${f.a.id}/verify`),
    timed(s, api, 'token', 'POST', `/v1/accounts/${f.a.id}/token`, {}),
    timed(s, api, 'report', 'POST', `/v1/accounts/${f.a.id}/report-unauthorized`),
    timed(s, api, 'delete', 'DELETE', `/v1/accounts/${f.d.id}`),
    timed(s, api, 'get', 'GET', `/v1/accounts/${f.a.id}`),
    timed(s, api, 'list', 'GET', '/v1/accounts?limit=5'),
    timed(s, api, 'session', 'POST', '/v1/connect-sessions', { ownerId: `${f.tag}-session` }),
    timed(s, api, 'ready', 'GET', '/health/ready'),
  ]);
  return Object.fromEntries(probes.map((p) => [p.route, p])) as Record<RouteClass, Probe>;
}

export const describeProbes = (what: string, probes: Record<RouteClass, Probe>): string =>
  `# ${what}: ${Object.values(probes).map((p) => `${p.route} ${p.status}${p.body?.error?.code ? ` ${p.body.error.code}` : ''} in ${Math.round(p.ms)} ms`).join(', ')}`;

/**
 * Collects, rather than throws, every way the answers miss what is allowed, so one run reports every route at
 * once. `allowed` lists the statuses each route may answer; a 503 must be the contract's `unavailable` envelope.
 */
export function violations(probes: Record<RouteClass, Probe>, allowed: Record<RouteClass, number[]>): string[] {
  const out: string[] = [];
  for (const p of Object.values(probes)) {
    const ctx = `${p.route}: ${p.status} in ${Math.round(p.ms)} ms ${typeof p.body === 'string' ? p.body.slice(0, 200) : JSON.stringify(p.body)?.slice(0, 200)}`;
    if (!allowed[p.route].includes(p.status)) out.push(`${ctx} (allowed: ${allowed[p.route].join('/')})`);
    else if (p.ms > ANSWER_BOUND_MS) out.push(`${ctx} (slower than ${ANSWER_BOUND_MS} ms)`);
    else if (p.status === 503 && p.route !== 'ready') {
      const e = p.body?.error;
      const shapeOk = p.body && Object.keys(p.body).join() === 'error' && e?.code === 'unavailable' && typeof e.message === 'string' && e.message.length > 0;
      if (!shapeOk) out.push(`${ctx} (not the {"error":{"code":"unavailable","message"}} envelope)`);
    }
  }
  return out;
}

/**
 * Asserts the answers. Routes with a known product defect (`defects`: route → what is wrong) are asserted in a
 * `todo` subtest of their own, so the rest stays enforced and the defect stays visible until it is fixed.
 */
export async function assertAnswers(t: TestContext, probes: Record<RouteClass, Probe>, allowed: Record<RouteClass, number[]>, defects: Partial<Record<RouteClass, string>> = {}): Promise<void> {
  const all = violations(probes, allowed);
  const isKnown = (v: string) => Object.keys(defects).some((route) => v.startsWith(`${route}:`));
  assert.deepEqual(all.filter((v) => !isKnown(v)), []);
  for (const [route, reason] of Object.entries(defects)) {
    await t.test(`${route} within the bound`, { todo: reason }, () => {
      assert.deepEqual(all.filter((v) => v.startsWith(`${route}:`)), []);
    });
  }
}

/**
 * After the store is back: every route class works again without a restart. Polls until one full round succeeds
 * and returns how long that took. `d` may already be gone (deleted during the outage): a fresh account is
 * linked and deleted instead.
 */
export async function recoveredAfter(s: FaultStack, api: ApiProc, f: Fixture, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let last = '';
  for (;;) {
    const failures: string[] = [];
    const expect = async (route: string, want: number[], method: string, path: string, body?: unknown) => {
      const r = await s.call(api, method, path, body, 10_000).catch((e: Error) => ({ status: 0, body: e.message }));
      if (!want.includes(r.status)) failures.push(`${route} ${r.status} ${JSON.stringify(r.body).slice(0, 150)}`);
      return r;
    };
    await expect('ready', [200], 'GET', '/health/ready');
    // First, while `a` still has no token: the exchange needs the token lock, which a call during the outage tried to take.
    await expect('token', [200], 'POST', `/v1/accounts/${f.a.id}/token`, {});
    await expect('link', [200, 201], 'POST', '/v1/accounts', { ownerId: f.linkOwner, ...US, clientId: f.linkOrg.clientId, clientSecret: f.linkOrg.clientSecret });
    await expect('relink', [200], 'PUT', `/v1/accounts/${f.r.id}/credentials`, { clientSecret: f.r.newSecret });
    await expect('verify', [200], 'POST', `/v1/accounts/${f.a.id}/verify`);
    await expect('report', [200], 'POST', `/v1/accounts/${f.a.id}/report-unauthorized`);
    await expect('get', [200], 'GET', `/v1/accounts/${f.a.id}`);
    await expect('list', [200], 'GET', '/v1/accounts?limit=5');
    await expect('session', [201], 'POST', '/v1/connect-sessions', { ownerId: `${f.tag}-session` });
    const fresh = await s.call(api, 'POST', '/v1/accounts', { ownerId: `${f.tag}-del-${Date.now()}`, ...US, clientId: f.d.org.clientId, clientSecret: f.d.org.clientSecret }).catch(() => null);
    if (fresh?.status === 201) await expect('delete', [204], 'DELETE', `/v1/accounts/${fresh.body.id}`);
    else failures.push(`link for delete ${fresh?.status}`);
    if (!failures.length) return Date.now() - t0;
    last = failures.join('; ');
    if (Date.now() > deadline) assert.fail(`routes did not recover within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Nothing half-written by the calls made during the outage. A call that failed stored nothing, except that a
 * lost COMMIT acknowledgement may leave the one complete result of it (a whole row, a whole credential swap);
 * a call that succeeded stored all of it.
 */
export async function assertNothingHalfWritten(s: FaultStack, f: Fixture, probes: Record<RouteClass, Probe>): Promise<void> {
  const linked = await s.sql(`SELECT id FROM accounts WHERE owner_id = $1`, [f.linkOwner]);
  if (probes.link.status === 201) assert.equal(linked.length, 1, 'link answered 201: its row is there');
  else assert.ok(linked.length <= 1, `link answered ${probes.link.status} and left ${linked.length} rows`);

  const [r] = await s.sql(`SELECT secret_last4, credentials_version FROM accounts WHERE id = $1`, [f.r.id]);
  assert.ok(r, 're-linked account still exists');
  const swapped = r.secret_last4 === f.r.newSecret.slice(-4);
  if (probes.relink.status === 200) assert.ok(swapped, 'relink answered 200: the new secret is stored');
  else assert.ok(swapped || r.secret_last4 === f.r.oldLast4, `relink ${probes.relink.status}: secret is the old or the new one, not another`);
  assert.equal(r.credentials_version, swapped ? 2 : 1, 'the credentials version moved with the secret, once');

  const d = await s.sql(`SELECT id FROM accounts WHERE id = $1`, [f.d.id]);
  if (probes.delete.status === 204) assert.equal(d.length, 0, 'delete answered 204: the row is gone');
  await s.assertConsistent();
}

/** Allowed answers while only Redis misbehaves: reads and connect sessions need Postgres alone; DELETE succeeds. */
export const REDIS_OUTAGE: Record<RouteClass, number[]> = {
  link: [503],
  relink: [503],
  verify: [503],
  token: [503],
  report: [503],
  delete: [204],
  get: [200, 503],
  list: [200, 503],
  session: [201, 503],
  ready: [503],
};

/** Allowed answers while Postgres misbehaves: everything needs it. */
export const POSTGRES_OUTAGE: Record<RouteClass, number[]> = {
  link: [503],
  relink: [503],
  verify: [503],
  token: [503],
  report: [503],
  delete: [503],
  get: [503],
  list: [503],
  session: [503],
  ready: [503],
};
