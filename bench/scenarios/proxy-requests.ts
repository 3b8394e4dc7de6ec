// The proxied requests the proxy scenarios send, over the bench's own connection pool to the API.
import { request } from 'undici';
import { AUTH, BenchContext } from '../context';

export const proxyPath = (id: string, path: string) => `/v1/accounts/${id}/bitwarden/${path}`;

export const proxyRequest = (id: string, path: string) => ({ method: 'GET' as const, path: proxyPath(id, path), headers: AUTH });

/** One proxied GET, body read and dropped; the status. */
export async function proxyGet(ctx: BenchContext, id: string, path: string): Promise<number> {
  const res = await request(ctx.api.url + proxyPath(id, path), { headers: AUTH });
  await res.body.arrayBuffer();
  return res.statusCode;
}
