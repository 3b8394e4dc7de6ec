import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { Principal } from '@app/accounts';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';

const SESSION_ALLOWED = 'bwc:session-allowed';
const PUBLIC = 'bwc:public';

/** Routes a connect session (the browser) may call; all others answer 403 to a session. */
export const SessionAllowed = () => SetMetadata(SESSION_ALLOWED, true);
/** Routes without authentication (health, metrics, docs, the demo page). */
export const Public = () => SetMetadata(PUBLIC, true);

export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal);

const digest = (s: string) => createHash('sha256').update(s).digest();

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly keys: Array<{ name: string; digest: Buffer }>;

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConnectSessionsService,
    config: AppConfig,
  ) {
    this.keys = config.serviceKeys.map((k) => ({ name: k.name, digest: digest(k.key) }));
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest();
    const principal = await this.authenticate(String(req.headers.authorization ?? ''));
    if (!principal) throw new AppError('unauthorized', 'A valid service API key or connect session token is required.');
    if (principal.kind === 'session' && !this.reflector.getAllAndOverride<boolean>(SESSION_ALLOWED, targets)) {
      throw new AppError('forbidden', 'A connect session may not do that.');
    }
    req.principal = principal;
    return true;
  }

  private async authenticate(header: string): Promise<Principal | null> {
    const m = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!m) return null;
    const given = digest(m[1]);
    // Compare against every key without stopping early, in constant time per key.
    let match: string | null = null;
    for (const k of this.keys) if (timingSafeEqual(given, k.digest)) match = k.name;
    if (match) return { kind: 'service', name: match };
    return this.sessions.resolve(m[1]);
  }
}
