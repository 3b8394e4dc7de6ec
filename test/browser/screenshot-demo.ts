// Renders docs/demo-hub.png: the reference hub page after an organization was linked through the hosted Connect
// page (the browser test's flow). Run through scripts/screenshot-demo.mjs after `npm run build`. Uses the test
// stores (env.ts), which it empties.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { baseEnv, ROOT } from '../support/env';
import { closedPort } from '../support/servers';
import { migrateOnce, resetStores, startSim } from '../support/stack';
import { launch } from './connect-helpers';

async function main(): Promise<void> {
  await resetStores();
  const sim = await startSim();
  await migrateOnce();
  // The demo page is its own hub, as under `npm run demo`: CORS_ORIGINS names the API's own origin.
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}`;
  const app = await createApiApp(baseEnv(sim.port, { DEMO_PAGE: 'true', PORT: String(port), CORS_ORIGINS: url }));
  await app.listen(port, '127.0.0.1');
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
    await page.goto(`${url}/demo`);
    for (const realm of ['us', 'eu']) {
      const org = sim.createOrg({ realm });
      const [popup] = (await Promise.all([page.waitForEvent('popup'), page.click('#connect')])) as [Page, void];
      await popup.locator('#screen-form:not([hidden])').waitFor({ timeout: 10000 });
      if (realm === 'eu') await popup.check('input[name="region"][value="eu"]');
      await popup.fill('#client-id', org.clientId);
      await popup.fill('#client-secret', org.clientSecret);
      await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.click('#submit')]);
      await page.locator(`#accounts tbody tr:nth-child(${realm === 'us' ? 1 : 2}) .badge.active`).waitFor({ timeout: 10000 });
    }
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const out = join(ROOT, 'docs/demo-hub.png');
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
    await app.close();
    await sim.close();
    await resetStores();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
