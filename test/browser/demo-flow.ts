// The reference hub page's flow in a real browser (link, a refused secret, Verify finding a rotated key, Re-link),
// shared by the browser test and by scripts/screenshot-demo.mjs, which renders docs/demo-hub.png from its end state.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { SimulatorHandle } from '@app/simulator';
import { Api } from '../support/stack';

/** CHROMIUM_PATH, else the first chromium (or chromium-browser) on PATH; '' when there is none. */
export const CHROMIUM =
  process.env.CHROMIUM_PATH ??
  (process.env.PATH ?? '')
    .split(delimiter)
    .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => join(dir, name)))
    .find((p) => existsSync(p)) ??
  '';
export const hasChromium = () => CHROMIUM !== '' && existsSync(CHROMIUM);

export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
  return { browser, page };
}

/** Links, is refused a wrong secret, finds the rotated key with Verify and re-links, asserting each step. */
export async function runDemoFlow(page: Page, api: Api, sim: SimulatorHandle): Promise<void> {
  const badge = () => page.locator('#accounts tbody tr .badge').first();
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
}
