import { Principal } from '@app/accounts';
import { AppError } from '@app/common';

/** Whose account a link makes: a session's own owner (the body may not name one), or the service caller's `ownerId`. */
export function resolveOwner(p: Principal, bodyOwner: string | undefined): string {
  if (p.kind === 'session') {
    if (bodyOwner !== undefined) {
      throw new AppError('validation_failed', 'ownerId comes from the connect session and may not be sent.', { fields: { ownerId: 'is not allowed with a connect session' } });
    }
    return p.ownerId;
  }
  if (bodyOwner === undefined) throw new AppError('validation_failed', 'ownerId is required.', { fields: { ownerId: 'is required' } });
  return bodyOwner;
}

/** The label a link stores: the body's, else the session's. */
export const labelFor = (p: Principal, bodyLabel: string | null | undefined) =>
  bodyLabel !== undefined ? bodyLabel : p.kind === 'session' ? p.label ?? undefined : undefined;
