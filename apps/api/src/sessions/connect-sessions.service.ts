import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, parseUuid } from '@app/common';
import { ConnectSessionEntity } from '@app/database';
import { AccountsRepository, Principal } from '@app/accounts';
import { ConnectSessionsRepository } from './connect-sessions.repository';

export const SESSION_TOKEN_PREFIX = 'cs_';

const hash = (token: string) => createHash('sha256').update(token).digest();

@Injectable()
export class ConnectSessionsService {
  constructor(
    private readonly repo: ConnectSessionsRepository,
    private readonly accounts: AccountsRepository,
  ) {}

  async create(input: { ownerId: string; label?: string | null; accountId?: string | null; expiresInSeconds?: number }) {
    const accountId = input.accountId ? parseUuid(input.accountId) : null;
    if (input.accountId) {
      const account = accountId ? await this.accounts.findById(accountId) : null;
      // Edit mode is only for an account of the same owner; anything else looks nonexistent.
      if (!account || account.ownerId !== input.ownerId) throw new AppError('not_found', 'No such account.');
    }
    const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + (input.expiresInSeconds ?? 1800) * 1000);
    await this.repo.insert(
      Object.assign(new ConnectSessionEntity(), {
        id: randomUUID(),
        tokenHash: hash(token),
        ownerId: input.ownerId,
        accountId,
        label: input.label ?? null,
        createdAccountIds: [],
        expiresAt,
      }),
    );
    return { token, expiresAt: expiresAt.toISOString(), ownerId: input.ownerId, accountId };
  }

  /** The principal for a session token, or null when it is unknown or expired. */
  async resolve(token: string): Promise<Principal | null> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) return null;
    const s = await this.repo.findByHash(hash(token));
    if (!s || s.expiresAt.getTime() <= Date.now()) return null;
    return { kind: 'session', sessionId: s.id, ownerId: s.ownerId, accountId: s.accountId, createdAccountIds: s.createdAccountIds, label: s.label };
  }

  rememberCreated(p: Principal, accountId: string): Promise<void> {
    return p.kind === 'session' ? this.repo.addCreatedAccount(p.sessionId, accountId) : Promise.resolve();
  }
}
