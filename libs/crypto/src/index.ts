// Public API of @app/crypto: the only place in the project that touches key material or ciphertext.
export { CryptoError, type CryptoErrorReason } from './crypto.error';
export { Keyring } from './keyring';
export { SecretBox, type SealContext } from './secret-box';
export { CryptoModule } from './crypto.module';
