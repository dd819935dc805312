import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSample, type RunningSample } from '../../sample/server.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `\n${'!'.repeat(78)}\n!! BROWSER TEST SKIPPED: ${CHROMIUM} is missing.\n!! .ci/run installs it (apt-get install chromium); locally: sudo apt-get install chromium\n${'!'.repeat(78)}\n`,
  );
}
const describeBrowser = available ? describe : describe.skip;

/** The one browser API used below (the tsconfig has no DOM library). */
interface Window {
  getComputedStyle(element: unknown): { fill: string };
}

let sample: RunningSample;
let browser: Browser;

const originOf = (url: string) => (url ? new URL(url).origin : '');
let workDir: string;

/**
 * A fresh browser context (its own cookie jar and storage, like a new profile), so every test
 * starts logged out of both sites. One Chromium serves all of them: launching it is most of a
 * test's time.
 */
async function launch(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // CSP violations and failed loads (a missing favicon too) show up as console errors.
  const errors: string[] = [];
  page.on('console', m => {
    // The sample's own pages only (the emulator's login page is not under test here).
    if (m.type() === 'error' && originOf(m.location().url) === originOf(sample.url))
      errors.push(`${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', e => errors.push(e.message));
  return { context, page, errors };
}

/** From the sample's home page through the emulator's login, up to its consent page. */
async function connectAndLogIn(
  page: Page,
  button = 'Connect with Medicare',
  user = 'BBUser00000',
): Promise<void> {
  await page.goto(sample.url);
  await page.getByRole('link', { name: button }).click();
  await page.waitForSelector('#username');
  await page.fill('#username', user);
  await page.fill('#password', sample.emulator!.beneficiary(user)!.password);
  await page.click('#login-button');
  await page.waitForSelector('#approve');
}

describeBrowser('the sample in a real browser (headless Chromium)', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'bb-browser-'));
    // The same start-up as `npm start`, on free ports: the emulator with the callback registered.
    [sample, browser] = await Promise.all([
      startSample({ cwd: workDir, port: 0, emulatorPort: 0, logger: false }),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-quic',
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it(
    'Connect → Medicare login → Connect on consent → the claims table and chart',
    { timeout: 90_000 },
    async () => {
      const { context, page, errors } = await launch();
      try {
        await connectAndLogIn(page);
        expect(await page.isChecked('#share_demographic_scopes')).toBe(true);
        await page.click('#approve');
        await page.waitForURL(`${sample.url}/claims`);

        expect(await page.locator('h1').textContent()).toBe('Your claims');
        expect(await page.locator('#claims tbody tr').count()).toBe(52);
        expect(await page.locator('#claim-count').textContent()).toBe('52');
        const firstRow = await page
          .locator('#claims tbody tr')
          .first()
          .locator('td')
          .allTextContents();
        expect(firstRow.map(t => t.trim())).toEqual([
          expect.stringMatching(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/),
          expect.any(String),
          expect.stringMatching(/^NPI \d{10}$/),
          expect.any(String),
          expect.stringMatching(/^\$[\d,]+\.\d{2}$/),
        ]);

        // The chart is drawn: 34 months, real bars with size, laid out by the stylesheet.
        const chart = page.locator('svg.chart');
        expect(await chart.isVisible()).toBe(true);
        expect(await chart.locator('g.month').count()).toBe(34);
        const box = await chart.boundingBox();
        expect(box!.width).toBeGreaterThan(600);
        const tallest = await chart
          .locator('rect.bar')
          .evaluateAll(rects => Math.max(...rects.map(r => r.getBoundingClientRect().height)));
        expect(tallest).toBeGreaterThan(100);
        const barFill = await chart
          .locator('rect.bar')
          .first()
          .evaluate(r => (globalThis as unknown as Window).getComputedStyle(r).fill);
        expect(barFill).toBe('rgb(0, 94, 162)');

        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'claims.png'), fullPage: true });

        // Disconnect: a real browser's same-site form POST (the sample sends Referrer-Policy:
        // no-referrer, so its Origin is "null") revokes the grant and lands on the signed-out page.
        const revokes = sample.emulator!.requestsTo('/v2/o/revoke/', 'POST').length;
        await page.click('#logout');
        await page.waitForURL(`${sample.url}/signed-out`);
        expect(await page.getByRole('status').textContent()).toContain('You are disconnected.');
        expect(sample.emulator!.requestsTo('/v2/o/revoke/', 'POST').length).toBe(revokes + 1);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it(
    'Connect through API v3 → v3 consent (SAMHSA unticked) → claims, the insurance card, disconnect',
    { timeout: 90_000 },
    async () => {
      const { context, page, errors } = await launch();
      const emu = sample.emulator!;
      try {
        // BBUser00005 has two claims labelled 42CFRPart2 on v3 (substance-use-disorder care).
        await connectAndLogIn(page, 'Connect through Blue Button API v3 (pilot)', 'BBUser00005');
        expect(new URL(page.url()).pathname).toMatch(/^\/v3\/o\/authorize\//);
        expect(await page.isChecked('#share_samhsa_data')).toBe(false);
        await page.click('#approve');
        await page.waitForURL(`${sample.url}/claims`);
        // Not shared at consent, so BB2 adds _security:not=42CFRPart2: those two claims stay out.
        const claims = emu.beneficiary('BBUser00005')!.eobCount - 2;
        expect(await page.locator('#claim-count').textContent()).toBe(String(claims));
        expect(await page.locator('footer').textContent()).toContain('API v3');

        await page.getByRole('link', { name: 'Insurance card', exact: true }).click();
        await page.waitForURL(`${sample.url}/insurance-card`);
        expect(await page.locator('#card-member-id').textContent()).toMatch(/^•{7}[0-9A-Z]{4}$/);
        expect(
          (await page.locator('#card-parts tbody tr td:first-child').allTextContents()).map(t =>
            t.trim(),
          ),
        ).toEqual(['Part A', 'Part B']);
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'insurance-card.png'), fullPage: true });

        await page.getByRole('link', { name: 'Overview' }).click();
        expect((await page.locator('#api-version').textContent())?.trim()).toBe(
          'Blue Button API v3 (pilot)',
        );
        const revokes = emu.requestsTo('/v3/o/revoke/', 'POST').length;
        await page.click('#logout');
        await page.waitForURL(`${sample.url}/signed-out`);
        expect(emu.requestsTo('/v3/o/revoke/', 'POST').length).toBe(revokes + 1);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it(
    'Cancel on the consent page → back on the sample with the denial message',
    { timeout: 90_000 },
    async () => {
      const { context, page, errors } = await launch();
      try {
        await connectAndLogIn(page);
        await page.click('#deny');
        await page.waitForURL(`${sample.url}/?bluebutton_error=access_denied`);
        expect(await page.getByRole('status').textContent()).toContain(
          'You chose not to connect your Medicare account.',
        );
        expect(await page.getByRole('link', { name: 'Connect with Medicare' }).isVisible()).toBe(
          true,
        );
        // Not connected: the claims page sends the visitor back to the overview.
        await page.goto(`${sample.url}/claims`);
        expect(new URL(page.url()).pathname).toBe('/');
        await page.goto(`${sample.url}/?bluebutton_error=access_denied`);
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'denied.png') });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});
