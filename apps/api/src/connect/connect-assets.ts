import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Sources, not dist: tsc does not copy non-TS files, and the image ships the whole tree (Dockerfile: COPY . .).
const DIR = join(__dirname, '../../../../../apps/api/src/connect/static');

export interface Asset {
  body: string;
  type: string;
}

const load = (file: string, type: string): Asset => ({ body: readFileSync(join(DIR, file), 'utf8'), type });

/** Read once at boot: the files are part of the release, and a missing one should fail the start, not a customer. */
export function loadConnectAssets() {
  return {
    page: load('connect.html', 'text/html; charset=utf-8'),
    pageScript: load('connect-page.js', 'application/javascript; charset=utf-8'),
    pageStyle: load('connect-page.css', 'text/css; charset=utf-8'),
    embed: load('connect.js', 'application/javascript; charset=utf-8'),
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
