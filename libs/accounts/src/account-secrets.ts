import { Injectable } from '@nestjs/common';
import { SealContext, SecretBox } from '@app/crypto';

type SecretRow = { id: string; ownerId: string; identityBaseUrl: string };
type TokenRow = { id: string; ownerId: string; apiBaseUrl: string };

/**
 * The associated data of an account's blobs: its owner and row, the field, and the URL the plaintext is sent to.
 * Binding the URL means that someone who can write to the database cannot point a row at their own host and have
 * us send them the decrypted secret (or token): the blob no longer opens.
 */
export const secretContext = (row: SecretRow): SealContext => ({
  ownerId: row.ownerId,
  accountId: row.id,
  field: `client_secret|identity=${row.identityBaseUrl}`,
});

export const tokenContext = (row: TokenRow): SealContext => ({
  ownerId: row.ownerId,
  accountId: row.id,
  field: `access_token|api=${row.apiBaseUrl}`,
});

/** Seals and opens an account's client secret and cached token. The one place their contexts are built. */
@Injectable()
export class AccountSecrets {
  constructor(private readonly box: SecretBox) {}

  sealSecret(row: SecretRow, secret: string): { enc: Buffer; keyId: string } {
    const enc = this.box.seal(secret, secretContext(row));
    return { enc, keyId: this.box.keyIdOf(enc) };
  }

  openSecret(row: SecretRow & { secretEnc: Buffer }): string {
    return this.box.open(row.secretEnc, secretContext(row));
  }

  sealToken(row: TokenRow, token: string): { enc: Buffer; keyId: string } {
    const enc = this.box.seal(token, tokenContext(row));
    return { enc, keyId: this.box.keyIdOf(enc) };
  }

  openToken(row: TokenRow & { tokenEnc: Buffer }): string {
    return this.box.open(row.tokenEnc, tokenContext(row));
  }
}
