/** What a Nest application (HTTP or standalone) offers for shutting down. */
interface Closable {
  close(): Promise<void>;
}

/**
 * SIGTERM and SIGINT close the application (its shutdown hooks drain work and close connections), then the process
 * exits 0, as `npm run start:api` / `start:worker` promise; a failed close exits 1. Nest's own signal hooks would end
 * the process by re-raising the signal (exit 143).
 */
export function exitOnSignals(app: Closable, name: string): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app
      .close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        console.error(`${name} shutdown after ${signal} failed: ${e.message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
