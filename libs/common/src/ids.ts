const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The canonical (lower-case) form of a UUID, or null when `raw` is not one. Every key derived from an id uses this. */
export function parseUuid(raw: string): string | null {
  return UUID.test(raw) ? raw.toLowerCase() : null;
}
