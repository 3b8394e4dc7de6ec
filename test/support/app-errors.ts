// Assertions about AppError (the libs' error type), for tests that call a lib directly rather than over HTTP.
import assert from 'node:assert/strict';
import { isAppError } from '@app/common';

/** Asserts `p` rejects with an AppError of `code`, returns it. */
export async function rejectsWith(p: Promise<unknown>, code: string | string[], label = ''): Promise<Error & { code: string }> {
  const codes = Array.isArray(code) ? code : [code];
  try {
    await p;
  } catch (e) {
    assert.ok(isAppError(e), `${label}: expected AppError, got ${String(e)} ${(e as Error)?.stack ?? ''}`);
    assert.ok(codes.includes(e.code), `${label}: expected ${codes.join('|')}, got ${e.code} (${e.message})`);
    return e as Error & { code: string };
  }
  assert.fail(`${label}: expected rejection with ${codes.join('|')}`);
}

export function throwsWith(fn: () => unknown, code: string, label = ''): Error & { code: string; extra: { fields?: Record<string, string> } } {
  try {
    fn();
  } catch (e) {
    assert.ok(isAppError(e), `${label}: expected AppError, got ${String(e)}`);
    assert.equal(e.code, code, `${label}: expected ${code}, got ${e.code} (${e.message})`);
    return e as never;
  }
  assert.fail(`${label}: expected ${code}`);
}
