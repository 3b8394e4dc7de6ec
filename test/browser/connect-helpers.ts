// Shared setup of the hosted Connect page browser tests: one Chromium, two small pages on origins of their own (a
// hub, and a stranger that forges messages), and sessions made with the service key as a hub backend would. They
// are real loopback listeners: Chromium keeps pages it cannot place in an address space (Playwright-fulfilled
// ones) from loading scripts from loopback, where the service runs in tests.
import { existsSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Api } from '../support/stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const NO_CHROMIUM = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`;

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

async function serve(html: (origin: string) => string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html(origin)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

export interface HubPages {
  hub: string;
  stranger: string;
  close(): Promise<void>;
}

/**
 * A hub page that loads connect.js from the service and opens it on #go. The outcome lands in window.outcome, so
 * the test can tell "resolved", "rejected" and "still waiting" apart. Its iframe, from another origin, posts a
 * forged "linked" message to it when asked. `serviceUrl` is read per request: the API starts after these listen, as
 * CORS_ORIGINS must name the hub's origin.
 */
export async function startHubPages(serviceUrl: () => string): Promise<HubPages> {
  const stranger = await serve(
    () => `<!doctype html><script>
  window.addEventListener('message', (ev) => {
    if (ev.data === 'forge') parent.postMessage({ type: 'bitwarden-connect:linked', account: { id: 'forged' } }, '*');
  });
</script>`,
  );
  const hub = await serve(
    () => `<!doctype html><title>hub</title><script src="${serviceUrl()}/connect.js"></script>
<button id="go">Connect</button><iframe id="stranger" src="${stranger.origin}/"></iframe>
<script>
  window.outcome = null;
  document.getElementById('go').onclick = () => {
    window.BitwardenConnect.open({ sessionToken: window.TOKEN })
      .then((account) => { window.outcome = { account }; }, (e) => { window.outcome = { error: e.code }; });
  };
</script>`,
  );
  return { hub: hub.origin, stranger: stranger.origin, close: async () => (await hub.close(), await stranger.close()) };
}

export interface PrefixProxy {
  origin: string;
  /** Paths asked for outside the prefix (each answered 404), but the browser's own /favicon.ico. */
  outside: string[];
  close(): Promise<void>;
}

/**
 * The service published under a path prefix, as a gateway in front of it would: `{origin}{prefix}/x` is the
 * service's `/x`, the prefix taken off; anything else is 404, and recorded. `target` is read per request, as with
 * startHubPages.
 */
export async function startPrefixProxy(prefix: string, target: () => string): Promise<PrefixProxy> {
  const outside: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${prefix}/`)) {
      // Chromium asks for /favicon.ico at the root by itself, whatever the page names.
      if (url !== '/favicon.ico') outside.push(url);
      return res.writeHead(404).end();
    }
    const t = new URL(target());
    const upstream = request({ host: t.hostname, port: t.port, method: req.method, path: url.slice(prefix.length), headers: { ...req.headers, host: t.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, outside, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

export const newContext = (browser: Browser): Promise<BrowserContext> => browser.newContext({ viewport: { width: 1000, height: 700 } });

/** Opens the hosted page through connect.js from the hub page; returns the hub page and the popup. */
export async function openFromHub(context: BrowserContext, hubOrigin: string, token: string): Promise<{ hub: Page; popup: Page }> {
  const hub = await context.newPage();
  await hub.goto(`${hubOrigin}/`);
  await hub.evaluate((t) => ((globalThis as any).TOKEN = t), token);
  const [popup] = await Promise.all([hub.waitForEvent('popup'), hub.click('#go')]);
  await popup.locator('#screen-form:not([hidden])').waitFor({ timeout: 10000 });
  return { hub, popup };
}

export const outcome = (hub: Page) => hub.evaluate(() => (globalThis as any).outcome);

export async function fillKey(page: Page, clientId: string, clientSecret: string): Promise<void> {
  await page.fill('#client-id', clientId);
  await page.fill('#client-secret', clientSecret);
}

export async function newSession(api: Api, body: Record<string, unknown>): Promise<{ id: string; token: string; url: string }> {
  const res = await api.call('POST', '/v1/connect-sessions', body);
  if (res.status !== 201) throw new Error(`session: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
