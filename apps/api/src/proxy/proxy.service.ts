import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ProxyCredential, TokenService } from '@app/accounts';
import { AppError } from '@app/common';
import { ApiGateway, CallerGoneError, GatewayMetrics, UpstreamResponse, hostClassOf } from '@app/bitwarden';
import { AppConfig } from '@app/config';
import { REDIS_PREFIX, RedisService } from '@app/redis';
import { readProxyBody } from './proxy-body';
import { proxyTarget } from './proxy-path';

const PROXIED_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);
/** Request headers that reach Bitwarden; everything else (Authorization, cookies, forwarding headers) stays here. */
const PASSED_REQUEST_HEADERS = ['content-type', 'accept'] as const;
/** Response headers relayed from Bitwarden, besides X-Rate-Limit-*. */
const RELAYED_RESPONSE_HEADERS = ['content-type', 'retry-after'] as const;
/** One refresh after a 401 per account per minute: a broken account cannot spend its host's identity budget. */
const REFRESH_EVERY_MS = 60_000;

const statusClass = (status: number | null) => (status === null ? 'error' : `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`);

/**
 * The Public API proxy: sends a sync job's call to the account's Bitwarden server with the account's token and
 * relays the answer, streamed. Bitwarden's answers are relayed as they are and marked; our own errors (thrown as
 * AppError, answered by the error filter) are used only when no answer came.
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger('Proxy');

  constructor(
    private readonly tokens: TokenService,
    private readonly api: ApiGateway,
    private readonly metrics: GatewayMetrics,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async handle(id: string, req: Request, res: Response): Promise<void> {
    const method = req.method.toUpperCase();
    // Express hands HEAD to the GET route; only the four verbs of the contract are relayed (a HEAD would also take
    // a write slot of the host's budget).
    if (!PROXIED_METHODS.has(method)) throw new AppError('not_found', 'Only GET, POST, PUT and DELETE are relayed to the Bitwarden Public API.');
    const target = proxyTarget(req.originalUrl);
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // Only Content-Type and Accept reach Bitwarden, so an encoded body would arrive undecodable.
      throw new AppError('unsupported_media_type', 'Proxied request bodies must not be content-encoded.');
    }
    const read = await readProxyBody(req, this.config.proxyMaxBodyBytes);
    // A GET carries no body to Bitwarden.
    const body = method === 'GET' ? undefined : read;
    const credential = await this.tokens.proxyCredential(id);
    const hostClass = hostClassOf(credential.apiBaseUrl);
    const started = Date.now();
    let relayed: number | null = null;
    // The caller going away mid-call or mid-stream aborts the upstream request, so its socket is freed at once.
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const headers: Record<string, string> = {};
    for (const h of PASSED_REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const send = (c: ProxyCredential) =>
      this.api.send({
        apiBaseUrl: c.apiBaseUrl,
        method,
        pathAndQuery: target.query ? `${target.path}?${target.query}` : target.path,
        accessToken: c.accessToken,
        headers,
        body,
        member: id,
        priority: 'interactive',
        maxWaitMs: this.config.proxyBudgetWaitMs,
        signal: gone.signal,
      });
    try {
      let up = await send(credential);
      if (up.status === 401) {
        if (await this.mayRefresh(id)) {
          up.body.resume();
          up = await send(await this.tokens.replaceRejectedToken(id, credential.accessToken));
          if (up.status === 401) {
            up.body.resume();
            throw await this.refusedTwice(id);
          }
        } else {
          // This minute's refresh was spent, maybe by a concurrent call: its new token deserves one try, without
          // another exchange; a 401 for that one is relayed as it is.
          const current = await this.tokens.replacementFor(id, credential.accessToken);
          if (current) {
            up.body.resume();
            up = await send(current);
          }
        }
      }
      if (up.status >= 300 && up.status < 400) {
        up.body.resume();
        throw new AppError('provider_error', 'The Bitwarden API answered with a redirect; redirects are not followed.');
      }
      relayed = up.status;
      await this.relay(up, res);
    } catch (e) {
      if (e instanceof CallerGoneError) return void res.destroy();
      throw e;
    } finally {
      const seconds = (Date.now() - started) / 1000;
      this.metrics.proxyRequests.inc({ host_class: hostClass, method, status_class: statusClass(relayed) });
      this.metrics.proxyRequestSeconds.observe({ host_class: hostClass }, seconds);
    }
  }

  private async mayRefresh(id: string): Promise<boolean> {
    return (await this.redis.client.set(`${REDIS_PREFIX}proxy-refresh:${id}`, '1', 'PX', REFRESH_EVERY_MS, 'NX')) === 'OK';
  }

  /** A fresh token was refused too: re-verify as report-unauthorized does, and say what it found. */
  private async refusedTwice(id: string): Promise<AppError> {
    const account = await this.tokens.reportUnauthorized(id);
    if (account.status === 'needs_relink') {
      return new AppError('needs_relink', "Bitwarden rejected this account's credentials. Re-link it with a current API key.");
    }
    return new AppError('provider_error', 'The Bitwarden API refused a freshly issued token for this account, although its credentials still work.');
  }

  private async relay(up: UpstreamResponse, res: Response): Promise<void> {
    res.status(up.status);
    for (const [name, value] of Object.entries(up.headers)) {
      if (value === undefined) continue;
      if ((RELAYED_RESPONSE_HEADERS as readonly string[]).includes(name) || name.startsWith('x-rate-limit-')) res.setHeader(name, value);
    }
    res.setHeader('X-Bitwarden-Connect-Upstream', '1');
    try {
      await pipeline(up.body, res);
    } catch {
      // Bitwarden stalled or broke off mid-body, or the caller left: the answer is cut, which the caller sees as an
      // incomplete chunked body. Headers are gone, so there is nothing else to say.
      this.logger.warn({ status: up.status }, 'proxied answer cut before its end');
      res.destroy();
    }
  }
}
