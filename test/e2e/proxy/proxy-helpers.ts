// Helpers for the Public API proxy tests: link an account, send raw requests (paths exactly as written).
import assert from 'node:assert/strict';
import http from 'node:http';
import { SimulatorHandle } from '@app/simulator';
import { Api, US } from '../../support/stack';
import { SERVICE_KEY } from '../../support/env';
import { newOwner } from '../e2e-helpers';

export const MARKER = 'x-bitwarden-connect-upstream';

export interface Linked {
  id: string;
  orgId: string;
  clientSecret: string;
}

/** Links a fresh simulator org through the API (US cloud unless other URLs are given). */
export async function linkAccount(sim: SimulatorHandle, api: Api, realm = 'us', urls: { apiBaseUrl: string; identityBaseUrl: string } = US): Promise<Linked> {
  const org = sim.createOrg({ realm });
  const res = await api.call('POST', '/v1/accounts', { ownerId: newOwner('proxy'), ...urls, clientId: `organization.${org.id}`, clientSecret: org.clientSecret });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id, orgId: org.id, clientSecret: org.clientSecret };
}

export interface RawRes {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One request over node:http with the path as given: nothing normalises `..`, `//` or escapes on the way. */
export function raw(api: Api, method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawRes> {
  const u = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${SERVICE_KEY}`, ...(o.headers ?? {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

/** The contract error shape, and that it is ours (never marked as Bitwarden's). */
export function assertOwnError(r: RawRes, status: number, code: string, field?: string): void {
  const ctx = `${r.status} ${r.text.slice(0, 300)}`;
  assert.equal(r.status, status, ctx);
  assert.equal(r.json?.error?.code, code, ctx);
  assert.equal(r.headers[MARKER], undefined, `our own error carries the upstream marker: ${ctx}`);
  assert.ok(r.headers['x-request-id'], 'X-Request-Id on every answer');
  if (field) assert.ok(r.json.error.fields && field in r.json.error.fields, ctx);
}

export const proxyPath = (id: string, rest: string) => `/v1/accounts/${id}/bitwarden/${rest}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
