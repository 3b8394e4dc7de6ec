// The keys CLI (npm run keys:rotate / keys:status) as a child process, and the key material tests give it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TEST_DATABASE_URL } from './env';

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
