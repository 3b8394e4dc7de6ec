import 'reflect-metadata';
import { AppConfig } from '@app/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.port);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // close() stops accepting connections, lets requests in flight finish and runs the shutdown hooks (timers,
    // Redis, Postgres, outbound agents). Then exit 0, as the contract promises; Nest's own signal hooks would end
    // the process by re-raising the signal (exit 143).
    app
      .close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        console.error(`api shutdown after ${signal} failed: ${e.message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: Error) => {
  // Boot failures (bad configuration, keyring mismatch, database down) end the process with a clear line.
  console.error(`bitwarden-connect api failed to start: ${e.message}`);
  process.exit(1);
});
