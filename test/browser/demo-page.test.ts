import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { SimulatorHandle } from '@app/simulator';
import { Api, useStack } from '../support/stack';
import { CHROMIUM, hasChromium, openBrowser, runDemoFlow } from './demo-flow';

// docs/demo-hub.png is rendered by scripts/screenshot-demo.mjs, never by a test: the screenshot here goes to a
// scratch directory and only proves the page renders.
let sim: SimulatorHandle;
let api: Api;
let browser: Browser | undefined;
let page: Page;
let scratch: string;

useStack(
  {
    env: { DEMO_PAGE: 'true' },
    prepare: async () => {
      scratch = mkdtempSync(join(tmpdir(), 'bwc-demo-'));
      if (hasChromium()) ({ browser, page } = await openBrowser());
    },
    teardown: async () => {
      await browser?.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  },
  (s) => ({ sim, api } = s),
);

test('a person links, verifies and re-links an organization from the reference hub page', { skip: !hasChromium() && `no Chromium (set CHROMIUM_PATH or put chromium on PATH)${CHROMIUM ? `: ${CHROMIUM}` : ''}` }, async () => {
  await runDemoFlow(page, api, sim);
  const shot = join(scratch, 'demo-hub.png');
  await page.screenshot({ path: shot });
  assert.ok(statSync(shot).size > 10_000, 'the page rendered into a real screenshot');
});
