import 'reflect-metadata';
import { exitOnSignals } from '@app/common';
import { createWorker } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorker();
  // close() runs the shutdown hooks: stop sweeping, drain in-flight jobs, close connections.
  exitOnSignals(app, 'worker');
}

main().catch((e: Error) => {
  console.error(`bitwarden-connect worker failed to start: ${e.message}`);
  process.exit(1);
});
