// Shared helpers for test/security: the keys CLI as a child process, key material, direct DB access.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TEST_DATABASE_URL } from '../support/env';

export const keyB64 = (fill: number) => Buffer.alloc(32, fill).toString('base64');
/** Same material as env.ts TEST_KEY_B64 (t1 of baseEnv). */
export const K1 = keyB64(7);
export const K2 = keyB64(42);
export const K3 = keyB64(99);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built keys CLI (dist/apps/keys-cli/src/main.js) against the test database with `env` on top. */
export function runKeysCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/keys-cli/src/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: TEST_DATABASE_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

import { withPg } from '../support/stack';
export { withPg };

/** Asserts the error envelope of docs/API.md loosely: {error:{code,message,fields?}} and nothing else. */
export function errorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const e = (body as { error?: { code?: unknown } }).error;
  return typeof e?.code === 'string' ? e.code : undefined;
}
