/** Who is calling: the hub backend (a service API key) or a browser holding a connect session bound to one owner. */
export type Principal =
  | { kind: 'service'; name: string }
  | { kind: 'session'; sessionId: string; ownerId: string; accountId: string | null; label: string | null };

/** What access decisions need of an account: whose it is, and which connect session created it (stored with it). */
export interface AccountAccess {
  id: string;
  ownerId: string;
  createdBySessionId: string | null;
}

/** Did this session's own link create the account? Recorded by the insert itself, so it is never half-written. */
const createdBy = (p: Principal & { kind: 'session' }, account: AccountAccess) =>
  account.createdBySessionId !== null && account.createdBySessionId === p.sessionId;

/** A session sees only the account it edits or the ones it created; anything else must look nonexistent. */
export function canSee(p: Principal, account: AccountAccess): boolean {
  if (p.kind === 'service') return true;
  return account.ownerId === p.ownerId && (p.accountId === account.id || createdBy(p, account));
}

/**
 * May a link (POST) that names an existing account's organization update it? The hub's service key may; a connect
 * session only when it created that account itself, so that a session cannot take over its owner's other accounts.
 * Decided from the row as read now, so a concurrent submit of the same session finds the account it just created.
 */
export function mayUpdateByLink(p: Principal, account: AccountAccess): boolean {
  return p.kind === 'service' || (account.ownerId === p.ownerId && createdBy(p, account));
}

/** May the caller re-link this account (one it can see)? The service key may; a session only its edit session's. */
export function mayRelink(p: Principal, account: AccountAccess): boolean {
  return p.kind === 'service' || p.accountId === account.id;
}
