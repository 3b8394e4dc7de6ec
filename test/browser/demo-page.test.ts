import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { SimulatorHandle } from '@app/simulator';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { baseEnv } from '../support/env';
import { closedPort } from '../e2e/e2e-helpers';
import { migrateOnce, resetStores, startSim } from '../support/stack';
import { launch, NO_CHROMIUM } from './connect-helpers';

let sim: SimulatorHandle;
let app: NestExpressApplication;
let url: string;
let browser: Browser;
let page: Page;
let shots: string;
const errors: string[] = [];

before(async () => {
  if (NO_CHROMIUM) return;
  await resetStores();
  sim = await startSim();
  // The demo page is its own hub, as under `npm run demo`: CORS_ORIGINS names the API's own origin, so the port is
  // chosen before it boots.
  await migrateOnce();
  const port = await closedPort();
  url = `http://127.0.0.1:${port}`;
  app = await createApiApp(baseEnv(sim.port, { DEMO_PAGE: 'true', PORT: String(port), CORS_ORIGINS: url }));
  await app.listen(port, '127.0.0.1');
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
  page.on('pageerror', (e) => errors.push(e.message));
  shots = mkdtempSync(join(tmpdir(), 'bwc-demo-shots-'));
});
after(async () => {
  if (NO_CHROMIUM) return;
  await browser?.close();
  await app?.close();
  await sim?.close();
  await resetStores();
  rmSync(shots, { recursive: true, force: true });
});

const badge = () => page.locator('#accounts tbody tr .badge').first();

async function throughPopup(button: string, fill: (popup: Page) => Promise<void>): Promise<void> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(button)]);
  await popup.locator('#screen-form:not([hidden])').waitFor({ timeout: 10000 });
  await fill(popup);
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.click('#submit')]);
}

test('the reference hub links, verifies and re-links through the hosted Connect page', { skip: NO_CHROMIUM, timeout: 60000 }, async () => {
  const org = sim.createOrg({ realm: 'us' });
  await page.goto(`${url}/demo`);
  await page.locator('#owner', { hasText: 'demo-owner' }).waitFor();
  assert.match(await page.innerText('.banner'), /docs\/SIMULATOR\.md/);

  await throughPopup('#connect', async (popup) => {
    await popup.fill('#client-id', org.clientId);
    await popup.fill('#client-secret', org.clientSecret);
  });
  await page.locator('#accounts tbody tr .badge.active').waitFor({ timeout: 10000 });
  assert.match(await page.textContent('#message') ?? '', /is connected/);
  // nextCheckAt is shown when the Account carries it (newer services do).
  const [listed] = ((await (await fetch(`${url}/demo/hub/accounts`)).json()) as { data: Array<{ nextCheckAt?: string }> }).data;
  if (listed.nextCheckAt) assert.notEqual(await page.textContent('#accounts tbody tr td:nth-child(5)'), '—', 'the next check is shown');

  // Closing the popup is not an error, and nothing is added.
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
  await popup.close();
  await page.locator('#message', { hasText: 'closed' }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#accounts tbody tr').count(), 1);

  const newSecret = sim.rotateKey(org.id);
  await page.click('#accounts tbody tr button.verify');
  await page.locator('#accounts tbody tr .badge.needs_relink').waitFor({ timeout: 10000 });
  assert.equal(await badge().textContent(), 'needs relink');
  const reason = (await page.locator('#accounts tbody tr .reason').textContent()) ?? '';
  assert.ok(reason.length > 20 && !/credentials_rejected/.test(reason), `a sentence, not a code: ${reason}`);

  await throughPopup('#accounts tbody tr button.relink', async (p) => {
    assert.equal(await p.inputValue('#client-id'), org.clientId, 'the edit session prefills the key id');
    await p.fill('#client-secret', newSecret);
  });
  await page.locator('#accounts tbody tr .badge.active').waitFor({ timeout: 10000 });
  assert.equal(await badge().textContent(), 'active');
  assert.deepEqual(errors, [], 'no uncaught errors or unhandled rejections');
  await page.screenshot({ path: join(shots, 'demo-hub.png') });
});
