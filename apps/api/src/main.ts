import 'reflect-metadata';
import { exitOnSignals } from '@app/common';
import { AppConfig } from '@app/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.port);
  // close() stops accepting connections and lets requests in flight finish before the hooks run.
  exitOnSignals(app, 'api');
}

main().catch((e: Error) => {
  // Boot failures (bad configuration, keyring mismatch, database down) end the process with a clear line.
  console.error(`bitwarden-connect api failed to start: ${e.message}`);
  process.exit(1);
});
