// Operator commands for the encryption keyring (docs/SECURITY.md, "Key rotation"):
//   node dist/apps/keys-cli/src/main.js rotate [--batch-size N] [--json]   (npm run keys:rotate)
//   node dist/apps/keys-cli/src/main.js status [--json]                    (npm run keys:status)
// Reads the same environment as the API (DATABASE_URL, ENCRYPTION_KEYS). Exit codes: 0 done, 1 refused or failed
// (bad configuration, keyring check, database), 2 usage, 3 rotation ended with blobs left under an old key.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { KeyRotationService, KeyStatus, RotationResult } from '@app/accounts';
import { KeysCliModule } from './keys-cli.module';

const USAGE = 'usage: keys-cli <rotate [--batch-size N] | status> [--json]';

function parseArgs(argv: string[]): { command: string; batchSize: number; json: boolean } | null {
  const [command, ...rest] = argv;
  if (command !== 'rotate' && command !== 'status') return null;
  let batchSize = 200;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--json') json = true;
    else if (a === '--batch-size' && command === 'rotate') {
      batchSize = Number(rest[++i]);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) return null;
    } else return null;
  }
  return { command, batchSize, json };
}

function printStatus(s: KeyStatus): void {
  console.log(`active key: ${s.activeKeyId}`);
  console.log(`configured keys: ${s.configuredKeyIds.join(', ')}`);
  for (const k of s.keys) {
    const notes = [k.active ? 'active' : '', k.configured ? '' : 'NOT CONFIGURED'].filter(Boolean).join(', ');
    console.log(`key ${k.keyId}: ${k.secrets} secrets, ${k.tokens} tokens${notes ? ` (${notes})` : ''}`);
  }
}

function printRotation(r: RotationResult): void {
  console.log(
    `rotated ${r.resealedSecrets} secrets and ${r.resealedTokens} tokens to key ${r.activeKeyId} in ${r.passes} pass(es); ` +
      `${r.conflicts} concurrent writes retried; ${r.failures.length} failed; ` +
      `remaining under other keys: ${r.remaining.secrets} secrets, ${r.remaining.tokens} tokens`,
  );
  for (const f of r.failures) console.log(`failed: account ${f.accountId} ${f.field} (${f.reason})`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(KeysCliModule.forRoot(process.env), {
    logger: ['error'],
    abortOnError: false,
  });
  try {
    await app.init(); // runs KeyringCheck: refuses on a missing or changed key before anything is read
    const keys = app.get(KeyRotationService);
    if (args.command === 'status') {
      const s = await keys.status();
      if (args.json) console.log(JSON.stringify(s));
      else printStatus(s);
      return 0;
    }
    const r = await keys.rotate({
      batchSize: args.batchSize,
      onProgress: (p) => {
        if (!args.json) console.log(`pass ${p.pass} ${p.field}: ${p.resealed} resealed, ${p.conflicts} retried later, ${p.failed} failed`);
      },
    });
    if (args.json) console.log(JSON.stringify(r));
    else printRotation(r);
    if (r.failures.length) return 1;
    return r.remaining.secrets + r.remaining.tokens > 0 ? 3 : 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    // Boot refusals (configuration, keyring mismatch, database down) end with one clear line and no key material.
    console.error(`keys-cli failed: ${e.message}`);
    process.exit(1);
  },
);
