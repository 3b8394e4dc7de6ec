import { ErrorCode, ERROR_STATUS } from './error-codes';

/**
 * A failure with a contract error code. Domain code (libs, worker) throws these and never imports HTTP types;
 * the API's exception filter turns them into the error body of docs/API.md, "Errors". Messages must never contain secrets.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { fields?: Record<string, string>; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
