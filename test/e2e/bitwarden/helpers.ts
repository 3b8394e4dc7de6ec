import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { TLS_DIR } from '../../support/env';
import { countingListener } from '../../support/servers';

export const tlsOptions = () => ({ cert: readFileSync(join(TLS_DIR, 'leaf.pem')), key: readFileSync(join(TLS_DIR, 'leaf.key')) });

export interface TestServer {
  port: number;
  url: string;
  /** TCP connections accepted so far. */
  connections: () => number;
  /** Requests seen (method, url, headers, body, SNI). */
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string; servername?: string }>;
  close: () => Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A small HTTP(S) server on loopback that counts connections and records requests. */
export async function startServer(handler: Handler, o: { tls?: boolean; host?: string } = {}): Promise<TestServer> {
  const host = o.host ?? '127.0.0.1';
  const requests: TestServer['requests'] = [];
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, servername: (req.socket as { servername?: string }).servername });
      handler(req, res, body);
    });
  };
  const server: http.Server = o.tls ? https.createServer(tlsOptions(), listener) : http.createServer(listener);
  let count = 0;
  server.on('connection', () => count++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = o.tls ? 'https' : 'http';
  return {
    port,
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: () => count,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP listener on all interfaces (dual-stack `::`) that only counts connections: the "victim". */
export const startCounter = () => countingListener({ dualStack: true });

export const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

export const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
export const fakeJwt = (payload: Record<string, unknown>) => `${b64url({ alg: 'RS256', typ: 'at+jwt' })}.${b64url(payload)}.c2lnbmF0dXJl`;
