/** Deepest JSON nesting a body may have (objects and arrays both count, the top-level value is level 1). */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The body-parser error for a body nested too deeply; the error filter turns its `type` into validation_failed. */
export class JsonTooDeepError extends Error {
  readonly type = 'entity.too.deep';
  readonly status = 400;
  constructor() {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * The nesting depth of raw JSON bytes, counted without parsing: class-transformer recurses once per level and
 * overflows the stack on a few KiB of brackets, so depth has to be refused before anything walks the value.
 * Works on UTF-8 bytes because quote, backslash and brackets never occur inside a multi-byte sequence.
 */
export function jsonDepth(raw: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (inString) {
      if (b === BACKSLASH) i++; // the escaped byte, even a quote, belongs to the string
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > max && (max = depth) > stopAbove) return max;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
    }
  }
  return max;
}

/** body-parser `verify` hook: runs on the raw body before JSON.parse. */
export function refuseDeepJson(_req: unknown, _res: unknown, raw: Buffer): void {
  if (jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new JsonTooDeepError();
}
