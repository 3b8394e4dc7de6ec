import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/env';

const CLIENT = join(ROOT, 'packages/client');

test('the committed openapi.json and schema.d.ts are what npm run client:generate makes now', (t) => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.tmp/client-gen-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, [join(ROOT, 'scripts/gen-client.mjs'), '--out', out], { stdio: 'pipe' });
  for (const file of ['openapi.json', 'src/schema.d.ts']) {
    const fresh = readFileSync(join(out, file));
    const committed = readFileSync(join(CLIENT, file));
    assert.ok(fresh.length > 1000, `${file} was generated`);
    assert.ok(fresh.equals(committed), `packages/client/${file} is stale: run npm run client:generate and commit it`);
  }
});

test('the client package compiles on its own (strict, with its own tsconfig)', () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(CLIENT, 'tsconfig.json'), '--noEmit'], { stdio: 'pipe' });
});
