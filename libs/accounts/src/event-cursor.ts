import { AppError } from '@app/common';

/** Event ids are bigserial: positive, at most 2^63-1. */
const MAX_ID = 9223372036854775807n;

/** Opaque cursor of an events page: the id of its last (oldest) event. */
export function encodeEventCursor(id: string): string {
  return Buffer.from(`e|${id}`).toString('base64url');
}

const forged = () => new AppError('validation_failed', 'The cursor is not one this service issued.', { fields: { cursor: 'is invalid' } });

/** Decodes only what encodeEventCursor makes (canonical base64url, canonical decimal in range), else 400. */
export function decodeEventCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw forged();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) throw forged();
  const m = /^e\|([1-9]\d{0,18})$/.exec(bytes.toString('utf8'));
  if (!m || BigInt(m[1]) > MAX_ID) throw forged();
  return m[1];
}
