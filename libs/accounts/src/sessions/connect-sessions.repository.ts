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

  async addCreatedAccount(id: string, accountId: string): Promise<void> {
    await this.sessions.query(
      `UPDATE connect_sessions SET created_account_ids = array_append(created_account_ids, $2)
       WHERE id = $1 AND NOT ($2 = ANY(created_account_ids))`,
      [id, accountId],
    );
  }

  async deleteExpired(before: Date): Promise<number> {
    const r = await this.sessions.createQueryBuilder().delete().where('expires_at < :before', { before }).execute();
    return r.affected ?? 0;
  }
}
