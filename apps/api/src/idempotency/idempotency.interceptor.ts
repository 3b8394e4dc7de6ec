import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { AccountsService, Principal } from '@app/accounts';
import { AppError, ErrorCode, parseUuid } from '@app/common';
import { ErrorBody, errorBody } from '../common/error.filter';
import { fingerprint, IdempotencyService, isFinalStatus, RememberedResponse } from './idempotency.service';

const IDEMPOTENT = 'bwc:idempotent';

/** Marks a route whose repeats with one Idempotency-Key replay the first response; `op` names the operation in the key. */
export const Idempotent = (op: string) => SetMetadata(IDEMPOTENT, op);

const KEY_RE = /^[\x21-\x7e]{1,200}$/;

/** The account a remembered success carries (link and re-link answer with the Account), if any. */
const accountIdOf = (stored: RememberedResponse<unknown>): string | null => {
  const body = stored.body as { id?: unknown } | null;
  return stored.status < 300 && body && typeof body.id === 'string' ? body.id : null;
};

/** A remembered error answer, thrown again so that the error filter sends it exactly as the first time. */
const errorOf = (body: ErrorBody) => new AppError(body.error.code as ErrorCode, body.error.message, body.error.fields ? { fields: body.error.fields } : {});

/**
 * Idempotency-Key for the routes marked @Idempotent. Keys are scoped to the caller (service key name, or the
 * session's owner) and the operation (a re-link also to its account, in canonical form), and a repeat must carry
 * the same body. Final answers are remembered, errors included (IdempotencyService, isFinalStatus). Several
 * sessions share their owner's scope, so a remembered answer is replayed to a session only when it may see the
 * account in it now (an answer without an account: only to the session that got it); otherwise its request is
 * judged afresh, as if no key had matched, and answers what the route answers that session (404, 409, …).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    private readonly accounts: AccountsService,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const op = this.reflector.get<string | undefined>(IDEMPOTENT, ctx.getHandler());
    const req = ctx.switchToHttp().getRequest<Request & { principal: Principal }>();
    const key = req.header('idempotency-key');
    if (!op || key === undefined) return next.handle();
    if (!KEY_RE.test(key)) {
      throw new AppError('validation_failed', 'The Idempotency-Key header must be 1-200 visible ASCII characters.', { fields: { 'Idempotency-Key': 'is invalid' } });
    }
    const res = ctx.switchToHttp().getResponse<Response>();
    const p = req.principal;
    const who = p.kind === 'service' ? `svc-${p.name}` : `owner-${p.ownerId}`;
    const id = typeof req.params.id === 'string' ? `-${parseUuid(req.params.id) ?? req.params.id}` : '';
    const run = async () => {
      try {
        const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
        return { status: res.statusCode, body };
      } catch (e) {
        // A final refusal is an answer to remember; anything else (transient, or not ours to judge) stays an error.
        if (e instanceof AppError && isFinalStatus(e.status)) return { status: e.status, body: errorBody(e) as unknown };
        throw e;
      }
    };
    const mayReplay = async (stored: RememberedResponse<unknown>): Promise<boolean> => {
      if (p.kind === 'service') return true;
      const accountId = accountIdOf(stored);
      return accountId ? this.accounts.canView(p, accountId) : stored.sessionId === p.sessionId;
    };
    const sessionId = p.kind === 'session' ? p.sessionId : null;
    return from(this.idempotency.run(`${who}|${op}${id}|${key}`, fingerprint([op, req.body ?? null]), run, { sessionId, mayReplay })).pipe(
      map((stored) => {
        if (stored.status >= 400) throw errorOf(stored.body as ErrorBody);
        res.status(stored.status);
        return stored.body;
      }),
    );
  }
}
