// Small helpers for reading requests and writing responses with exact headers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers Duende puts on every token-endpoint response (TokenResult / HttpResponseExtensions). */
export const IDENTITY_HEADERS = {
  'Content-Type': 'application/json; charset=UTF-8',
  'Cache-Control': 'no-store, no-cache, max-age=0',
  Pragma: 'no-cache',
};
/** ASP.NET Core MVC JSON responses (the official API). */
export const ASPNET_JSON = { 'Content-Type': 'application/json; charset=utf-8' };
/** Rocket JSON responses (Vaultwarden). */
export const ROCKET_JSON = { 'Content-Type': 'application/json' };

export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer | object | null,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === null ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

/** Case-insensitive form-field lookup (.NET NameValueCollection semantics); first value wins. */
export function formGet(form: URLSearchParams, name: string): string | null {
  const want = name.toLowerCase();
  for (const [k, v] of form) if (k.toLowerCase() === want) return v;
  return null;
}

/** .NET DateTime.ToString(CultureInfo.InvariantCulture): MM/dd/yyyy HH:mm:ss (UTC). */
export function invariantDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
