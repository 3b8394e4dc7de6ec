import { Injectable } from '@nestjs/common';
import { SecretBox } from '@app/crypto';

type Row = { id: string; ownerId: string };

/** Seals and opens an account's client secret and cached token, each bound to its owner, row and field. */
@Injectable()
export class AccountSecrets {
  constructor(private readonly box: SecretBox) {}

  sealSecret(row: Row, secret: string): { enc: Buffer; keyId: string } {
    const enc = this.box.seal(secret, { ownerId: row.ownerId, accountId: row.id, field: 'client_secret' });
    return { enc, keyId: this.box.keyIdOf(enc) };
  }

  openSecret(row: Row & { secretEnc: Buffer }): string {
    return this.box.open(row.secretEnc, { ownerId: row.ownerId, accountId: row.id, field: 'client_secret' });
  }

  sealToken(row: Row, token: string): { enc: Buffer; keyId: string } {
    const enc = this.box.seal(token, { ownerId: row.ownerId, accountId: row.id, field: 'access_token' });
    return { enc, keyId: this.box.keyIdOf(enc) };
  }

  openToken(row: Row & { tokenEnc: Buffer }): string {
    return this.box.open(row.tokenEnc, { ownerId: row.ownerId, accountId: row.id, field: 'access_token' });
  }
}
