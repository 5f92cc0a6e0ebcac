import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

// The office console's reference data, reports and map, in Debian's Chromium (playwright-core drives it and never
// downloads a browser of its own), against the embedded local server. No request leaves the machine: every page's
// context refuses all but the local server's.

const screenshots = new URL('./screenshots/', import.meta.url);
/** Long enough for a busy machine: every wait is for a condition, never a fixed sleep. */
const patience = 30_000;

let api: LocalApi;
let browser: Browser;
let office: string;
/** A job dispatched (the map's); another is driven to closed (the reports' figures). */
let dispatched: { id: string; ref: string; day: string };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const runInBrowser = inChromium('the office console');

describe.skipIf(!runInBrowser)("the office console's reference data, reports and map, in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    [api, browser] = await Promise.all([startLocalApi(), launchChromium('the office console')]);
    office = await api.token({ role: 'dispatcher' });
    await closedRepair('office-more-closed');
    const second = await dispatchedRepair('office-more-map');
    dispatched = { id: second.id, ref: second.ref, day: String(second.scheduledStart).slice(0, 10) };
  }, 4 * patience);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  describe('reference data', () => {
    it('lets an admin change an engineer’s certificate, and marks one expiring within 30 days in words', async ({
      onTestFinished,
    }) => {
      const { page, errors } = await openOffice(onTestFinished);
      await signIn(page, 'admin', '#/reference/engineers');
      await page.getByRole('heading', { level: 1, name: 'Reference data: engineers' }).waitFor();

      // Lucy's confined spaces card runs out within the month (the demo's seed): in words, and highlighted.
      const lucy = page.getByRole('row', { name: /Lucy Evans/ });
      await expect.poll(() => lucy.locator('.cert-expiring .cert-state').textContent()).toMatch(/^Expires in 21 days/);
      // Tom's Gas Safe registration has lapsed: said so, not only coloured.
      expect(
        await page
          .getByRole('row', { name: /Tom Bradley/ })
          .locator('.cert-lapsed')
          .textContent(),
      ).toMatch(/Lapsed: expired 30 days ago/);
      await checkA11y(page, 'the engineers');
      await screenshot(page, 'reference-engineers');

      // Act: Amira's Gas Safe registration now runs out in ten days, and her shift ends at 18:00.
      await page.getByRole('link', { name: 'Amira Khan' }).click();
      await page.getByRole('heading', { level: 1, name: 'Amira Khan' }).waitFor();
      await page.getByLabel('Expires on').fill(day(10));
      await page.getByLabel('Ends at').fill('18:00');
      await page.getByRole('button', { name: 'Save the changes' }).click();

      // Assert: saved, the record shows the new date as expiring in 10 days, and the API holds it.
      await page.getByText('Saved: the engineer is changed.').waitFor();
      const facts = page.locator('.ref-record dl.facts');
      await expect.poll(() => facts.locator('.cert-expiring .cert-state').textContent()).toMatch(/^Expires in 10 days/);
      expect(await page.getByLabel('Expires on').inputValue()).toBe(day(10));
      const amira = await api.call('GET', '/v1/engineers/eng_amira', { token: office });
      expect(amira.body.certifications).toEqual([{ code: 'gas_safe', number: '601234', expiresAt: day(10) }]);
      // The lunch break the form does not show is kept with the new hours.
      expect(amira.body.shift).toEqual({
        days: [1, 2, 3, 4, 5, 6, 7],
        start: '07:00',
        end: '18:00',
        break: { from: '12:00', to: '14:00', minutes: 30 },
      });
      await checkA11y(page, 'an engineer, as an admin');
      await screenshot(page, 'reference-engineer');
      expect(errors).toEqual([]);
    });

    it('refuses a change made from a stale copy with 412, says so, and offers the latest', async ({
      onTestFinished,
    }) => {
      const { page, errors } = await openOffice(onTestFinished);
      await signIn(page, 'admin', '#/reference/engineers/eng_priya');
      await page.getByRole('heading', { level: 1, name: 'Priya Patel' }).waitFor();

      // Another admin changes Priya's phone meanwhile, through the API.
      const admin = await api.token({ role: 'admin' });
      const read = await api.call('GET', '/v1/engineers/eng_priya', { token: admin });
      const changed = await api.call('PATCH', '/v1/engineers/eng_priya', {
        token: admin,
        headers: { 'if-match': read.headers.get('etag') as string },
        body: { phone: '+44 7700 900999' },
      });
      expect(changed.status).toBe(200);

      // Act
      await page.getByLabel('Expires on').fill(day(40));
      await page.getByRole('button', { name: 'Save the changes' }).click();

      // Assert: the 412 in words, nothing saved, and the latest on asking.
      const alert = page.locator('#ref-problem');
      await alert.getByText('Someone else changed this engineer after you opened it').waitFor();
      const priya = await api.call('GET', '/v1/engineers/eng_priya', { token: admin });
      expect(priya.body.certifications[0].expiresAt).not.toBe(day(40));
      await checkA11y(page, 'a stale change');
      await alert.getByRole('button', { name: 'Reload the engineer' }).click();
      await expect.poll(() => page.getByLabel('Phone (optional)').inputValue()).toBe('+44 7700 900999');
      expect(errors.filter((error) => !error.includes('status of 412'))).toEqual([]);
    });

    it('adds a record with one Idempotency-Key, showing the API’s field errors next to the fields', async ({
      onTestFinished,
    }) => {
      const { page, errors } = await openOffice(onTestFinished);
      const posts: Array<string | null> = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/depots') {
          posts.push(request.headers()['idempotency-key'] ?? null);
        }
      });
      await signIn(page, 'admin', '#/reference/depots');
      await page.getByRole('link', { name: 'Add a depot' }).click();
      await page.getByRole('heading', { level: 1, name: 'Add a depot' }).waitFor();
      await page.getByLabel('Name').fill('Salford Quays stores');
      await page.getByLabel('Address').fill('Unit 7, Trafford Road, Salford M50 3AB');
      await page.getByLabel('Latitude').fill('153.47');
      await page.getByLabel('Longitude').fill('-2.29');

      // A latitude off the globe: the API's 400, next to the field.
      await page.getByRole('button', { name: 'Add the depot' }).click();
      const latitude = page.getByLabel('Latitude');
      await expect.poll(() => latitude.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await latitude.getAttribute('aria-describedby')) ?? '';
      const fieldError = page.locator(`[id="${describedBy.split(' ').pop()}"]`);
      expect(await fieldError.textContent()).not.toBe('');
      await checkA11y(page, 'a field error');

      // Put right and sent again: added once.
      await latitude.fill('53.47');
      await page.getByRole('button', { name: 'Add the depot' }).click();
      await page.getByRole('heading', { level: 1, name: 'Salford Quays stores' }).waitFor();
      expect(posts).toHaveLength(2);
      expect(posts[0]).toBeTruthy();
      expect(posts[1]).toBe(posts[0]);
      const depots = await api.call('GET', '/v1/depots?limit=200', { token: office });
      expect(depots.body.items.filter((depot: any) => depot.name === 'Salford Quays stores')).toHaveLength(1);
      expect(errors.filter((error) => !error.includes('status of 400'))).toEqual([]);
    });

    it('shows a dispatcher the records with no way to change them', async ({ onTestFinished }) => {
      const { page, errors } = await openOffice(onTestFinished);
      await signIn(page, 'dispatcher', '#/reference/engineers');
      await page.getByRole('heading', { level: 1, name: 'Reference data: engineers' }).waitFor();
      await page.getByRole('row', { name: /Lucy Evans/ }).waitFor();
      expect(await page.getByRole('link', { name: /^Add / }).count()).toBe(0);

      await page.getByRole('link', { name: 'Lucy Evans' }).click();
      await page.getByRole('heading', { level: 1, name: 'Lucy Evans' }).waitFor();
      await page.getByText('Only an admin changes engineers.').waitFor();
      expect(await page.locator('form.ref-form').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Save|Add|Remove/ }).count()).toBe(0);
      expect(await page.getByRole('textbox').count()).toBe(0);
      await checkA11y(page, 'an engineer, as a dispatcher');
      expect(errors).toEqual([]);
    });

    it('lists what each depot and van holds of a part, by name', async ({ onTestFinished }) => {
      const { page, errors } = await openOffice(onTestFinished);
      await signIn(page, 'dispatcher', '#/reference/parts/INHIBITOR-1L');
      const held = page.locator('#holdings-recorded > li');
      await held.first().waitFor();
      const lines = await held.allTextContents();
      const part = await api.call('GET', '/v1/parts/INHIBITOR-1L', {
        token: await api.token({ role: 'dispatcher' }),
      });

      expect(lines).toHaveLength(part.body.holdings.length);
      expect(lines.some((line) => /’s van: \d+$/.test(line))).toBe(true);
      expect(lines.some((line) => /depot|Park|Stockport|Oldham/i.test(line))).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  describe('reports', () => {
    it('charts the KPIs over a period with their figures in tables, and downloads the server’s CSV', async ({
      onTestFinished,
    }) => {
      const { page, errors } = await openOffice(onTestFinished);
      await signIn(page, 'dispatcher', `#/reports?from=${day(-29)}&to=${day(0)}`);
      await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
      await page.getByRole('button', { name: 'Last 7 days' }).click();
      await expect.poll(() => page.locator('#report-period').textContent()).toMatch(/\(7 days\), by day$/);

      // The closed repair: fixed first time, attended in time, its parts used.
      const firstTimeFix = page.locator('#chart-first-time-fix');
      await expect.poll(() => firstTimeFix.locator('svg rect').count()).toBeGreaterThanOrEqual(1);
      expect(await firstTimeFix.locator('tfoot').textContent()).toContain('100%');
      const todayRow = firstTimeFix.locator('tbody tr').last();
      expect(await todayRow.locator('td').allTextContents()).toEqual(['100%', '1', '1']);
      expect(await page.locator('#chart-sla tfoot').textContent()).toContain('100%');
      expect(await page.locator('#chart-job-duration tfoot td').first().textContent()).toBe('1 h 30 min');
      const parts = page.locator('#chart-parts');
      expect(
        await parts
          .getByRole('row', { name: /PRV-VALVE/ })
          .locator('td')
          .allTextContents(),
      ).toEqual(['Boiler pressure relief valve', '2']);
      expect(await parts.locator('svg rect').count()).toBe(2);
      expect(
        await page
          .locator('#chart-statuses')
          .getByRole('row', { name: /Closed/ })
          .textContent(),
      ).toMatch(/1$/);
      expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe(
        `#/reports?from=${day(-6)}&to=${day(0)}`,
      );
      await checkA11y(page, 'the reports');
      await screenshot(page, 'reports');

      // The CSV: the server's own, as the API answers it for the same period.
      const downloaded = page.waitForEvent('download', { timeout: patience });
      const refused = page
        .locator('#report-csv-status')
        .getByText(/could not be downloaded/)
        .waitFor({ timeout: patience })
        .then(async () => {
          throw new Error(`No CSV: ${await page.locator('#report-csv-status').textContent()}`);
        });
      await page.getByRole('button', { name: 'Download as CSV' }).click();
      const download = await Promise.race([downloaded, refused]);
      refused.catch(() => undefined);
      const path = await download.path();
      const csv = readFileSync(path, 'utf8');
      const server = await fetch(`${api.runtime.url}/v1/reports/kpis?from=${day(-6)}&to=${day(0)}&format=csv`, {
        headers: { authorization: `Bearer ${office}`, accept: 'text/csv' },
      });
      expect(server.status).toBe(200);
      expect(server.headers.get('content-type')).toMatch(/^text\/csv/);
      const expected = await server.text();
      const [header] = expected.split(/\r?\n/);
      expect(header).toMatch(/^[A-Za-z"]/);
      expect(csv.split(/\r?\n/)[0]).toBe(header);
      expect(csv).toBe(expected);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      await page.getByText(/^Downloaded /).waitFor();
      expect(errors).toEqual([]);
    });

    it('says when a period ends before it starts', async ({ onTestFinished }) => {
      const { page } = await openOffice(onTestFinished);
      await signIn(page, 'approver', '#/reports');
      await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
      await page.getByLabel('From').fill(day(0));
      await page.getByLabel('To (included)').fill(day(-3));
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.getByText('The period ends before it starts').waitFor();
      expect(await page.getByLabel('From').getAttribute('aria-invalid')).toBe('true');
    });
  });

  describe('the map', () => {
    it('shows the day’s jobs and engineers with no tiles and no network: labelled markers the keyboard reaches', async ({
      onTestFinished,
    }) => {
      const { page, errors, outside } = await openOffice(onTestFinished);
      await signIn(page, 'dispatcher', `#/map?date=${dispatched.day}`);
      await page.getByRole('heading', { level: 1, name: /^Map of / }).waitFor();

      // No tiles configured: a plain background, a scale, and the page says so.
      await page.getByText('No map tiles are set up').waitFor();
      expect(await page.locator('#map.map-plain').count()).toBe(1);
      await page.locator('.leaflet-control-scale').waitFor();
      expect(await page.locator('.leaflet-tile').count()).toBe(0);

      // The job's marker: a button named in words; the engineers' too.
      const marker = page.locator(`.leaflet-marker-icon[aria-label^="${dispatched.ref},"]`);
      await marker.waitFor();
      expect(await marker.getAttribute('role')).toBe('button');
      expect(await marker.getAttribute('tabindex')).toBe('0');
      expect(await page.locator('.leaflet-marker-icon[aria-label^="Engineer "]').count()).toBe(6);
      // The same job in the list beside the map.
      await page.locator('#map-jobs').getByRole('link', { name: dispatched.ref }).waitFor();

      // Reached with Tab from the map, opened with Enter.
      await page.locator('#map').focus();
      let reached = false;
      for (let presses = 0; presses < 40 && !reached; presses++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(
          (ref) => ((globalThis as any).document.activeElement?.getAttribute('aria-label') ?? '').startsWith(`${ref},`),
          dispatched.ref,
        );
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      await page.locator('.leaflet-popup').getByRole('link', { name: dispatched.ref }).waitFor();

      await checkA11y(page, 'the map');
      await screenshot(page, 'map');
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('is served Leaflet from node_modules, its listed files alone', async () => {
      const served = await fetch(`${api.runtime.url}/office/vendor/leaflet.js`);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(served.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await served.text()).toContain('Leaflet 1.9');
      expect((await fetch(`${api.runtime.url}/office/vendor/leaflet.css`)).status).toBe(200);
      for (const name of ['leaflet-src.js', 'package.json', '..%2Fpackage.json', 'toString']) {
        expect((await fetch(`${api.runtime.url}/office/vendor/${name}`)).status).toBe(404);
      }
    });

    it('falls back to the plain background when the configured tiles cannot be reached', async ({ onTestFinished }) => {
      const { page, context } = await openOffice(onTestFinished);
      await context.route('**/office/config.json', async (route) => {
        const response = await route.fetch();
        const config = await response.json();
        await route.fulfill({
          response,
          json: { ...config, mapTiles: { url: 'https://tiles.test/{z}/{x}/{y}.png', attribution: 'Test tiles' } },
        });
      });
      await signIn(page, 'dispatcher', `#/map?date=${dispatched.day}`);
      await page.getByText('The map tiles could not be loaded').waitFor();
      expect(await page.locator('#map.map-plain').count()).toBe(1);
      await page.locator(`.leaflet-marker-icon[aria-label^="${dispatched.ref},"]`).waitFor();
    });
  });
});

// --- The office's side, through the API ------------------------------------------------------------------------------

async function dispatchedRepair(key: string) {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Boiler pressure keeps dropping',
    },
  });
  expect(created.status).toBe(201);
  return api.waitFor(created.body.id, (wo) => wo.status === 'dispatched', patience);
}

/** A repair attended, worked 90 minutes by its time log, fixed with parts, and closed. */
async function closedRepair(key: string) {
  const wo = await dispatchedRepair(key);
  const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  const send = (path: string, body: unknown) =>
    api.call('POST', `/v1/work-orders/${wo.id}/${path}`, { token: engineer, body });
  const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
  expect((await send('acknowledge', { accept: true })).status).toBe(200);
  await api.waitFor(wo.id, (w) => w.waitingFor === 'completion', patience);
  for (const status of ['en_route', 'on_site', 'in_progress']) {
    expect((await send('status', { eventId: `evt-${key}-${status}`, status, at: ago(2) })).status).toBe(200);
  }
  const work = { eventId: `evt-${key}-work`, kind: 'work', startedAt: ago(2), endedAt: ago(0.5) };
  expect((await send('time-logs', work)).status).toBe(200);
  const valve = { eventId: `evt-${key}-valve`, sku: 'PRV-VALVE', qty: 1, at: ago(1) };
  expect((await send('materials', valve)).status).toBe(200);
  const completed = await send('complete', {
    eventId: `evt-${key}-done`,
    outcome: 'fixed',
    findings: 'Pressure relief valve passing',
    workDone: 'Replaced the pressure relief valve and repressurised',
    partsUsed: [
      { sku: 'PRV-VALVE', qty: 1 },
      { sku: 'INHIBITOR-1L', qty: 1 },
    ],
  });
  expect(completed.status).toBe(202);
  return api.waitFor(wo.id, (w) => w.status === 'closed', 2 * patience);
}

// --- The browser ---------------------------------------------------------------------------------------------------

/**
 * A desk-sized page in a context of its own, closed when the test ends, that reaches nothing but the local server:
 * any other request is refused and noted in `outside`. `errors` holds what the page reports as errors (a CSP refusal
 * lands there).
 */
async function openOffice(
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<{ page: Page; context: BrowserContext; errors: string[]; outside: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  onTestFinished(() => context.close());
  context.setDefaultTimeout(patience);
  const local = new URL(api.runtime.url).host;
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === local) return route.fallback();
    outside.push(url.href);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  return { page, context, errors, outside };
}

/**
 * Opens the console at a screen's address and signs in as a demo office role, as the sign-in form offers them: the
 * console then shows that screen.
 */
async function signIn(page: Page, role: 'dispatcher' | 'approver' | 'admin', hash: string): Promise<void> {
  await page.goto(`${api.runtime.url}/office/${hash}`);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`office-${name}.png`, screenshots).pathname, fullPage: true });
}
