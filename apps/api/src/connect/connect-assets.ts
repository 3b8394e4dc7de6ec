import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Sources, not dist: tsc does not copy non-TS files, and the image ships the whole tree (Dockerfile: COPY . .).
const DIR = join(__dirname, '../../../../../apps/api/src/connect/static');

export interface Asset {
  body: string;
  type: string;
}

const load = (file: string, type: string): Asset => ({ body: readFileSync(join(DIR, file), 'utf8'), type });

/**
 * Read once at boot: the files are part of the release, and a missing one should fail the start, not a customer.
 *
 * No URL in them starts at the host's root: the service may be published under a path prefix (PUBLIC_URL
 * https://hub.example.com/bitwarden-connect, a proxy in front taking the prefix off), so every URL is relative.
 * connect.html names its files relative to itself, in two spellings: `/connect` (the contract's) and `/connect/`
 * (one more directory level). connect.js gets PUBLIC_URL for a browser that cannot tell where it was loaded from.
 */
export function loadConnectAssets(publicUrl: string) {
  const page = load('connect.html', 'text/html; charset=utf-8');
  const embed = load('connect.js', 'application/javascript; charset=utf-8');
  if (!page.body.includes('="connect/page.')) throw new Error('connect.html must load connect/page.js and connect/page.css relative to itself');
  if (!embed.body.includes("'{{PUBLIC_URL}}'")) throw new Error("connect.js must hold '{{PUBLIC_URL}}' for the service to fill in");
  return {
    page,
    pageInDirectory: { ...page, body: page.body.replaceAll('="connect/page.', '="page.') },
    pageScript: load('connect-page.js', 'application/javascript; charset=utf-8'),
    pageStyle: load('connect-page.css', 'text/css; charset=utf-8'),
    embed: { ...embed, body: embed.body.replace("'{{PUBLIC_URL}}'", () => JSON.stringify(publicUrl)) },
  };
}

/**
 * The page holds a session token and posts credentials, so it may load nothing but its own two files, talk only to
 * this service, and never be framed (clickjacking of the Connect button).
 */
export const CONNECT_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
