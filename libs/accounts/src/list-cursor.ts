import { AppError } from '@app/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Cursors point at rows, so their dates lie between the epoch and year 9999; Postgres takes both ends. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Opaque keyset cursor: the (created_at, id) of the last row of a page. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

const forged = () => new AppError('validation_failed', 'The cursor is not one this service issued.', { fields: { cursor: 'is invalid' } });

/**
 * Decodes only what encodeCursor makes: canonical base64url of an ISO instant that round-trips and a lower-case
 * UUID. Anything looser reached Postgres' timestamptz and uuid casts and failed there.
 */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw forged();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) throw forged();
  const parts = bytes.toString('utf8').split('|');
  if (parts.length !== 2) throw forged();
  const [at, id] = parts;
  if (!UUID.test(id) || !ISO_INSTANT.test(at)) throw forged();
  const createdAt = new Date(at);
  const t = createdAt.getTime();
  if (Number.isNaN(t) || t < EARLIEST || t > LATEST || createdAt.toISOString() !== at) throw forged();
  return { createdAt, id };
}
