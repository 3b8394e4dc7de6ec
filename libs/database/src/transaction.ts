import type { DataSource, EntityManager } from 'typeorm';

/**
 * The client gave up on the connection (its query_timeout passed: Postgres hung or unreachable) or lost it. A ROLLBACK
 * sent on it would only queue behind the stuck statement and wait out a second deadline.
 */
function connectionUnusable(e: unknown): boolean {
  const message = (e as { driverError?: Error }).driverError?.message ?? (e as Error | undefined)?.message ?? '';
  return message === 'Query read timeout' || /Connection terminated|ECONNRESET|EPIPE/.test(message);
}

/**
 * Runs `fn` in one transaction, as DataSource.transaction does, except when the connection is unusable: then it is
 * closed instead of rolled back (Postgres rolls back an open transaction whose connection goes), so a hung database
 * costs a request one deadline, not two.
 */
export async function inTransaction<T>(ds: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  let broken: Error | undefined;
  try {
    await runner.startTransaction();
    const result = await fn(runner.manager);
    await runner.commitTransaction();
    return result;
  } catch (e) {
    if (connectionUnusable(e)) broken = e as Error;
    else await runner.rollbackTransaction().catch(() => undefined);
    throw e;
  } finally {
    // With an error the pool destroys the connection instead of handing it to the next request. TypeORM's Postgres
    // runner has this release-with-error (its typings call it private); release() would always return it to the pool.
    if (broken) await (runner as unknown as { releasePostgresConnection(err: Error): Promise<void> }).releasePostgresConnection(broken);
    else await runner.release();
  }
}
