import { Injectable } from '@nestjs/common';
import { AccountsService, notFound } from './accounts.service';
import { AccountVerifier } from './account-verifier.service';
import { AccountView, mapAccount } from './account-view';
import { AccountEventView, mapEvent } from './event-view';
import { decodeEventCursor, encodeEventCursor } from './event-cursor';
import { AccountEventsRepository } from './persistence/account-events.repository';
import { AccountsRepository } from './persistence/accounts.repository';

/** How long a resume waits for a slot of the identity host's budget, as verify does. */
const INTERACTIVE_BUDGET_WAIT_MS = 3000;
const PURGE_BATCH = 1000;

const SERVICE = { kind: 'service', name: 'internal' } as const;

/** The account's life beyond its credentials: suspend, resume, rename, its history, and an owner's offboarding. */
@Injectable()
export class AccountLifecycleService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly events: AccountEventsRepository,
    private readonly accounts: AccountsService,
    private readonly verifier: AccountVerifier,
  ) {}

  /** Pauses the account: token destroyed, no checks or renewals; idempotent. */
  async suspend(id: string): Promise<AccountView> {
    const account = await this.repo.suspend(id, new Date());
    if (!account) throw notFound();
    return mapAccount(account);
  }

  /**
   * One exchange now; its outcome decides the status, recorded as one `resumed` event. A spent budget changes
   * nothing (503, still suspended). On an account that is not suspended this is verify.
   */
  async resume(id: string): Promise<AccountView> {
    const account = await this.accounts.visible(SERVICE, id);
    if (account.status !== 'suspended') return this.accounts.verify(id);
    const result = await this.verifier.verify(account, { priority: 'interactive', maxWaitMs: INTERACTIVE_BUDGET_WAIT_MS, resume: true });
    if (result.kind === 'budget') throw result.error;
    if (result.kind === 'superseded' || !result.account) return this.accounts.get(SERVICE, id);
    return mapAccount(result.account);
  }

  /** Renames without an exchange. */
  async rename(id: string, label: string | null): Promise<AccountView> {
    const updated = await this.repo.update(id, { label });
    if (!updated) throw notFound();
    return mapAccount(updated);
  }

  /** The account's history, newest first; a deleted account's is not served (404). */
  async history(id: string, q: { limit?: number; cursor?: string }): Promise<{ data: AccountEventView[]; nextCursor: string | null }> {
    const before = q.cursor !== undefined ? decodeEventCursor(q.cursor) : undefined;
    await this.accounts.visible(SERVICE, id);
    const limit = q.limit ?? 50;
    const rows = await this.events.page(id, limit + 1, before);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(mapEvent), nextCursor: rows.length > limit && last ? encodeEventCursor(last.id) : null };
  }

  /**
   * Offboards an owner: each account deleted as by DELETE /v1/accounts/{id}, then the owner's events (those with a
   * webhook still to deliver once it is delivered). Idempotent.
   * The caller (apps/api) then deletes the owner's connect sessions, which it owns.
   */
  async offboardOwner(ownerId: string): Promise<void> {
    for (const id of await this.repo.idsOfOwner(ownerId)) {
      await this.accounts.delete(id).catch((e: { code?: string }) => {
        if (e?.code !== 'not_found') throw e; // deleted meanwhile: that is what was wanted
      });
    }
    while ((await this.events.deleteForOwner(ownerId, PURGE_BATCH)) === PURGE_BATCH);
    // Their account.deleted webhooks (and any other not yet delivered) still go out; the rows follow on delivery.
    await this.events.markOwnerForPurge(ownerId);
  }
}
