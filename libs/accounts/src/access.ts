/** Who is calling: the hub backend (a service API key) or a browser holding a connect session bound to one owner. */
export type Principal =
  | { kind: 'service'; name: string }
  | { kind: 'session'; sessionId: string; ownerId: string; accountId: string | null; createdAccountIds: string[]; label: string | null };

/** A session sees only the account it edits or the ones it created; anything else must look nonexistent. */
export function canSee(p: Principal, account: { id: string; ownerId: string }): boolean {
  if (p.kind === 'service') return true;
  return account.ownerId === p.ownerId && (p.accountId === account.id || p.createdAccountIds.includes(account.id));
}

/**
 * May a link (POST) that names an existing account's organization update it? The hub's service key may; a connect
 * session only when it created that account itself, so that a session cannot take over its owner's other accounts.
 */
export function mayUpdateByLink(p: Principal, account: { id: string }): boolean {
  return p.kind === 'service' || p.createdAccountIds.includes(account.id);
}
