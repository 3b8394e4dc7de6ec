// Client credential parsing: Duende's Basic then post-body parsers, and Vaultwarden's ConnectData form.
import type { IncomingMessage } from 'node:http';
import { formGet } from './http-util';

export const MAX_CREDENTIAL_LENGTH = 100;

export interface ParsedClient {
  clientId: string;
  secret: string | null;
}

const isPresent = (s: string | null | undefined): s is string => s !== null && s !== undefined && s.trim() !== '';

/** Uri.UnescapeDataString(value.Replace("+", "%20")) */
function dotnetDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

function parseBasic(header: string | undefined): ParsedClient | null {
  if (!header || !/^basic /i.test(header)) return null;
  const b64 = header.slice(6).trim();
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return null;
  const pair = Buffer.from(b64, 'base64').toString('utf8');
  const ix = pair.indexOf(':');
  if (ix === -1) return null;
  const id = pair.slice(0, ix);
  const secret = pair.slice(ix + 1);
  if (!isPresent(id) || id.length > MAX_CREDENTIAL_LENGTH) return null;
  if (!isPresent(secret)) return { clientId: dotnetDecode(id), secret: null };
  if (secret.length > MAX_CREDENTIAL_LENGTH) return null;
  return { clientId: dotnetDecode(id), secret: dotnetDecode(secret) };
}

function parsePostBody(form: URLSearchParams): ParsedClient | null {
  const id = formGet(form, 'client_id');
  const secret = formGet(form, 'client_secret');
  if (!isPresent(id) || id.length > MAX_CREDENTIAL_LENGTH) return null;
  if (!isPresent(secret)) return { clientId: id, secret: null };
  if (secret.length > MAX_CREDENTIAL_LENGTH) return null;
  return { clientId: id, secret };
}

/** null = no usable client id (→ invalid_request). */
export function parseOfficialClient(req: IncomingMessage, form: URLSearchParams): ParsedClient | null {
  return parseBasic(req.headers.authorization) ?? parsePostBody(form);
}

/** Vaultwarden ConnectData: each field under its snake_case or run-together name, case-insensitively. */
export function vwField(form: URLSearchParams, snake: string): string | null {
  const want = snake.replace(/_/g, '');
  for (const [k, v] of form) if (k.toLowerCase().replace(/_/g, '') === want) return v;
  return null;
}

/** Best-effort client id for the token log, whichever server style the request uses. */
export function peekClientId(req: IncomingMessage, body: Buffer): string | null {
  const basic = parseBasic(req.headers.authorization);
  if (basic) return basic.clientId;
  try {
    const id = vwField(new URLSearchParams(body.toString('utf8')), 'client_id');
    return id && id.length <= 200 ? id : id ? id.slice(0, 200) : null;
  } catch {
    return null;
  }
}

/** .NET Guid.TryParse formats D, N, B, P (any hex case), returned in lowercase D form. */
export function parseDotnetGuid(s: string): string | null {
  let t = s.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('(') && t.endsWith(')'))) {
    t = t.slice(1, -1);
    if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(t)) return null;
  }
  let hex: string;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(t)) hex = t.replace(/-/g, '');
  else if (/^[0-9a-fA-F]{32}$/.test(t)) hex = t;
  else return null;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
