// A plain HTTPS pass-through in front of the simulator that remembers the headers of every request it forwards,
// so a test can assert what really left the service (the simulator keeps no such log).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { TLS_DIR } from '../../support/env';

export interface Recorder {
  port: number;
  seen: Array<{ method: string; path: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

export async function startRecorder(simPort: number): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: readFileSync(join(TLS_DIR, 'leaf.pem')), key: readFileSync(join(TLS_DIR, 'leaf.key')) }, (req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
    const host = String(req.headers.host ?? '').split(':')[0];
    const out = https.request({ host: '127.0.0.1', port: simPort, servername: host, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
