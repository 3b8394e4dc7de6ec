import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { Principal } from '@app/accounts';
import { AppError } from '@app/common';
import { invalid, validationPipe } from '../common/validation';
import { LinkAccountDto } from './accounts.dto';
import { resolveOwner } from './owner';

/**
 * Whether `ownerId` belongs in a link body depends on the caller, which the body's DTO cannot know. Interceptors run
 * before pipes: when the owner rule fails, this validates the rest of the body too, so that one answer names every
 * bad field, `ownerId` included.
 */
@Injectable()
export class OwnerFieldInterceptor implements NestInterceptor {
  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<Request & { principal: Principal }>();
    const body = req.body as { ownerId?: unknown } | undefined;
    let ownerProblem: AppError | null = null;
    try {
      resolveOwner(req.principal, typeof body?.ownerId === 'string' || body?.ownerId === undefined ? (body?.ownerId as string | undefined) : '');
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      ownerProblem = e;
    }
    if (!ownerProblem) return next.handle();
    const fields: Record<string, string> = {};
    try {
      await validationPipe.transform(body, { type: 'body', metatype: LinkAccountDto });
    } catch (e) {
      if (e instanceof AppError && e.extra.fields) Object.assign(fields, e.extra.fields);
    }
    Object.assign(fields, ownerProblem.extra.fields);
    throw Object.keys(fields).length > 1 ? invalid(fields) : ownerProblem;
  }
}
