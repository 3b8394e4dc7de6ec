import { AppError } from '@app/common';

/** Asked of a suspended account something only a running one does (token, verify, report-unauthorized, link). */
export const accountSuspended = () =>
  new AppError('account_suspended', 'This account is suspended. Resume it first (POST /v1/accounts/{id}/resume).');
