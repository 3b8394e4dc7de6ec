// GET /public/events: EventFilterRequestModel's date range and the continuation-token paging of the official API.
import { modelStateError } from './bodies';

export const EVENTS_PAGE_SIZE = 100;
const DAY_MS = 86_400_000;
const MAX_RANGE_MS = 367 * DAY_MS;

export type EventsPage =
  | { ok: true; body: { object: 'list'; data: Array<Record<string, unknown>>; continuationToken: string | null } }
  | { ok: false; body: Record<string, unknown> };

/** .NET binds an ISO date without an offset as it is; the server then treats it as UTC. */
function parseDate(raw: string): number | null {
  const s = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(raw) ? `${raw}Z` : raw;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

export function eventsPage(all: Array<Record<string, unknown>>, query: URLSearchParams, now = Date.now()): EventsPage {
  const errors: Record<string, string[]> = {};
  const bound = (name: 'start' | 'end'): number | undefined => {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    const t = parseDate(raw);
    if (t === null) errors[name] = [`The value '${raw}' is not valid for ${name === 'start' ? 'Start' : 'End'}.`];
    return t ?? undefined;
  };
  let start = bound('start');
  let end = bound('end');
  if (Object.keys(errors).length) return { ok: false, body: modelStateError(errors) };
  // ToDateRange: without both dates, the last 30 days up to the end of today (UTC); reversed dates are swapped.
  if (start === undefined || end === undefined) {
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    end = today + DAY_MS - 1;
    start = today - 30 * DAY_MS;
  } else if (start > end) {
    [start, end] = [end, start];
  }
  if (end - start > MAX_RANGE_MS) return { ok: false, body: { object: 'error', message: 'Date range must be < 367 days.', errors: null } };

  let offset = 0;
  const token = query.get('continuationToken');
  if (token) {
    // Opaque to callers; here the offset into the filtered, newest-first list.
    const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) return { ok: false, body: { object: 'error', message: 'Invalid continuation token.', errors: null } };
    offset = Number(m[1]);
  }
  const actingUserId = query.get('actingUserId')?.toLowerCase();
  const itemId = query.get('itemId')?.toLowerCase();
  const from = start;
  const to = end;
  const hits = all.filter((e) => {
    const t = Date.parse(String(e.date));
    if (t < from || t > to) return false;
    if (actingUserId && e.actingUserId !== actingUserId) return false;
    if (itemId && e.itemId !== itemId) return false;
    return true;
  });
  const data = hits.slice(offset, offset + EVENTS_PAGE_SIZE);
  const next = offset + EVENTS_PAGE_SIZE < hits.length ? Buffer.from(`o${offset + EVENTS_PAGE_SIZE}`).toString('base64url') : null;
  return { ok: true, body: { object: 'list', data, continuationToken: next } };
}
