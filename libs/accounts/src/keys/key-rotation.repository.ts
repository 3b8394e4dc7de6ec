import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Which ciphertext column of `accounts` a rotation step works on. */
export type RotatedField = 'client_secret' | 'access_token';

export interface PendingBlob {
  id: string;
  ownerId: string;
  apiBaseUrl: string;
  identityBaseUrl: string;
  keyId: string;
  enc: Buffer;
}

// Column names per field; fixed strings (never caller input), so interpolating them into SQL is safe.
const COLUMNS: Record<RotatedField, { enc: string; keyId: string }> = {
  client_secret: { enc: 'secret_enc', keyId: 'secret_key_id' },
  access_token: { enc: 'token_enc', keyId: 'token_key_id' },
};

/** pg returns [rows, rowCount] for UPDATE through TypeORM's query(); normalise to the affected row count. */
const affected = (r: unknown): number => (Array.isArray(r) && typeof r[1] === 'number' ? r[1] : 0);

/**
 * The database side of key rotation: finds ciphertexts not under the active key (keyset-paginated by id, so a
 * row that cannot be resealed never blocks the rest) and swaps in a resealed blob with a compare-and-set on the
 * exact old ciphertext. If anyone wrote the column in between (a re-link, a token refresh, another rotation
 * run), the swap matches nothing and the newer value stays: rotation never overwrites a concurrent write.
 */
@Injectable()
export class KeyRotationRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async pending(field: RotatedField, activeKeyId: string, afterId: string | null, limit: number): Promise<PendingBlob[]> {
    const c = COLUMNS[field];
    const rows: Array<{ id: string; owner_id: string; api_base_url: string; identity_base_url: string; key_id: string; enc: Buffer }> = await this.ds.query(
      `SELECT id, owner_id, api_base_url, identity_base_url, ${c.keyId} AS key_id, ${c.enc} AS enc FROM accounts
        WHERE ${c.enc} IS NOT NULL AND ${c.keyId} IS DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [activeKeyId, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, apiBaseUrl: r.api_base_url, identityBaseUrl: r.identity_base_url, keyId: r.key_id, enc: r.enc }));
  }

  /** Replaces the blob only if the row still holds exactly `oldEnc` under `oldKeyId`. True when it did. */
  async swap(field: RotatedField, id: string, oldKeyId: string, oldEnc: Buffer, newEnc: Buffer, newKeyId: string): Promise<boolean> {
    const c = COLUMNS[field];
    // updated_at is left alone on purpose: a reseal changes no visible state of the account.
    const r = await this.ds.query(
      `UPDATE accounts SET ${c.enc} = $4, ${c.keyId} = $5
        WHERE id = $1 AND ${c.keyId} = $2 AND ${c.enc} = $3`, // the blob opened for the row's URLs; a re-link changes the blob too
      [id, oldKeyId, oldEnc, newEnc, newKeyId],
    );
    return affected(r) === 1;
  }

  /** How many blobs of each field are still not under the active key. */
  async remaining(activeKeyId: string): Promise<{ secrets: number; tokens: number }> {
    const [row]: Array<{ secrets: string; tokens: string }> = await this.ds.query(
      `SELECT count(*) FILTER (WHERE secret_key_id IS DISTINCT FROM $1) AS secrets,
              count(*) FILTER (WHERE token_enc IS NOT NULL AND token_key_id IS DISTINCT FROM $1) AS tokens
         FROM accounts`,
      [activeKeyId],
    );
    return { secrets: Number(row?.secrets ?? 0), tokens: Number(row?.tokens ?? 0) };
  }
}
