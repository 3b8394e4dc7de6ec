import { Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import { ExecutionContext } from '@nestjs/common';
import { AppError, parseUuid } from '@app/common';
import { Principal } from '@app/accounts';

/**
 * Limits link and re-link attempts per owner and per connect session, so this service cannot be used to guess
 * secrets against Bitwarden. The counters live in Redis; when Redis is down the guard fails closed with 503
 * (the link path needs Redis for the identity budget anyway, so nothing is lost by refusing early).
 */
@Injectable()
export class LinkThrottleGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const req = props.context.switchToHttp().getRequest();
    const p: Principal = req.principal;
    const tracker = this.trackerFor(props.throttler.name ?? 'owner', p, req);
    if (!tracker) return true;
    try {
      return await super.handleRequest({ ...props, getTracker: async () => tracker });
    } catch (e) {
      if (e instanceof AppError || e instanceof ThrottlerException) throw e;
      throw new AppError('unavailable', 'The service cannot reach its Redis store right now. Try again shortly.');
    }
  }

  private trackerFor(name: string, p: Principal, req: { body?: { ownerId?: unknown }; params?: { id?: string } }): string | null {
    if (name === 'session') return p.kind === 'session' ? `session-${p.sessionId}` : null;
    if (p.kind === 'session') return `owner-${p.ownerId}`;
    if (typeof req.body?.ownerId === 'string') return `owner-${req.body.ownerId}`;
    // Canonical id: `ABC…` and `abc…` are one account and share one counter.
    return req.params?.id ? `account-${parseUuid(req.params.id) ?? req.params.id}` : `service-${p.name}`;
  }

  protected override async throwThrottlingException(_: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppError('rate_limited', 'Too many link attempts. Try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire)),
    });
  }
}
