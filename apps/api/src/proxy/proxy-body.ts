import type { IncomingMessage } from 'node:http';
import { AppError } from '@app/common';

const tooLarge = (max: number) => new AppError('payload_too_large', `The request body is larger than the ${max} bytes the proxy accepts.`);

/**
 * Reads a proxied request's body whole (so it can be sent again after a 401), up to `max` bytes. Over the limit the
 * rest is read and dropped, so the caller can still read our 413 instead of a reset connection.
 */
export async function readProxyBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return undefined;
  if (length !== undefined && Number(length) > max) {
    req.resume();
    throw tooLarge(max);
  }
  // Events rather than for-await: leaving a for-await early destroys the socket before the 413 can be sent.
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(tooLarge(max));
    };
    const onEnd = () => resolve(size === 0 ? undefined : Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}
