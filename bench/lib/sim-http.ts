// Drives an out-of-process simulator over its /__sim control endpoints, and talks to it as Bitwarden would be
// talked to (Host header + SNI of the cloud host), for the bench's "bare upstream" baseline.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { Counters, SimOrg } from '@app/simulator';
import { CA_FILE } from '../../test/support/procs';

export class SimHttp {
  readonly base: string;
  private readonly agent: Agent;
  /** One keep-alive agent per SNI name, as a long-lived HTTP client to Bitwarden would hold. */
  private readonly hostAgents = new Map<string, Agent>();

  constructor(readonly port: number) {
    this.base = `https://127.0.0.1:${port}`;
    this.agent = new Agent({ connect: { ca: readFileSync(CA_FILE) } });
  }

  private async control<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.base}/__sim/${path}`, {
      method,
      dispatcher: this.agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`sim ${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  createOrg(realm = 'us'): Promise<SimOrg> {
    return this.control('POST', 'orgs', { realm });
  }
  configure(c: { tokenLifetimeSeconds?: number; latencyMs?: number; apiLatencyMs?: number; rateLimitPerMinute?: number | null }) {
    return this.control('POST', 'config', c);
  }
  fault(f: Record<string, unknown>) {
    return this.control('POST', 'faults', f);
  }
  clearFaults() {
    return this.control('DELETE', 'faults');
  }
  counters(): Promise<Counters> {
    return this.control('GET', 'counters');
  }
  resetCounters() {
    return this.control('POST', 'counters/reset');
  }

  private agentFor(host: string): Agent {
    let a = this.hostAgents.get(host);
    if (!a) {
      a = new Agent({ connect: { ca: readFileSync(CA_FILE), servername: host } });
      this.hostAgents.set(host, a);
    }
    return a;
  }

  /** A client_credentials exchange sent straight to the simulator, as identity.bitwarden.com. */
  async exchange(org: SimOrg, host = 'identity.bitwarden.com'): Promise<string> {
    const res = await request(`${this.base}/connect/token`, {
      method: 'POST',
      dispatcher: this.agentFor(host),
      headers: { host, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'api.organization',
        client_id: org.clientId,
        client_secret: org.clientSecret,
      }).toString(),
    });
    const json = (await res.body.json()) as { access_token?: string };
    if (res.statusCode !== 200 || !json.access_token) throw new Error(`exchange failed: ${res.statusCode}`);
    return json.access_token;
  }

  /** GET /public/policies with a token, as api.bitwarden.com (the link flow's API probe). */
  async policies(token: string, host = 'api.bitwarden.com'): Promise<void> {
    const res = await request(`${this.base}/public/policies`, {
      dispatcher: this.agentFor(host),
      headers: { host, authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`policies failed: ${res.statusCode}`);
  }

  /** A Public API GET sent straight to the simulator with `token`, as api.bitwarden.com: the proxy's baseline. */
  async apiGet(token: string, path: string, host = 'api.bitwarden.com'): Promise<number> {
    const res = await request(`${this.base}/${path}`, {
      dispatcher: this.agentFor(host),
      headers: { host, authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    await res.body.arrayBuffer();
    return res.statusCode;
  }

  async close(): Promise<void> {
    await this.agent.close();
    for (const a of this.hostAgents.values()) await a.close();
  }
}
