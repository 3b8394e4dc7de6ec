import 'reflect-metadata';
import { createWorker } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorker();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // close() runs the shutdown hooks: stop sweeping, drain in-flight jobs, close connections. Then exit 0.
    app
      .close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        console.error(`worker shutdown after ${signal} failed: ${e.message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: Error) => {
  console.error(`bitwarden-connect worker failed to start: ${e.message}`);
  process.exit(1);
});
