import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { AppError } from '@app/common';
import { closeAgent, createGuardedAgent } from './guarded-agent';
import { OutboundPolicy } from './outbound-policy';
import { classifyTransportError } from './upstream-errors';

export interface UpstreamRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Aborts the call (headers or body): the caller went away. */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Streamed as it arrives; at most the timeout may pass between two chunks. */
  body: Readable;
}

export interface ApiUpstreamOptions {
  policy: OutboundPolicy;
  timeoutMs: number;
  connectTimeoutMs?: number;
  userAgent?: string;
}

/** A caller that went away: nothing to answer, so nothing to classify. */
export class CallerGoneError extends Error {
  constructor() {
    super('the caller closed the connection');
    this.name = 'CallerGoneError';
  }
}

/**
 * Relayed Public API calls. Its agent is built by createGuardedAgent like BitwardenClient's (the SSRF guard at
 * connect time, OUTBOUND_CONNECT_TO), but without a response size cap: proxied answers are streamed, never held.
 * undici's request() follows no redirect.
 */
export class ApiUpstream {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(o: ApiUpstreamOptions) {
    this.timeoutMs = o.timeoutMs;
    this.userAgent = o.userAgent ?? 'bitwarden-connect/0.1';
    this.agent = createGuardedAgent(o.policy, {
      connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
      headersTimeoutMs: o.timeoutMs,
      bodyTimeoutMs: o.timeoutMs,
      maxResponseBytes: -1,
    });
  }

  /** Sends the call; resolves once the headers are in (within the timeout), else throws the contract's error. */
  async send(r: UpstreamRequest): Promise<UpstreamResponse> {
    const ac = new AbortController();
    let timedOut = false;
    // The whole wait for the headers is bounded, connect and TLS included; the body has the agent's idle timeout.
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.timeoutMs);
    const onCallerAbort = () => ac.abort();
    if (r.signal.aborted) ac.abort();
    r.signal.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const res = await request(r.url, {
        method: r.method as 'GET',
        headers: { ...r.headers, 'user-agent': this.userAgent },
        body: r.body,
        dispatcher: this.agent,
        signal: ac.signal,
      });
      res.body.once('close', () => r.signal.removeEventListener('abort', onCallerAbort));
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      r.signal.removeEventListener('abort', onCallerAbort);
      if (timedOut) throw new AppError('provider_timeout', 'The Bitwarden API server did not answer in time.');
      if (r.signal.aborted) throw new CallerGoneError();
      throw classifyTransportError(err, 'api');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sockets open towards Bitwarden API hosts right now (operators and tests: a leak shows here). */
  openSockets(): number {
    let n = 0;
    for (const s of Object.values(this.agent.stats)) n += (s as { connected?: number }).connected ?? 0;
    return n;
  }

  async close(): Promise<void> {
    await closeAgent(this.agent);
  }
}
