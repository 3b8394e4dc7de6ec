// Test helpers: talk to the simulator as a given host (Host header + TLS SNI) on 127.0.0.1:<port>.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { CreateOrgInput, SimOrg, startSimulator, SimulatorHandle } from '@app/simulator';

export const ROOT = join(__dirname, '..', '..', '..');

export function startTlsSimulator(): Promise<SimulatorHandle> {
  return startSimulator({
    port: 0,
    tls: { cert: readFileSync(join(ROOT, '.tmp/tls/leaf.pem')), key: readFileSync(join(ROOT, '.tmp/tls/leaf.key')) },
  });
}

/**
 * Registers, in the current describe block, one TLS simulator for the block and, before each test, a reset and a
 * fresh organization (with `token`, also a token for it from the US identity host). `bind` gets them each time.
 */
export function useSimulator(
  bind: (s: { sim: SimulatorHandle; org: SimOrg; token: string }) => void,
  o: { org?: CreateOrgInput; token?: boolean } = {},
): void {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startTlsSimulator();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    const org = sim.createOrg(o.org);
    const token = o.token ? await getToken(sim, US_ID, org.clientId, org.clientSecret) : '';
    bind({ sim, org, token });
  });
}

export interface SimResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, any>>(): T;
}

export interface Req {
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  form?: Record<string, string>;
  timeoutMs?: number;
}

export function call(sim: SimulatorHandle, r: Req): Promise<SimResponse> {
  const secure = sim.url.startsWith('https');
  const hostname = r.host.replace(/:\d+$/, '');
  const headers: Record<string, string | number> = { host: r.host, ...(r.headers ?? {}) };
  let body = r.body;
  if (r.form) {
    body = new URLSearchParams(r.form).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const opts: https.RequestOptions = {
    host: '127.0.0.1',
    port: sim.port,
    path: r.path,
    method: r.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    agent: false,
    ...(secure && !isIP(hostname) ? { servername: hostname } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (r.timeoutMs) req.setTimeout(r.timeoutMs, () => req.destroy(new Error('client timeout')));
    req.end(body);
  });
}

export const US_ID = 'identity.bitwarden.com';
export const US_API = 'api.bitwarden.com';
export const EU_ID = 'identity.bitwarden.eu';
export const EU_API = 'api.bitwarden.eu';

export function tokenRequest(sim: SimulatorHandle, host: string, form: Record<string, string>, path = '/connect/token', headers?: Record<string, string>) {
  return call(sim, { host, path, form, headers });
}

export async function getToken(sim: SimulatorHandle, host: string, clientId: string, clientSecret: string, path = '/connect/token'): Promise<string> {
  const r = await tokenRequest(sim, host, { grant_type: 'client_credentials', scope: 'api.organization', client_id: clientId, client_secret: clientSecret }, path);
  if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${r.text}`);
  return r.json().access_token;
}

export function decodeJwt(token: string): { header: Record<string, any>; payload: Record<string, any> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

export function verifyWithJwks(token: string, jwks: { keys: Array<Record<string, any>> }): boolean {
  const [h, p, s] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString());
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk as any, format: 'jwk' });
  return verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
