import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { invalid } from './validation';

/** Which inputs a handler declares: the validation pipe runs only on those, so the others are checked here. */
function declaredInputs(ctx: ExecutionContext): { body: boolean; query: boolean; raw: boolean } {
  const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), ctx.getHandler().name) ?? {};
  const types = new Set(Object.keys(args).map((k) => Number(k.split(':')[0])));
  return { body: types.has(RouteParamtypes.BODY), query: types.has(RouteParamtypes.QUERY), raw: types.has(RouteParamtypes.REQUEST) };
}

const notAllowed = (keys: string[]) => invalid(Object.fromEntries(keys.map((k) => [k, 'is not allowed'])));

/**
 * Unknown fields are refused on every API route, also where a route takes no body or no query at all (verify,
 * suspend, DELETE, GET by id, ...): there the validation pipe never runs, so a body or query parameter would be
 * silently ignored, and a caller could believe it was honoured. Handlers that read the raw request (the proxy) decide
 * themselves.
 */
@Injectable()
export class UndeclaredInputInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (req.path.startsWith('/v1/')) {
      const declared = declaredInputs(ctx);
      if (!declared.raw) {
        const fields: string[] = [];
        if (!declared.query) fields.push(...Object.keys(req.query ?? {}));
        const body: unknown = req.body;
        if (!declared.body && body !== undefined && body !== null) {
          if (typeof body !== 'object' || Array.isArray(body)) throw invalid({ body: 'must be empty: this route takes no body' });
          fields.push(...Object.keys(body));
        }
        if (fields.length) throw notAllowed(fields);
      }
    }
    return next.handle();
  }
}
