import { Injectable } from '@nestjs/common';
import { AccountsService, AccountView, ConnectSessionsService, fingerprint, IdempotencyService, Principal, StoredResponse } from '@app/accounts';
import { AppError } from '@app/common';
import { LinkAccountDto, RelinkAccountDto } from './accounts.dto';

/**
 * What the link and re-link endpoints add around the accounts service: whose account it is (service key vs
 * connect session), the session's rights, and Idempotency-Key replay.
 */
@Injectable()
export class LinkFlow {
  constructor(
    readonly accounts: AccountsService,
    private readonly sessions: ConnectSessionsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  async link(p: Principal, dto: LinkAccountDto, key: string | undefined): Promise<StoredResponse<AccountView>> {
    const ownerId = this.ownerOf(p, dto.ownerId);
    const label = dto.label !== undefined ? dto.label : p.kind === 'session' ? p.label ?? undefined : undefined;
    const run = async () => {
      const { account, created } = await this.accounts.link(ownerId, dto, label);
      await this.sessions.rememberCreated(p, account.id);
      return { status: created ? 201 : 200, body: account };
    };
    return this.withKey(p, 'link', key, [ownerId, dto], run);
  }

  async relink(p: Principal, id: string, dto: RelinkAccountDto, key: string | undefined): Promise<StoredResponse<AccountView>> {
    if (p.kind === 'session' && p.accountId !== id.toLowerCase()) {
      // A session that is not an edit session for this account may not re-link it (and must not learn it exists).
      const canRead = p.createdAccountIds.includes(id.toLowerCase());
      if (!canRead) throw new AppError('not_found', 'No such account.');
      throw new AppError('forbidden', 'This connect session may not re-link accounts.');
    }
    const run = async () => ({ status: 200, body: await this.accounts.relink(p, id, dto) });
    return this.withKey(p, `relink-${id.toLowerCase()}`, key, [dto], run);
  }

  private ownerOf(p: Principal, bodyOwner: string | undefined): string {
    if (p.kind === 'session') {
      if (bodyOwner !== undefined) {
        throw new AppError('validation_failed', 'ownerId comes from the connect session and may not be sent.', { fields: { ownerId: 'is not allowed with a connect session' } });
      }
      return p.ownerId;
    }
    if (bodyOwner === undefined) throw new AppError('validation_failed', 'ownerId is required.', { fields: { ownerId: 'is required' } });
    return bodyOwner;
  }

  private withKey<T>(p: Principal, op: string, key: string | undefined, body: unknown[], run: () => Promise<StoredResponse<T>>) {
    if (key === undefined) return run();
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new AppError('validation_failed', 'The Idempotency-Key header must be 1-200 visible ASCII characters.', { fields: { 'Idempotency-Key': 'is invalid' } });
    }
    const who = p.kind === 'service' ? `svc-${p.name}` : `owner-${p.ownerId}`;
    return this.idempotency.run(`${who}|${op}|${key}`, fingerprint([op, ...body]), run);
  }
}
