// Chromium from the system's packages (never downloaded: .ci/run installs the Debian package),
// driven by playwright-core, and the checks every page of the web app gets: axe-core (no serious
// or critical violations), nothing loaded from another host, the script it ships, and a screenshot.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, expect } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling home, which a closed network turns into stalls.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface WebBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request the pages made to a host other than the app's (must stay empty). */
  foreign: string[];
}

/** A headless Chromium with a fresh profile; requests off the app's origin are recorded and refused. */
export async function openBrowser(baseUrl: string): Promise<WebBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'steller-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const foreign: string[] = [];
  const origin = new URL(baseUrl).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  afterAll(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  return { context, page, foreign };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is now: no serious or critical violation (WCAG 2.1 A and AA rules). */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  await page.evaluate(`${await axeSource}\n;void 0`);
  const violations = await page.evaluate<{ id: string; impact: string; help: string; nodes: { target: string[] }[] }[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((result) => result.violations)`,
  );
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Bytes of script the page loaded (what "no page ships more than ~100 KB of script" measures). */
export async function scriptBytes(page: Page): Promise<number> {
  return page.evaluate<number>(
    `performance.getEntriesByType('resource').filter((entry) => entry.initiatorType === 'script').reduce((sum, entry) => sum + (entry.decodedBodySize || 0), 0)`,
  );
}

/**
 * A screenshot for docs/screenshots (the pages people see first), written only when asked
 * (`UPDATE_SCREENSHOTS=1 npm run test:web`), so a test run leaves the repository as it was.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: path.join(PROJECT_ROOT, 'docs', 'screenshots', `${name}.png`), fullPage: true });
}
