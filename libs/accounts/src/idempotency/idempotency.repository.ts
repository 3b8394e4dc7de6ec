import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IdempotencyKeyEntity } from '@app/database';
import { isUniqueViolation } from '../accounts.repository';

/** The only code that touches idempotency_keys. */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectRepository(IdempotencyKeyEntity) private readonly keys: Repository<IdempotencyKeyEntity>) {}

  /** Claims the key for this request; false when it already exists. */
  async claim(scope: string, requestHash: string, ttlMs: number): Promise<boolean> {
    try {
      const now = new Date();
      await this.keys.insert({ scope, requestHash, statusCode: null, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) });
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  find(scope: string): Promise<IdempotencyKeyEntity | null> {
    return this.keys.findOneBy({ scope });
  }

  async complete(scope: string, statusCode: number, responseBody: unknown): Promise<void> {
    await this.keys.update({ scope }, { statusCode, responseBody: responseBody as object });
  }

  async release(scope: string): Promise<void> {
    await this.keys.delete({ scope });
  }

  async deleteExpired(now: Date): Promise<number> {
    const r = await this.keys.createQueryBuilder().delete().where('expires_at < :now', { now }).execute();
    return r.affected ?? 0;
  }
}
