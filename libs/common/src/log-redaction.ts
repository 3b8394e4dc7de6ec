/** Paths whose values must never reach a log line, wherever they appear in a logged object. Every process's logger uses this list. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
];
