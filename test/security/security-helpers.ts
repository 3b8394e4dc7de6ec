// What test/security/fuzz.test.ts imports; the helpers themselves live in test/support.
export { K1, K2, K3, keyB64, runKeysCli } from '../support/keys-cli';
export type { CliRun } from '../support/keys-cli';
export { errorCode } from '../support/api-errors';
export { withPg } from '../support/stack';
