import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { SimulatorHandle } from '@app/simulator';
import { ROOT } from '../support/env';
import { Api, resetStores, startApi, startSim } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let sim: SimulatorHandle;
let api: Api;
let browser: Browser;
let page: Page;

before(async () => {
  await resetStores();
  sim = await startSim();
  api = await startApi(sim.port, { DEMO_PAGE: 'true' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
});
after(async () => {
  await browser?.close();
  await api.close();
  await sim.close();
  await resetStores();
});

const badge = () => page.locator('#accounts tbody tr .badge').first();

test('a person links, verifies and re-links an organization from the reference hub page', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, async () => {
  const org = sim.createOrg({ realm: 'us' });
  await page.goto(`${api.url}/demo`);
  assert.equal(await page.inputValue('#apiBaseUrl'), 'https://api.bitwarden.com', 'the US preset fills the URLs');
  await page.fill('#clientId', org.clientId);
  await page.fill('#clientSecret', org.clientSecret);
  await page.click('#submit');
  await page.locator('#accounts tbody tr .badge.active').waitFor({ timeout: 10000 });
  assert.equal(await badge().textContent(), 'active');

  // A wrong secret is refused with the contract's message and nothing is added.
  await page.fill('#clientId', org.clientId);
  await page.fill('#clientSecret', 'not-the-secret');
  await page.click('#submit');
  await page.locator('#form-error:not(:empty)').waitFor({ timeout: 10000 });
  assert.equal(await page.locator('#accounts tbody tr').count(), 1);

  const newSecret = sim.rotateKey(org.id);
  await page.click('#accounts tbody tr button.verify');
  await page.locator('#accounts tbody tr .badge.needs_relink').waitFor({ timeout: 10000 });
  assert.equal(await badge().textContent(), 'needs relink');
  assert.match((await page.locator('#accounts tbody tr .reason').textContent()) ?? '', /credentials_rejected/);

  await page.click('#accounts tbody tr button.relink');
  await page.fill('#clientSecret', newSecret);
  await page.click('#submit');
  await page.locator('#accounts tbody tr .badge.active').waitFor({ timeout: 10000 });
  assert.equal(await badge().textContent(), 'active');

  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs/demo-hub.png') });
});
