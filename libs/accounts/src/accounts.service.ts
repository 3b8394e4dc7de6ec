import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { AccountEntity, AccountStatus, Region } from '@app/database';
import { JobName, JobProducer } from '@app/queue';
import { AccountChecker } from './account-checker.service';
import { AccountView, mapAccount } from './account.mapper';
import { AccountSecrets } from './account-secrets';
import { AccountsRepository, isUniqueViolation } from './accounts.repository';
import { LinkCredentials, LinkInput, RawCredentials } from './link-input';
import { decodeCursor, encodeCursor } from './list-cursor';
import { canSee, Principal } from './principal';
import { IssuedToken, UpstreamService } from './upstream.service';

export interface ListQuery {
  ownerId?: string;
  status?: AccountStatus;
  region?: Region;
  limit?: number;
  cursor?: string;
}

/** How long a link or re-link may queue for a slot of the identity host's budget before answering 503. */
const LINK_BUDGET_WAIT_MS = 3000;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = () => new AppError('not_found', 'No such account.');

@Injectable()
export class AccountsService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly input: LinkInput,
    private readonly upstream: UpstreamService,
    private readonly checker: AccountChecker,
    private readonly secrets: AccountSecrets,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /**
   * Link: validate, prove the credentials with a real exchange and an API probe, and only then store them.
   * The same owner + identity URL + organization again updates the existing account (created: false).
   */
  async link(ownerId: string, raw: RawCredentials, label: string | null | undefined): Promise<{ account: AccountView; created: boolean }> {
    const creds = await this.input.normalize(raw);
    const token = await this.prove(creds);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.repo.findByNaturalKey(ownerId, creds.identityBaseUrl, creds.organizationId);
      if (existing) {
        // No compare-and-set here: concurrent identical links all hold proven credentials, so the last write may win
        // (with the CAS, N concurrent links exhausted the retries and answered 503). Null only if the row was deleted.
        const updated = await this.swapCredentials(existing, creds, token, label, false);
        if (updated) return { account: mapAccount(updated), created: false };
        continue;
      }
      try {
        const created = await this.repo.insert(this.newAccount(ownerId, creds, token, label ?? null));
        return { account: mapAccount(created), created: true };
      } catch (e) {
        if (!isUniqueViolation(e)) throw e; // a concurrent identical link won the insert: update it instead
      }
    }
    throw new AppError('unavailable', 'The account changed while it was being linked. Try again.');
  }

  /** Re-link: the new credentials are tested first and swapped in only if they work; the old ones stay otherwise. */
  async relink(p: Principal, id: string, raw: Partial<RawCredentials> & { clientSecret: string }): Promise<AccountView> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.visible(p, id);
      const creds = await this.input.normalize({
        apiBaseUrl: raw.apiBaseUrl ?? current.apiBaseUrl,
        identityBaseUrl: raw.identityBaseUrl ?? current.identityBaseUrl,
        clientId: raw.clientId ?? current.clientId,
        clientSecret: raw.clientSecret,
      });
      const token = await this.prove(creds);
      let updated: AccountEntity | null;
      try {
        updated = await this.swapCredentials(current, creds, token, undefined);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        throw new AppError('validation_failed', 'Another account of this owner already links that organization.', {
          fields: { clientId: 'already linked in another account' },
        });
      }
      if (updated) return mapAccount(updated);
    }
    throw new AppError('unavailable', 'The account changed while it was being re-linked. Try again.');
  }

  /** The Test button: a fresh exchange now, whatever the cache holds. */
  async verify(id: string): Promise<AccountView> {
    const account = await this.visible({ kind: 'service', name: 'internal' }, id);
    const result = await this.checkNow(account);
    return mapAccount(result);
  }

  async checkNow(account: AccountEntity): Promise<AccountEntity> {
    let result;
    try {
      result = await this.checker.check(account, 'interactive', LINK_BUDGET_WAIT_MS);
    } catch (e) {
      throw this.upstream.budgetError(e);
    }
    if (result.kind === 'superseded' || result.kind === 'transient') {
      return (await this.repo.findById(account.id)) ?? Promise.reject(notFound());
    }
    return result.account;
  }

  async get(p: Principal, id: string): Promise<AccountView> {
    return mapAccount(await this.visible(p, id));
  }

  async list(q: ListQuery): Promise<{ data: AccountView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const rows = await this.repo.list({
      ownerId: q.ownerId,
      status: q.status,
      region: q.region,
      limit: limit + 1,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(mapAccount), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** Deletes the row (secret and cached token go with it) and any pending jobs; the history stays. */
  async delete(id: string): Promise<void> {
    // A malformed id is simply not found (it used to reach Postgres' uuid cast and answer 500).
    if (!UUID_RE.test(id)) throw notFound();
    id = id.toLowerCase();
    const gone = await this.repo.delete(id);
    if (!gone) throw notFound();
    await Promise.all([
      this.jobs.remove({ name: JobName.CheckAccount, data: { accountId: id } }),
      this.jobs.remove({ name: JobName.RefreshToken, data: { accountId: id } }),
    ]);
  }

  async visible(p: Principal, id: string): Promise<AccountEntity> {
    if (!UUID_RE.test(id)) throw notFound();
    const account = await this.repo.findById(id.toLowerCase());
    if (!account || !canSee(p, account)) throw notFound();
    return account;
  }

  private async prove(creds: LinkCredentials): Promise<IssuedToken> {
    const token = await this.upstream.exchangeOrThrow(creds, LINK_BUDGET_WAIT_MS);
    await this.upstream.probe(creds.apiBaseUrl, token.accessToken);
    return token;
  }

  private newAccount(ownerId: string, creds: LinkCredentials, token: IssuedToken, label: string | null): AccountEntity {
    const now = new Date();
    const row = { id: randomUUID(), ownerId, apiBaseUrl: creds.apiBaseUrl, identityBaseUrl: creds.identityBaseUrl };
    const secret = this.secrets.sealSecret(row, creds.clientSecret);
    return Object.assign(new AccountEntity(), {
      ...row,
      provider: 'bitwarden',
      organizationId: creds.organizationId,
      label,
      region: creds.region,
      apiBaseUrl: creds.apiBaseUrl,
      identityBaseUrl: creds.identityBaseUrl,
      clientId: creds.clientId,
      secretLast4: creds.clientSecret.slice(-4),
      secretEnc: secret.enc,
      secretKeyId: secret.keyId,
      credentialsVersion: 1,
      lastTokenRequestAt: null,
      createdAt: now,
      updatedAt: now,
      ...this.checker.successPatch({ ...row, lastTokenRequestAt: null }, token, now),
    });
  }

  private swapCredentials(current: AccountEntity, creds: LinkCredentials, token: IssuedToken, label: string | null | undefined, compareAndSet = true) {
    const now = new Date();
    // Sealed for the URLs they will be sent to, which a re-link may change.
    const next = { ...current, apiBaseUrl: creds.apiBaseUrl, identityBaseUrl: creds.identityBaseUrl };
    const secret = this.secrets.sealSecret(next, creds.clientSecret);
    return this.repo.update(
      current.id,
      {
        ...this.checker.successPatch(next, token, now),
        ...(label !== undefined ? { label } : {}),
        region: creds.region,
        apiBaseUrl: creds.apiBaseUrl,
        identityBaseUrl: creds.identityBaseUrl,
        organizationId: creds.organizationId,
        clientId: creds.clientId,
        secretLast4: creds.clientSecret.slice(-4),
        secretEnc: secret.enc,
        secretKeyId: secret.keyId,
        credentialsVersion: current.credentialsVersion + 1,
      },
      { expectedCredentialsVersion: compareAndSet ? current.credentialsVersion : undefined, relinked: true },
    );
  }
}
