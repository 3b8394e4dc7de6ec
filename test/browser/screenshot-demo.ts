// Renders docs/demo-hub.png: the reference hub page at the end of the browser test's flow. Run through
// scripts/screenshot-demo.mjs (which builds nothing: run `npm run build` first). Uses the test stores (env.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/env';
import { resetStores, startApi, startSim } from '../support/stack';
import { openBrowser, runDemoFlow } from './demo-flow';

async function main(): Promise<void> {
  await resetStores();
  const sim = await startSim();
  const api = await startApi(sim.port, { DEMO_PAGE: 'true' });
  const { browser, page } = await openBrowser();
  try {
    await runDemoFlow(page, api, sim);
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const out = join(ROOT, 'docs/demo-hub.png');
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
    await api.close();
    await sim.close();
    await resetStores();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
