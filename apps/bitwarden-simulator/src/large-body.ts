// A very large Public API answer, written chunk by chunk with back-pressure so the simulator never holds it whole.
import type { ServerResponse } from 'node:http';
import { derivedGuid } from './org-data';

export const DEFAULT_LARGE_BYTES = 50 * 1024 * 1024;
const CHUNK_EVENTS = 200;

function event(n: number): string {
  return JSON.stringify({
    object: 'event',
    type: 1000 + (n % 8),
    itemId: derivedGuid(`large:item:${n}`),
    collectionId: null,
    groupId: null,
    policyId: null,
    memberId: derivedGuid(`large:member:${n % 97}`),
    actingUserId: derivedGuid(`large:user:${n % 13}`),
    installationId: null,
    date: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    device: 9,
    ipAddress: '203.0.113.7',
  });
}

/** `{"object":"list","data":[...],"continuationToken":null}` of at least `sizeBytes`, chunked (no Content-Length). */
export async function streamLargeList(res: ServerResponse, sizeBytes: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  const tail = '],"continuationToken":null}';
  let written = 0;
  let n = 0;
  const write = (s: string) =>
    new Promise<void>((resolve) => {
      written += Buffer.byteLength(s);
      if (res.write(s)) resolve();
      else {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      }
    });
  await write('{"object":"list","data":[');
  while (written + tail.length < sizeBytes && !res.destroyed) {
    const parts: string[] = [];
    for (let i = 0; i < CHUNK_EVENTS; i++, n++) parts.push(event(n));
    await write((n > CHUNK_EVENTS ? ',' : '') + parts.join(','));
  }
  if (!res.destroyed) res.end(tail);
}
