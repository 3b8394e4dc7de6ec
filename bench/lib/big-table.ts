// The large accounts table (1,000,000 rows, 100,000 with QUICK): one owner with many accounts for deep paging,
// the rest in owners of 100, every row due so a worker started on it has a backlog to sweep.
import { Client } from 'pg';
import { SecretBox } from '@app/crypto';
import { log } from './log';
import { seedAccounts, SeedOrg } from './seed';
import { SimHttp } from './sim-http';

export interface BigTable {
  total: number;
  /** Accounts of the one large owner, `bench-big` (20 / 50 pages of 50). */
  big: number;
  owners: number;
  /** How the seeding went, for the report's notes. */
  seedNote: string;
}

export async function seedBigTable(pg: Client, box: SecretBox, sim: SimHttp, quick: boolean): Promise<BigTable> {
  const total = quick ? 100_000 : 1_000_000;
  const big = quick ? 1000 : 2500;
  log(`big table: seeding ${total} accounts`);
  const orgs: SeedOrg[] = [];
  while (orgs.length < big) orgs.push(...(await Promise.all(Array.from({ length: 50 }, () => sim.createOrg()))));
  const seeded = await seedAccounts(pg, box, {
    count: total,
    orgs,
    place: (i) => (i < big ? { owner: 'bench-big', org: i } : { owner: `bench-o-${Math.floor((i - big) / 100)}`, org: (i - big) % 100 }),
    due: true,
    keyId: 't1',
    rebuildIndexes: true,
  });
  const owners = Number((await pg.query('SELECT count(DISTINCT owner_id) FROM accounts')).rows[0].count);
  log(`seeded in ${(seeded.ms / 1000).toFixed(1)} s (sealing ${(seeded.sealMs / 1000).toFixed(1)} s, indexes ${(seeded.indexMs / 1000).toFixed(1)} s), ${owners} owners`);
  const seedNote =
    `Seeding ${total.toLocaleString('en')} accounts over ${owners.toLocaleString('en')} owners (each secret sealed with SecretBox for its own row): ` +
    `${(seeded.ms / 1000).toFixed(1)} s in total, of which sealing ${(seeded.sealMs / 1000).toFixed(1)} s and rebuilding the 9 secondary indexes ${(seeded.indexMs / 1000).toFixed(1)} s ` +
    `(multi-row INSERT … SELECT FROM unnest(…) in batches of 10,000 with the secondary indexes dropped and rebuilt).`;
  return { total, big, owners, seedNote };
}
