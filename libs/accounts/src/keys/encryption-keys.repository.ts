import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Key-check values, and which key ids stored ciphertexts use. The only code touching encryption_keys. */
@Injectable()
export class EncryptionKeysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async kcvs(): Promise<Map<string, string>> {
    const rows: Array<{ id: string; kcv: string }> = await this.ds.query(`SELECT id, kcv FROM encryption_keys`);
    return new Map(rows.map((r) => [r.id, r.kcv]));
  }

  async remember(id: string, kcv: string): Promise<void> {
    await this.ds.query(`INSERT INTO encryption_keys (id, kcv) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, kcv]);
  }

  /** How many ciphertexts each key id holds (secrets and cached tokens). */
  async usage(): Promise<Array<{ keyId: string; secrets: number; tokens: number }>> {
    const rows: Array<{ key_id: string; secrets: string; tokens: string }> = await this.ds.query(`
      SELECT key_id, sum(secrets)::bigint AS secrets, sum(tokens)::bigint AS tokens FROM (
        SELECT secret_key_id AS key_id, count(*) AS secrets, 0 AS tokens FROM accounts GROUP BY secret_key_id
        UNION ALL
        SELECT token_key_id, 0, count(*) FROM accounts WHERE token_enc IS NOT NULL GROUP BY token_key_id
      ) u GROUP BY key_id ORDER BY key_id`);
    return rows.map((r) => ({ keyId: r.key_id, secrets: Number(r.secrets), tokens: Number(r.tokens) }));
  }
}
