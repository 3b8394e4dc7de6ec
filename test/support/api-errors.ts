// The error envelope of docs/API.md ("Errors"): {error:{code,message,fields?}} and nothing else.
import assert from 'node:assert/strict';

export type Res = { status: number; body: any; headers: Headers };

/** Asserts the error envelope of docs/API.md: exactly {error:{code,message,fields?}}, the status, the code and (optionally) the field names. */
export function assertError(res: Res, status: number, code: string, fields?: string[]): void {
  const ctx = JSON.stringify(res.body);
  assert.equal(res.status, status, ctx);
  assert.equal(typeof res.body, 'object', ctx);
  assert.deepEqual(Object.keys(res.body), ['error'], ctx);
  const e = res.body.error;
  assert.equal(e.code, code, ctx);
  assert.equal(typeof e.message, 'string', ctx);
  assert.ok(e.message.length > 0, ctx);
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'fields'].includes(k), `unexpected key ${k} in ${ctx}`);
  if (e.fields !== undefined) {
    assert.equal(typeof e.fields, 'object', ctx);
    for (const v of Object.values(e.fields)) assert.equal(typeof v, 'string', ctx);
  }
  if (fields) {
    assert.ok(e.fields, `expected fields ${fields.join(',')} in ${ctx}`);
    for (const f of fields) assert.ok(f in e.fields, `expected field ${f} in ${ctx}`);
  }
}

/**
 * The `code` of an error envelope, or undefined when `body` is not one. It checks nothing by itself (a fuzzer
 * feeds it any body); use assertError to assert the envelope.
 */
export function errorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const e = (body as { error?: { code?: unknown } }).error;
  return typeof e?.code === 'string' ? e.code : undefined;
}
