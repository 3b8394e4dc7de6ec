import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { AppError, ErrorCode, ERROR_STATUS } from '@app/common';
import { CryptoError } from '@app/crypto';
import { QueryFailedError } from 'typeorm';
import { MAX_JSON_DEPTH } from './json-depth';

const BY_STATUS: Record<number, [ErrorCode, string]> = {
  400: ['validation_failed', 'The request is not valid.'],
  401: ['unauthorized', 'A valid credential is required.'],
  403: ['forbidden', 'This credential may not do that.'],
  404: ['not_found', 'Not found.'],
  413: ['payload_too_large', 'The request body is larger than 16 KiB.'],
  415: ['unsupported_media_type', 'The request body must be JSON, sent as Content-Type: application/json.'],
  431: ['headers_too_large', 'The request headers are larger than 16 KiB.'],
  429: ['rate_limited', 'Too many requests. Try again later.'],
};

/**
 * Postgres data exceptions caused by a value (too long, bad encoding, NUL, bad number or date): a safety net behind
 * validation, so such input can never become a 500.
 */
const INPUT_REFUSED_BY_DB = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05', '54000']);

const REDIS_DOWN = /enableOfflineQueue|Connection is closed|MaxRetriesPerRequest|Reached the max retries per request|Command timed out/;
const DB_DOWN = /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT|the database system is (starting up|shutting down)|terminating connection|Query read timeout|canceling statement due to statement timeout|Connection terminated unexpectedly/i;

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** The body of an error answer, `{"error": {code, message, fields?}}`: what the filter sends and an Idempotency-Key replays. */
export function errorBody(err: AppError): ErrorBody {
  const body: ErrorBody['error'] = { code: err.code, message: err.message };
  if (err.extra.fields && Object.keys(err.extra.fields).length) body.fields = err.extra.fields;
  return { error: body };
}

/** Turns every failure into the `{"error": {code, message, fields?}}` of docs/API.md, "Errors"; nothing internal leaks out. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const err = this.toAppError(exception, req);
    if (err.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.extra.retryAfterSeconds));
    res.status(ERROR_STATUS[err.code]).json(errorBody(err));
  }

  private toAppError(e: unknown, req: Request): AppError {
    if (e instanceof AppError) return e;
    if (/Failed to decode param/.test((e as Error | undefined)?.message ?? '')) {
      // A bad percent-escape in a path parameter: an id that cannot even be decoded is not found, as any malformed
      // id is; an owner id is validated (offboarding an unknown owner is a success, so "not found" would mislead).
      if (req.path.startsWith('/v1/owners/')) return new AppError('validation_failed', 'The request is not valid: check ownerId.', { fields: { ownerId: 'is not a valid owner id' } });
      return new AppError('not_found', BY_STATUS[404][1]);
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const [code, message] = BY_STATUS[status] ?? ['internal_error', 'Something went wrong on our side.'];
      if (status === 429) return new AppError(code, message, { retryAfterSeconds: this.retryAfterOf(req) });
      if (status >= 500) this.logger.error({ err: this.describe(e), path: req.path }, 'unhandled http exception');
      if (status === 400 && /JSON/i.test(e.message)) return new AppError(code, 'The body is not valid JSON.');
      return new AppError(code, message);
    }
    const bodyParser = e as { type?: string; status?: number };
    if (bodyParser?.type === 'entity.too.large') return new AppError('payload_too_large', BY_STATUS[413][1]);
    if (bodyParser?.type === 'entity.parse.failed') return new AppError('validation_failed', 'The body is not valid JSON.');
    if (bodyParser?.type === 'entity.too.deep') {
      return new AppError('validation_failed', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    if (bodyParser?.status === 415) return new AppError('unsupported_media_type', BY_STATUS[415][1]);
    if (bodyParser?.status === 400) return new AppError('validation_failed', 'The body could not be read.');
    const text = this.describe(e);
    if (REDIS_DOWN.test(text)) {
      return new AppError('unavailable', 'The service cannot reach its Redis store right now. Try again shortly.');
    }
    if (DB_DOWN.test(text) || (e instanceof QueryFailedError && DB_DOWN.test(e.message))) {
      return new AppError('unavailable', 'The service cannot reach its database right now. Try again shortly.');
    }
    if (INPUT_REFUSED_BY_DB.has(String((e as { code?: unknown }).code ?? (e as { driverError?: { code?: unknown } }).driverError?.code))) {
      // Validation should have caught it: say so in the log, but the caller sent bad input, not we failed.
      this.logger.warn({ err: text, path: req.path }, 'input refused by the database after validation');
      return new AppError('validation_failed', 'The request holds a value the service cannot store.');
    }
    if (e instanceof CryptoError) {
      this.logger.error({ reason: e.reason, path: req.path }, 'stored secret could not be decrypted');
      return new AppError('internal_error', 'A stored credential could not be decrypted. The operator has to check the encryption keys.');
    }
    this.logger.error({ err: text, path: req.path }, 'unhandled error');
    return new AppError('internal_error', 'Something went wrong on our side.');
  }

  private retryAfterOf(req: Request): number {
    const h = req.res?.getHeader('Retry-After') ?? req.res?.getHeader('Retry-After-default');
    return Math.max(1, Number(h) || 60);
  }

  /** Error name and message only (no stack, no request body): never a place for a secret to slip through. */
  private describe(e: unknown): string {
    if (e instanceof Error) return `${e.name}: ${e.message}${e.cause instanceof Error ? ` (cause: ${e.cause.message})` : ''}`;
    return String(e);
  }
}
