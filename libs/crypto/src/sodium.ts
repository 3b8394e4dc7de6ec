// Single place that loads libsodium: everything in this lib awaits `sodiumReady()` (via Keyring.fromEnv)
// before any primitive is used, so SecretBox methods can stay synchronous.
import sodium from 'libsodium-wrappers';

let ready: Promise<void> | undefined;

export function sodiumReady(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

export { sodium };
