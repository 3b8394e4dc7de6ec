import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccountStatus, AppError, Region } from '@app/common';
import { BitwardenGateway, IssuedToken, ServerInfo } from '@app/bitwarden';
import { AccountEntity } from '@app/database';
import { JobName, JobProducer } from '@app/queue';
import { credentialsLock, RedisLock } from '@app/redis';
import { canSee, mayRelink, mayUpdateByLink, Principal } from './access';
import { accountSuspended } from './account-errors';
import { AccountVerifier } from './account-verifier.service';
import { AccountView, mapAccount } from './account-view';
import { AccountSecrets } from './account-secrets';
import { LinkCredentials, LinkInput, RawCredentials } from './link-input';
import { decodeCursor, encodeCursor } from './list-cursor';
import { AccountsRepository, isUniqueViolation } from './persistence/accounts.repository';

export interface ListQuery {
  ownerId?: string;
  status?: AccountStatus;
  region?: Region;
  flavor?: 'bitwarden' | 'vaultwarden';
  organizationId?: string;
  limit?: number;
  cursor?: string;
}

/** How long a link, re-link or verify may queue for a slot of the identity host's budget before answering 503. */
const INTERACTIVE_BUDGET_WAIT_MS = 3000;

/** DELETE answers after at most this long even when Redis does not (the row and its secret are already gone). */
const JOB_REMOVAL_WAIT_MS = 1500;

export const notFound = () => new AppError('not_found', 'No such account.');

const alreadyLinked = () =>
  new AppError('already_linked', 'This organization is already linked as another account of this owner. Re-link that account instead.');

/** How long a link or re-link waits for another change of the same account to finish. */
const CREDENTIALS_WAIT_MS = 30_000;

/** The Account's use cases: link, re-link, verify, read, list, delete. `id`s arrive parsed (canonical UUIDs). */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly input: LinkInput,
    private readonly gateway: BitwardenGateway,
    private readonly verifier: AccountVerifier,
    private readonly secrets: AccountSecrets,
    private readonly jobs: JobProducer,
    private readonly lock: RedisLock,
  ) {}

  /**
   * Link: validate, prove the credentials with a real exchange and an API probe, and only then store them.
   * The same owner + identity URL + organization again updates the existing account (created: false), which only
   * the service key (or the session that created it) may do: anyone else gets 409 before any exchange. A session's
   * new account records that session in its own insert, so a concurrent submit of the same session that loses the
   * insert finds an account of its own (200), and a link that fails after the commit leaves nothing half-written.
   */
  async link(p: Principal, ownerId: string, raw: RawCredentials, label: string | null | undefined): Promise<{ account: AccountView; created: boolean }> {
    const creds = await this.input.normalize(raw);
    const guard = (existing: AccountEntity | null) => {
      if (existing && !mayUpdateByLink(p, existing)) throw alreadyLinked();
      // A suspended account is not re-verified by a link (that would spend an exchange on a paused account).
      if (existing?.status === 'suspended') throw accountSuspended();
      return existing;
    };
    guard(await this.repo.findByNaturalKey(ownerId, creds.identityBaseUrl, creds.organizationId));
    const token = await this.prove(creds);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = guard(await this.repo.findByNaturalKey(ownerId, creds.identityBaseUrl, creds.organizationId));
      if (existing) {
        // Proven credentials replace the stored ones under the account's credentials lock (no compare-and-set:
        // concurrent identical links all hold proven credentials). Null only if the row was deleted meanwhile.
        const updated = await this.serialised(existing.id, async () => {
          const current = await this.repo.findById(existing.id);
          return current ? this.swapCredentials(current, creds, token, label, false) : null;
        });
        if (updated) return { account: mapAccount(updated), created: false };
        continue;
      }
      try {
        const created = await this.repo.insert(this.newAccount(ownerId, creds, token, label ?? null, p.kind === 'session' ? p.sessionId : null));
        return { account: mapAccount(created), created: true };
      } catch (e) {
        if (!isUniqueViolation(e)) throw e; // a concurrent identical link won the insert: update it instead
      }
    }
    throw new AppError('unavailable', 'The account changed while it was being linked. Try again.');
  }

  /**
   * Re-link: the new credentials are tested first and swapped in only if they work; the old ones stay otherwise.
   * Re-links of one account run one at a time (a lock per account), so concurrent ones neither race nor multiply
   * exchanges. The organization stays the account's, and the result may not duplicate another account of the owner.
   */
  async relink(p: Principal, id: string, raw: Partial<RawCredentials> & { clientSecret: string }): Promise<AccountView> {
    // 404 before waiting for anyone's lock; a session that can read the account but was not made for it: 403.
    if (!mayRelink(p, await this.visible(p, id))) throw new AppError('forbidden', 'This connect session may not re-link accounts.');
    const updated = await this.serialised(id, async () => {
      const current = await this.visible(p, id);
      const creds = await this.input.normalize({
        apiBaseUrl: raw.apiBaseUrl ?? current.apiBaseUrl,
        identityBaseUrl: raw.identityBaseUrl ?? current.identityBaseUrl,
        clientId: raw.clientId ?? current.clientId,
        clientSecret: raw.clientSecret,
      });
      if (creds.organizationId !== current.organizationId) {
        throw new AppError('organization_mismatch', 'This API key belongs to another organization than the account. Link that organization as a new account instead.', {
          fields: { clientId: 'names another organization than this account' },
        });
      }
      const twin = await this.repo.findByNaturalKey(current.ownerId, creds.identityBaseUrl, creds.organizationId);
      if (twin && twin.id !== current.id) throw alreadyLinked();
      const token = await this.prove(creds);
      try {
        return await this.swapCredentials(current, creds, token, undefined);
      } catch (e) {
        if (isUniqueViolation(e)) throw alreadyLinked();
        throw e;
      }
    });
    if (!updated) throw notFound();
    return mapAccount(updated);
  }

  /** Runs a credentials change of one account while no other runs; waits for one in progress rather than failing. */
  private async serialised<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const held = await this.lock.withLockWaiting(credentialsLock(accountId), CREDENTIALS_WAIT_MS, fn);
    if (!held.acquired) throw new AppError('unavailable', 'Another change of this account is taking too long. Try again shortly.');
    return held.value;
  }

  /** The Test button: a fresh exchange now, whatever the cache holds. */
  async verify(id: string): Promise<AccountView> {
    const account = await this.visible(SERVICE, id);
    if (account.status === 'suspended') throw accountSuspended();
    return mapAccount(await this.verifyNow(account));
  }

  /** An interactive exchange with the stored credentials; its outcome is recorded, and a spent budget is a 503. */
  async verifyNow(account: AccountEntity): Promise<AccountEntity> {
    const result = await this.verifier.verify(account, { priority: 'interactive', maxWaitMs: INTERACTIVE_BUDGET_WAIT_MS });
    if (result.kind === 'budget') throw result.error;
    if (result.kind === 'superseded' || !result.account) return (await this.repo.findById(account.id)) ?? Promise.reject(notFound());
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
      flavor: q.flavor,
      organizationId: q.organizationId?.toLowerCase(),
      limit: limit + 1,
      after: q.cursor !== undefined ? decodeCursor(q.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(mapAccount), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** Deletes the row (secret and cached token go with it) and any pending jobs; the history stays. */
  async delete(id: string): Promise<void> {
    const gone = await this.repo.delete(id);
    if (!gone) throw notFound();
    // The secret is gone with the commit; a job left behind for a missing account is a no-op.
    await this.removeJobs(id);
  }

  /** Removes an account's pending jobs, best effort, bounded so that a slow or hung Redis cannot hold the answer up. */
  async removeJobs(id: string): Promise<void> {
    const removal = Promise.all([
      this.jobs.remove({ name: JobName.CheckAccount, data: { accountId: id } }),
      this.jobs.remove({ name: JobName.RefreshToken, data: { accountId: id } }),
    ]).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([removal, new Promise((r) => (timer = setTimeout(r, JOB_REMOVAL_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Whether the caller may see the account now (a missing one: no), without answering 404. */
  async canView(p: Principal, id: string): Promise<boolean> {
    const account = await this.repo.findById(id);
    return !!account && canSee(p, account);
  }

  async visible(p: Principal, id: string): Promise<AccountEntity> {
    const account = await this.repo.findById(id);
    if (!account || !canSee(p, account)) throw notFound();
    return account;
  }

  /**
   * Proves credentials: one token exchange, then one API probe; nothing is stored unless both worked. The server's
   * own description (GET {api}/config) is read first on a self-hosted server, whose flavor decides its pacing, and
   * beside the probe on the cloud, where the flavor is known and only the version is new.
   */
  private async prove(creds: LinkCredentials): Promise<Proof> {
    const selfHosted = creds.region === 'self-hosted';
    let info = selfHosted ? await this.gateway.serverInfo(creds.apiBaseUrl) : null;
    const flavor = selfHosted ? info?.flavor ?? null : 'bitwarden';
    // The probe's API slot first: without one, the link answers 503 before spending an identity slot (of 10 a
    // minute on the cloud) on a token it could not test, and its Retry-After then holds for the retry.
    const probeSlot = await this.gateway.probeSlot(creds.apiBaseUrl);
    const outcome = await this.gateway.exchange(creds, { priority: 'interactive', maxWaitMs: INTERACTIVE_BUDGET_WAIT_MS, flavor });
    if (!outcome.ok && outcome.kind === 'rejected' && !selfHosted) throw otherRegionHint(outcome.error, creds.region);
    if (!outcome.ok) throw outcome.error;
    // On the cloud the version is all /config adds: asked beside the probe, so it costs no extra round trip.
    const [probed, cloudInfo] = await Promise.all([
      this.gateway.probe(creds.apiBaseUrl, outcome.token.accessToken, { slot: probeSlot }),
      selfHosted ? Promise.resolve(null) : this.gateway.serverInfo(creds.apiBaseUrl),
    ]);
    if (!selfHosted) info = cloudInfo;
    const server: ServerInfo = { flavor: probed.flavor, version: info?.flavor === probed.flavor ? info.version : null };
    return { token: outcome.token, server };
  }

  /** The columns that say what the server is, as just proven. */
  private serverColumns(server: ServerInfo, now: Date) {
    return { serverFlavor: server.flavor, serverVersion: server.version, serverCheckedAt: now, apiError: null };
  }

  private newAccount(ownerId: string, creds: LinkCredentials, { token, server }: Proof, label: string | null, createdBySessionId: string | null): AccountEntity {
    const now = new Date();
    const row = { id: randomUUID(), ownerId, apiBaseUrl: creds.apiBaseUrl, identityBaseUrl: creds.identityBaseUrl };
    const secret = this.secrets.sealSecret(row, creds.clientSecret);
    return Object.assign(new AccountEntity(), {
      ...row,
      provider: 'bitwarden',
      organizationId: creds.organizationId,
      label,
      region: creds.region,
      clientId: creds.clientId,
      secretLast4: creds.clientSecret.slice(-4),
      secretEnc: secret.enc,
      secretKeyId: secret.keyId,
      credentialsVersion: 1,
      createdBySessionId,
      lastTokenRequestAt: null,
      createdAt: now,
      updatedAt: now,
      ...this.serverColumns(server, now),
      ...this.verifier.provenPatch({ ...row, lastTokenRequestAt: null }, token, now),
    });
  }

  private swapCredentials(current: AccountEntity, creds: LinkCredentials, { token, server }: Proof, label: string | null | undefined, compareAndSet = true) {
    const now = new Date();
    // Sealed for the URLs they will be sent to, which a re-link may change.
    const next = { ...current, apiBaseUrl: creds.apiBaseUrl, identityBaseUrl: creds.identityBaseUrl, apiError: null };
    const secret = this.secrets.sealSecret(next, creds.clientSecret);
    return this.repo.update(
      current.id,
      {
        ...this.serverColumns(server, now),
        ...this.verifier.provenPatch(next, token, now),
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

/**
 * A rejected cloud key may belong to an organization in the other cloud region: the two regions are separate
 * Bitwarden servers. Said, never tried: the secret is not sent anywhere else to find out.
 */
function otherRegionHint(e: AppError, region: Region): AppError {
  const [here, there] = region === 'eu' ? ['EU', 'US'] : ['US', 'EU'];
  return new AppError(
    e.code,
    `${e.message} If the organization was created in Bitwarden's ${there} cloud rather than the ${here} cloud, link it with the ${there} region instead.`,
    e.extra,
  );
}

interface Proof {
  token: IssuedToken;
  server: ServerInfo;
}

const SERVICE: Principal = { kind: 'service', name: 'internal' };
