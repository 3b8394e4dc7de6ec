import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConnectSessionEntity } from '@app/database';

/** The only code that touches connect_sessions. */
@Injectable()
export class ConnectSessionsRepository {
  constructor(@InjectRepository(ConnectSessionEntity) private readonly sessions: Repository<ConnectSessionEntity>) {}

  async insert(s: ConnectSessionEntity): Promise<void> {
    await this.sessions.insert(s);
  }

  findByHash(tokenHash: Buffer): Promise<ConnectSessionEntity | null> {
    return this.sessions.findOneBy({ tokenHash });
  }

  findById(id: string): Promise<ConnectSessionEntity | null> {
    return this.sessions.findOneBy({ id });
  }

  /** Keeps the first revocation time, so a repeated DELETE changes nothing. */
  async revoke(id: string): Promise<void> {
    await this.sessions.query(`UPDATE connect_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  }

  /** Deletes every session of an owner (offboarding): their tokens stop working at once. */
  async deleteForOwner(ownerId: string): Promise<void> {
    await this.sessions.query(`DELETE FROM connect_sessions WHERE owner_id = $1`, [ownerId]);
  }

  /** Deletes up to `limit` expired sessions (index on expires_at); the purge calls it until it returns less. */
  async deleteExpired(before: Date, limit: number): Promise<number> {
    const r = await this.sessions.query(
      `DELETE FROM connect_sessions WHERE id IN (SELECT id FROM connect_sessions WHERE expires_at < $1 LIMIT $2)`,
      [before, limit],
    );
    return Array.isArray(r) && typeof r[1] === 'number' ? r[1] : 0;
  }
}
