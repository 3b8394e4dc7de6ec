// Which of a realm's real limits a request meets, and the 429s the servers send when one trips.
import type { ServerResponse } from 'node:http';
import { OFFICIAL_429_BODY, vwError } from './bodies';
import type { RequestContext } from './context';
import { ROCKET_JSON, send } from './http-util';
import type { Period, WindowRule, WindowVerdict } from './rate-limits';

const PASS: WindowVerdict = { limited: false, headers: null };

/**
 * Bitwarden's CustomIpRateLimitMiddleware answer: its ErrorResponseModel as JSON (not the OAuth error shape),
 * naming the period of the rule that tripped, with Retry-After in seconds when `retryAfter` is not null.
 */
export function sendOfficial429(res: ServerResponse, period: Period | string, retryAfter: number | null): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (retryAfter !== null) headers['Retry-After'] = String(retryAfter);
  send(res, 429, OFFICIAL_429_BODY(period), headers);
}

/** Vaultwarden's `err_code!("Too many login requests", 429)`: its usual envelope, and no Retry-After. */
export function sendVaultwarden429(res: ServerResponse): void {
  send(res, 429, vwError('Too many login requests'), ROCKET_JSON);
}

/** Cloud identity: `*` 5 per 1s and `post:/connect/token` 10 per 1m (the strictest rule of each period). */
export function checkCloudToken(ctx: RequestContext): WindowVerdict {
  const { route, state } = ctx;
  if (!route.cloud || route.mode !== 'official') return PASS;
  const limits = state.realmLimits(route.realm);
  const legacy = state.config.rateLimitPerMinute;
  const rules: WindowRule[] = [];
  if (limits.enabled) {
    rules.push({ key: '*', period: '1s', limit: limits.tokenPerSecond });
    rules.push({ key: 'post:/connect/token', period: '1m', limit: legacy ?? limits.tokenPerMinute });
  } else if (legacy !== null && legacy !== undefined) {
    rules.push({ key: 'post:/connect/token', period: '1m', limit: legacy });
  }
  if (!rules.length) return PASS;
  return state.windows.check(`${route.realm}|${ctx.clientIp}`, rules);
}

/** Cloud Public API: `get:*` 200 per 1m; `post:*`, `put:*`, `delete:*` 60 per 1m and 5 per 1s, a counter per verb. */
export function checkCloudApi(ctx: RequestContext): WindowVerdict {
  const { route, state } = ctx;
  if (!route.cloud || route.mode !== 'official') return PASS;
  const limits = state.realmLimits(route.realm);
  if (!limits.enabled) return PASS;
  const verb = (ctx.req.method ?? 'GET').toLowerCase();
  let rules: WindowRule[];
  if (verb === 'get') rules = [{ key: 'get:*', period: '1m', limit: limits.apiReadsPerMinute }];
  else if (verb === 'post' || verb === 'put' || verb === 'delete') {
    rules = [
      { key: `${verb}:*`, period: '1s', limit: limits.apiWritesPerSecond },
      { key: `${verb}:*`, period: '1m', limit: limits.apiWritesPerMinute },
    ];
  } else return PASS;
  return state.windows.check(`${route.realm}-api|${ctx.clientIp}`, rules);
}

/** Vaultwarden check_limit_login: on unless switched off, self-hosted included. */
export function vaultwardenLoginAllowed(ctx: RequestContext): boolean {
  const { route, state } = ctx;
  const limits = state.realmLimits(route.realm);
  if (!limits.enabled) return true;
  return state.gcra.allow(`${route.realm}|${ctx.clientIp}`, limits.loginBurst, limits.loginPeriodSeconds * 1000);
}
