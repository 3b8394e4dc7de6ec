import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, ERROR_STATUS } from '@app/common';

/** Largest request header block (request line and headers) the API reads. */
export const MAX_HEADER_BYTES = 16 * 1024;

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

function answerFor(code: string | undefined): { status: number; error?: { code: ErrorCode; message: string } } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: ERROR_STATUS.headers_too_large, error: { code: 'headers_too_large', message: 'The request headers are larger than 16 KiB.' } };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: ERROR_STATUS.payload_too_large, error: { code: 'payload_too_large', message: 'The request body is larger than 16 KiB.' } };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408 }; // the client stopped sending: nobody is waiting for a body
    default:
      return { status: ERROR_STATUS.validation_failed, error: { code: 'validation_failed', message: 'The request is not valid HTTP.' } };
  }
}

/** The raw HTTP/1.1 answer for a request Node's parser refused; it never reached Express, so it is built here. */
export function clientErrorResponse(code: string | undefined): string {
  const { status, error } = answerFor(code);
  const body = error ? JSON.stringify({ error }) : '';
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    'Connection: close',
    `X-Request-Id: ${randomUUID()}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    ...(error ? ['Content-Type: application/json; charset=utf-8'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Sets the header limit explicitly (Node's default could change with a flag) and answers parser failures (headers
 * over the limit, malformed requests) in the error shape instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  // Node reads this per connection (the typings only know the createServer option of the same name).
  (server as Server & { maxHeaderSize?: number }).maxHeaderSize = MAX_HEADER_BYTES;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
    // Nothing can be said on a socket that is gone or already carries part of a response.
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    // end() rather than destroy(): the client may still be sending the rest of its headers, and a reset would
    // make it drop our answer unread. The timer bounds how long a client that never closes can hold the socket.
    socket.end(clientErrorResponse(err.code));
    setTimeout(() => socket.destroy(), 5_000).unref();
  });
}
