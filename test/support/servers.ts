// Local listeners for tests: a port with nothing behind it, a TCP trap that counts the connections it must never
// get, and an HTTP receiver (webhooks).
import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface CountingListener {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

/**
 * A TCP listener that only counts connections and drops them: the "victim" a guard must keep traffic from.
 * `dualStack` listens on `::` (every IPv4 and IPv6 address) instead of 127.0.0.1 alone.
 */
export async function countingListener(o: { dualStack?: boolean } = {}): Promise<CountingListener> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    n++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.destroy();
  });
  await new Promise<void>((r) => s.listen(o.dualStack ? { port: 0, host: '::', ipv6Only: false } : { port: 0, host: '127.0.0.1' }, r));
  return {
    port: (s.address() as net.AddressInfo).port,
    connections: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        s.close(() => r());
      }),
  };
}

export interface Receiver {
  /** http://127.0.0.1:<port><path> */
  url(path?: string): string;
  close(): Promise<void>;
}

/** An HTTP server on loopback that hands each request, with its whole body, to `handle`. */
export async function startReceiver(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Receiver> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (path = '') => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
