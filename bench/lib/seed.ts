// Bulk seeding of usable accounts: each row's client secret is sealed with SecretBox for its own (owner, id),
// exactly as the service would have sealed it, so the worker can open it and exchange with the simulator.
// Rows look as a link leaves them (the server's /config read, so a check does not re-probe the server at once).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SecretBox } from '@app/crypto';
import { secretContext } from '@app/accounts';

export interface SeedOrg {
  id: string;
  clientId: string;
  clientSecret: string;
}

export interface SeedOptions {
  count: number;
  orgs: SeedOrg[];
  /** Owner and org (index into orgs) of row i; (owner, org) pairs must be unique (the natural-key index). */
  place(i: number): { owner: string; org: number };
  /** Due now (the worker picks them up at once) or only in a day. */
  due: boolean;
  keyId: string;
  region?: 'us' | 'eu';
  /** Drop the secondary indexes during the load and rebuild them after (much faster for big loads). */
  rebuildIndexes?: boolean;
  batch?: number;
}

const URLS = {
  us: { api: 'https://api.bitwarden.com', identity: 'https://identity.bitwarden.com' },
  eu: { api: 'https://api.bitwarden.eu', identity: 'https://identity.bitwarden.eu' },
};

export async function seedAccounts(pg: Client, box: SecretBox, o: SeedOptions): Promise<{ ms: number; sealMs: number; indexMs: number; ids: string[] }> {
  const started = Date.now();
  const region = o.region ?? 'us';
  const batch = o.batch ?? 10_000;
  let indexDefs: string[] = [];
  if (o.rebuildIndexes) {
    const r = await pg.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts' AND indexname <> 'accounts_pkey'`);
    indexDefs = r.rows.map((x: { indexdef: string }) => x.indexdef);
    for (const x of r.rows as Array<{ indexname: string }>) await pg.query(`DROP INDEX IF EXISTS "${x.indexname}"`);
  }
  const base = Date.now();
  let sealMs = 0;
  const ids: string[] = [];
  // Seal the next batch while Postgres inserts the previous one (the client queues one statement at a time).
  let pending: Promise<unknown> = Promise.resolve();
  for (let from = 0; from < o.count; from += batch) {
    const n = Math.min(batch, o.count - from);
    const id: string[] = [];
    const owner: string[] = [];
    const org: string[] = [];
    const clientId: string[] = [];
    const last4: string[] = [];
    const enc: Buffer[] = [];
    const idx: number[] = [];
    const t = Date.now();
    for (let k = 0; k < n; k++) {
      const i = from + k;
      const p = o.place(i);
      const g = o.orgs[p.org]!;
      const rowId = randomUUID();
      id.push(rowId);
      owner.push(p.owner);
      org.push(g.id);
      clientId.push(g.clientId);
      last4.push(g.clientSecret.slice(-4));
      enc.push(box.seal(g.clientSecret, secretContext({ id: rowId, ownerId: p.owner, identityBaseUrl: URLS[region].identity })));
      idx.push(i);
    }
    sealMs += Date.now() - t;
    if (o.count <= 100_000) ids.push(...id);
    await pending;
    pending = pg.query(
      `INSERT INTO accounts (id, owner_id, organization_id, region, api_base_url, identity_base_url, client_id, secret_last4,
                             secret_enc, secret_key_id, status, last_verified_at, server_flavor, server_checked_at,
                             next_check_at, created_at, updated_at)
       SELECT u.id, u.owner, u.org, $8, $9, $10, u.client_id, u.last4, u.enc, $11, 'active', now(), 'bitwarden', now(),
              CASE WHEN $12 THEN now() - (u.i % 1000) * interval '1 millisecond' ELSE now() + interval '1 day' END,
              $13::timestamptz - u.i * interval '1 millisecond', now()
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::bytea[], $7::int[])
              AS u(id, owner, org, client_id, last4, enc, i)`,
      [id, owner, org, clientId, last4, enc, idx, region, URLS[region].api, URLS[region].identity, o.keyId, o.due, new Date(base)],
    );
  }
  await pending;
  let indexMs = 0;
  if (o.rebuildIndexes) {
    const t = Date.now();
    await pg.query(`SET maintenance_work_mem = '256MB'`);
    for (const def of indexDefs) await pg.query(def);
    indexMs = Date.now() - t;
  }
  await pg.query('ANALYZE accounts');
  return { ms: Date.now() - started, sealMs, indexMs, ids };
}
