// A blob sealed once (format v1) and committed forever: if golden.test.ts can no longer open it, the on-disk
// format changed and every stored secret would become unreadable. Never regenerate this; add a new version instead.
export const GOLDEN_KEY_ID = 'golden';
/** 32 bytes of 0x42, a test-only key. */
export const GOLDEN_KEYS = `${GOLDEN_KEY_ID}:${Buffer.alloc(32, 0x42).toString('base64')}`;
export const GOLDEN_KCV = '7111a259496489744751e9716e760adb';
export const GOLDEN_CONTEXT = { ownerId: 'owner-7f3a', accountId: 'acct-0001', field: 'client_secret' } as const;
export const GOLDEN_PLAINTEXT = 'golden secret ✓ v1 — 🔐';
export const GOLDEN_BLOB_HEX =
  '0106676f6c64656e8557664e99348fb3ddd0590642d9d20f6042b9cf2c68ec1277da5a6c380cab2b30a87f60dce5a4310a8d8e4d96408208dfdafc3b48abe67bf2bd7e9810958b76bd157d9923';
