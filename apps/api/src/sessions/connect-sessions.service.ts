import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError, parseUuid } from '@app/common';
import { AppConfig } from '@app/config';
import { ConnectSessionEntity } from '@app/database';
import { AccountsRepository, Principal } from '@app/accounts';
import { ConnectSessionsRepository } from './connect-sessions.repository';
import { checkReturnUrl } from './return-url';

export const SESSION_TOKEN_PREFIX = 'cs_';

const hash = (token: string) => createHash('sha256').update(token).digest();

export interface CreateSessionInput {
  ownerId: string;
  label?: string | null;
  accountId?: string | null;
  expiresInSeconds?: number;
  returnUrl?: string | null;
}

@Injectable()
export class ConnectSessionsService {
  constructor(
    private readonly repo: ConnectSessionsRepository,
    private readonly accounts: AccountsRepository,
    private readonly config: AppConfig,
  ) {}

  async create(input: CreateSessionInput) {
    const returnUrl = input.returnUrl ? checkReturnUrl(input.returnUrl, this.config.corsOrigins) : null;
    const accountId = input.accountId ? parseUuid(input.accountId) : null;
    if (input.accountId) {
      const account = accountId ? await this.accounts.findById(accountId) : null;
      // Edit mode is only for an account of the same owner; anything else looks nonexistent.
      if (!account || account.ownerId !== input.ownerId) throw new AppError('not_found', 'No such account.');
    }
    const id = randomUUID();
    const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + (input.expiresInSeconds ?? 1800) * 1000);
    await this.repo.insert(
      Object.assign(new ConnectSessionEntity(), {
        id,
        tokenHash: hash(token),
        ownerId: input.ownerId,
        accountId,
        label: input.label ?? null,
        expiresAt,
        returnUrl,
        revokedAt: null,
      }),
    );
    // The token rides in the fragment so that it never reaches a server log, a proxy or a Referer header.
    const url = this.config.connectPage ? `${this.config.publicUrl}/connect#session=${token}` : null;
    return { id, token, url, expiresAt: expiresAt.toISOString(), ownerId: input.ownerId, accountId };
  }

  /** The principal for a session token, or null when it is unknown, expired or revoked. */
  async resolve(token: string): Promise<Principal | null> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) return null;
    const s = await this.repo.findByHash(hash(token));
    if (!s || s.revokedAt || s.expiresAt.getTime() <= Date.now()) return null;
    return { kind: 'session', sessionId: s.id, ownerId: s.ownerId, accountId: s.accountId, label: s.label };
  }

  /** What the hosted page needs to know about the session calling it. */
  async current(p: Principal) {
    if (p.kind !== 'session') throw new AppError('forbidden', 'Only a connect session can read itself; a service key has no session.');
    const s = await this.repo.findById(p.sessionId);
    // Revoked or expired between the guard and here: answer as the guard would have.
    if (!s || s.revokedAt || s.expiresAt.getTime() <= Date.now()) throw new AppError('unauthorized', 'This connect session has expired or was revoked.');
    return {
      ownerId: s.ownerId,
      accountId: s.accountId,
      label: s.label,
      expiresAt: s.expiresAt.toISOString(),
      returnUrl: s.returnUrl,
      allowedOrigins: this.config.corsOrigins,
    };
  }

  /** Idempotent: an unknown, expired (and purged) or already revoked session is just as unusable afterwards. */
  async revoke(id: string): Promise<void> {
    await this.repo.revoke(id);
  }
}
