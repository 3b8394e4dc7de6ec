import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { SimulatorHandle } from '@app/simulator';
import { Api, resetStores, SELF, startApi, startSim, US, withPg } from '../support/stack';
import { fillKey, HubPages, launch, newContext, newSession, NO_CHROMIUM, openFromHub, outcome, PrefixProxy, startHubPages, startPrefixProxy } from './connect-helpers';

const RETURN_ORIGIN = 'https://hub-return.test';
const PREFIX = '/bitwarden-connect';
let sim: SimulatorHandle;
let api: Api;
/** The service published under PREFIX (PUBLIC_URL {proxy}/bitwarden-connect), and a hub page loading it from there. */
let prefixed: Api;
let proxy: PrefixProxy;
let prefixHub: HubPages;
let browser: Browser;
let context: BrowserContext;
let pages: HubPages;
let shots: string;
let owner = 0;
const nextOwner = () => `browser-connect-${process.pid}-${++owner}`;

before(async () => {
  if (NO_CHROMIUM) return;
  await resetStores();
  sim = await startSim();
  pages = await startHubPages(() => api.url);
  api = await startApi(sim.port, { CORS_ORIGINS: `${pages.hub},${RETURN_ORIGIN}` });
  proxy = await startPrefixProxy(PREFIX, () => prefixed.url);
  prefixHub = await startHubPages(() => proxy.origin + PREFIX);
  prefixed = await startApi(sim.port, { CORS_ORIGINS: prefixHub.hub, PUBLIC_URL: proxy.origin + PREFIX });
  browser = await launch();
  context = await newContext(browser);
  shots = mkdtempSync(join(tmpdir(), 'bwc-connect-shots-'));
});
after(async () => {
  if (NO_CHROMIUM) return;
  await context?.close();
  await browser?.close();
  await api?.close();
  await prefixed?.close();
  await proxy?.close();
  await pages?.close();
  await prefixHub?.close();
  await sim?.close();
  await resetStores();
  rmSync(shots, { recursive: true, force: true });
});

const opts = { skip: NO_CHROMIUM, timeout: 30000 };

/** The hosted page opened directly (as from an e-mailed link): no opener. */
async function direct(token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${api.url}/connect#session=${token}`);
  await page.locator('main > section:not([hidden]):not(#screen-loading)').first().waitFor({ timeout: 10000 });
  return page;
}

test('linked through connect.js from an allowed hub origin: the Promise resolves with the Account and the popup closes', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'us' });
  const s = await newSession(api, { ownerId, label: 'Hub vault' });
  const { hub, popup } = await openFromHub(context, pages.hub, s.token);
  assert.equal(new URL(popup.url()).hash, '', 'the token left the address bar');
  assert.equal(await popup.inputValue('#label'), 'Hub vault', 'the session label is proposed');
  await fillKey(popup, org.clientId, org.clientSecret);
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.click('#submit')]);
  await hub.waitForFunction(() => (globalThis as any).outcome !== null, undefined, { timeout: 5000 });
  const { account } = await outcome(hub);
  assert.equal(account.ownerId, ownerId);
  assert.equal(account.clientId, org.clientId);
  assert.equal(account.status, 'active');
  assert.equal(account.label, 'Hub vault');
  const listed = await api.call('GET', `/v1/accounts?ownerId=${ownerId}`);
  assert.deepEqual(listed.body.data.map((a: { id: string }) => a.id), [account.id]);
  await hub.close();
});

test('behind a path prefix: connect.js opens {PUBLIC_URL}/connect, the page calls the API under the prefix, the Promise resolves', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'us' });
  const s = await newSession(prefixed, { ownerId });
  assert.equal(s.url, `${proxy.origin}${PREFIX}/connect#session=${s.token}`);
  const asked: string[] = [];
  const onRequest = (r: { url(): string }) => r.url().startsWith(proxy.origin) && asked.push(new URL(r.url()).pathname);
  context.on('request', onRequest);
  try {
    const { hub, popup } = await openFromHub(context, prefixHub.hub, s.token);
    assert.equal(new URL(popup.url()).pathname, `${PREFIX}/connect`);
    await fillKey(popup, org.clientId, org.clientSecret);
    await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.click('#submit')]);
    await hub.waitForFunction(() => (globalThis as any).outcome !== null, undefined, { timeout: 5000 });
    const { account } = await outcome(hub);
    assert.equal(account.ownerId, ownerId);
    await hub.close();
  } finally {
    context.off('request', onRequest);
  }
  for (const p of ['/connect.js', '/connect', '/connect/page.js', '/connect/page.css', '/v1/connect-sessions/current', '/v1/accounts']) {
    assert.ok(asked.includes(PREFIX + p), `${PREFIX}${p} asked for: ${asked.join(' ')}`);
  }
  assert.deepEqual(proxy.outside, [], 'nothing asked for outside the prefix');
});

test('behind a path prefix, at /connect/ with a slash, an edit session loads its account and re-links it', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'us' });
  const linked = await prefixed.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: org.clientSecret });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const secret = sim.rotateKey(org.id);
  const s = await newSession(prefixed, { ownerId, accountId: linked.body.id });
  const page = await context.newPage();
  await page.goto(`${proxy.origin}${PREFIX}/connect/#session=${s.token}`);
  await page.locator('#screen-form:not([hidden])').waitFor({ timeout: 10000 });
  assert.equal(await page.inputValue('#client-id'), org.clientId, 'the account was read under the prefix');
  await page.fill('#client-secret', secret);
  await page.click('#submit');
  await page.locator('#screen-done:not([hidden])').waitFor({ timeout: 10000 });
  assert.equal((await prefixed.call('GET', `/v1/accounts/${linked.body.id}`)).body.secretLast4, secret.slice(-4));
  assert.deepEqual(proxy.outside, [], 'nothing asked for outside the prefix');
  await page.close();
});

test('a message from another origin is ignored by connect.js; closing the popup rejects with code closed', opts, async () => {
  const s = await newSession(api, { ownerId: nextOwner() });
  const { hub, popup } = await openFromHub(context, pages.hub, s.token);
  // Forged messages: from a frame of another origin inside the hub page, and from the hub page itself.
  await hub.evaluate(() => (globalThis as any).document.getElementById('stranger').contentWindow.postMessage('forge', '*'));
  await hub.evaluate(() => (globalThis as any).postMessage({ type: 'bitwarden-connect:linked', account: { id: 'forged-too' } }, '*'));
  await hub.waitForTimeout(400);
  assert.equal(await outcome(hub), null, `forged messages from another origin and the hub itself must not resolve`);
  await popup.close();
  await hub.waitForFunction(() => (globalThis as any).outcome !== null, undefined, { timeout: 5000 });
  assert.deepEqual(await outcome(hub), { error: 'closed' });
  await hub.close();
});

test('a wrong secret is shown next to the secret field and the form stays filled', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'us' });
  const page = await direct((await newSession(api, { ownerId })).token);
  await fillKey(page, org.clientId, 'not-the-secret');
  await page.click('#submit');
  await page.locator('#client-secret-error:not(:empty)').waitFor({ timeout: 10000 });
  const rejected = await api.call('POST', '/v1/accounts', { ownerId, ...US, clientId: org.clientId, clientSecret: 'not-the-secret' });
  assert.equal(await page.textContent('#client-secret-error'), rejected.body.error.message, "the API's sentence");
  assert.equal(await page.getAttribute('#client-secret', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#client-id'), org.clientId);
  assert.ok(await page.isVisible('#screen-form'));
  assert.equal(await page.textContent('#form-error'), '', 'nothing above the button');
  assert.ok(!/credentials_rejected/.test(await page.innerText('body')), 'no raw code');
  await page.close();
});

test('a personal key shows at the client ID, a cloud host entered as a self-hosted server at the server URL', opts, async () => {
  const page = await direct((await newSession(api, { ownerId: nextOwner() })).token);
  await fillKey(page, 'user.3fa85f64-5717-4562-b3fc-2c963f66afa6', 'whatever');
  await page.click('#submit');
  await page.locator('#client-id-error:not(:empty)').waitFor({ timeout: 10000 });
  assert.match((await page.textContent('#client-id-error')) ?? '', /personal/i);

  await page.check('#region-self-hosted');
  await page.fill('#server-url', 'https://vault.bitwarden.com');
  await fillKey(page, 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6', 'whatever');
  await page.click('#submit');
  await page.locator('#server-error:not(:empty)').waitFor({ timeout: 10000 });
  assert.match((await page.textContent('#server-error')) ?? '', /region/i);
  assert.equal(await page.textContent('#client-id-error'), '', 'the old error went away');
  await page.close();
});

test('an expired and a revoked session get a plain screen', opts, async () => {
  const expired = await newSession(api, { ownerId: nextOwner(), expiresInSeconds: 60 });
  await withPg((pg) => pg.query(`UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]));
  const page = await direct(expired.token);
  assert.ok(await page.isVisible('#screen-expired'));
  assert.ok(!(await page.isVisible('#screen-form')));
  await page.close();

  const revoked = await newSession(api, { ownerId: nextOwner() });
  const open = await direct(revoked.token);
  assert.equal((await api.call('DELETE', `/v1/connect-sessions/${revoked.id}`)).status, 204);
  await fillKey(open, 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6', 'x');
  await open.click('#submit');
  await open.locator('#screen-expired:not([hidden])').waitFor({ timeout: 10000 });
  await open.close();
});

test('an edit session shows the self-hosted account, prefilled, and re-links it', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'bw.selfhosted.test' });
  const linked = await api.call('POST', '/v1/accounts', { ownerId, ...SELF, clientId: org.clientId, clientSecret: org.clientSecret, label: 'On-prem' });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const secret = sim.rotateKey(org.id);
  const page = await direct((await newSession(api, { ownerId, accountId: linked.body.id })).token);
  assert.equal(await page.textContent('#relink-name'), 'On-prem');
  assert.ok(await page.isChecked('#region-self-hosted'));
  assert.equal(await page.inputValue('#server-url'), 'https://bw.selfhosted.test');
  assert.equal(await page.inputValue('#client-id'), org.clientId);
  assert.ok(await page.isHidden('#label-row'));
  await page.fill('#client-secret', secret);
  await page.click('#submit');
  await page.locator('#screen-done:not([hidden])').waitFor({ timeout: 10000 });
  const after = await api.call('GET', `/v1/accounts/${linked.body.id}`);
  assert.equal(after.body.secretLast4, secret.slice(-4));
  await page.close();
});

test('a second click while the call runs sends nothing; with a returnUrl the page goes back to the hub', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'us' });
  await context.route(`${RETURN_ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<title>back</title>' }));
  const page = await direct((await newSession(api, { ownerId, returnUrl: `${RETURN_ORIGIN}/settings?tab=bitwarden` })).token);
  const posts: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/v1/accounts') && posts.push(r.headers()['idempotency-key']));
  sim.configure({ latencyMs: 700 });
  try {
    await fillKey(page, org.clientId, org.clientSecret);
    await page.click('#submit');
    assert.equal(await page.getAttribute('#submit', 'aria-disabled'), 'true');
    // force: Playwright itself would wait for an aria-disabled button; a person can still click it.
    await page.click('#submit', { force: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/hub-return\.test/, { timeout: 15000 });
  } finally {
    sim.configure({ latencyMs: 0 });
  }
  assert.equal(posts.length, 1, 'one request');
  assert.match(posts[0], /^[0-9a-f-]{36}$/, 'an Idempotency-Key per submit');
  const back = new URL(page.url());
  const [account] = (await api.call('GET', `/v1/accounts?ownerId=${ownerId}`)).body.data;
  assert.equal(back.pathname, '/settings');
  assert.equal(back.searchParams.get('tab'), 'bitwarden');
  assert.equal(back.searchParams.get('bitwarden_connect'), 'linked');
  assert.equal(back.searchParams.get('accountId'), account.id);
  await page.close();
});

test('keyboard only: Tab to the region, arrow to EU, type the key, Enter connects', opts, async () => {
  const ownerId = nextOwner();
  const org = sim.createOrg({ realm: 'eu' });
  const page = await direct((await newSession(api, { ownerId })).token);
  const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.id ?? '');
  const tabTo = async (id: string) => {
    for (let i = 0; i < 12 && (await focused()) !== id; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), id, `Tab reaches #${id}`);
  };
  await tabTo('region-us');
  await page.keyboard.press('ArrowDown');
  assert.ok(await page.isChecked('#region-eu'));
  await tabTo('client-id');
  await page.keyboard.type(org.clientId);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'client-secret');
  await page.keyboard.type(org.clientSecret);
  await page.keyboard.press('Enter');
  await page.locator('#screen-done:not([hidden])').waitFor({ timeout: 10000 });
  const [account] = (await api.call('GET', `/v1/accounts?ownerId=${ownerId}`)).body.data;
  assert.equal(account.region, 'eu');
  await page.close();
});

test('at 360 px wide the page has no horizontal scroll (screenshot to a temp folder)', opts, async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${api.url}/connect#session=${(await newSession(api, { ownerId: nextOwner() })).token}`);
  await page.locator('#screen-form:not([hidden])').waitFor({ timeout: 10000 });
  await page.check('#region-self-hosted');
  await page.click('#submit'); // errors shown too: the widest state
  await page.locator('#server-error:not(:empty)').waitFor();
  const { scrollWidth, clientWidth } = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return { scrollWidth: root.scrollWidth as number, clientWidth: root.clientWidth as number };
  });
  assert.ok(scrollWidth <= clientWidth, `scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
  const file = join(shots, 'connect-360.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(statSync(file).size > 1000);
  await page.close();
});
