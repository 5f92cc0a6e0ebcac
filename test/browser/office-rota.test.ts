import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

// The office console's rota screen, in Debian's Chromium (playwright-core drives it), against the embedded local
// server: the week's table, adding time off and on call through the form, taking an entry off, and an approver's
// read-only view. No request leaves the machine: every page's context refuses all but the local server's.

const screenshots = new URL('./screenshots/', import.meta.url);
/** Long enough for a busy machine: every wait is for a condition, never a fixed sleep. */
const patience = 30_000;

let api: LocalApi;
let browser: Browser;
let admin: string;
/** This week in the business's days (the local server's zone is Europe/London), Monday to Sunday. */
let week: [string, string, string, string, string, string, string];

const addDays = (day: string, count: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + count * 86_400_000).toISOString().slice(0, 10);

const runInBrowser = inChromium('the office console');

describe.skipIf(!runInBrowser)("the office console's rota, in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    [api, browser] = await Promise.all([startLocalApi(), launchChromium('the office console')]);
    admin = await api.token({ role: 'admin' });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const monday = addDays(today, 1 - (new Date(`${today}T00:00:00Z`).getUTCDay() || 7));
    week = Array.from({ length: 7 }, (_, index) => addDays(monday, index)) as typeof week;
  }, 4 * patience);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a dispatcher this week’s rota and adds leave over two days from the form, once', async ({
    onTestFinished,
  }) => {
    const { page, errors } = await openOffice(onTestFinished);
    const keys = postedKeys(page);
    await signIn(page, 'dispatcher', '#/jobs');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rota' }).click();
    await page.getByRole('heading', { level: 1, name: /^Rota, week of / }).waitFor();
    await page.locator('tr[data-engineer="eng_omar"]').waitFor();

    // The week of today, Monday to Sunday, and every demo engineer by name.
    const columns = page.locator('thead th[scope="col"][data-day]');
    expect(await columns.evaluateAll((cells) => cells.map((cell) => (cell as any).dataset.day))).toEqual(week);
    expect(await page.locator('tbody th[scope="row"]').allTextContents()).toEqual([
      'Amira Khan',
      'Dan Murphy',
      'Lucy Evans',
      'Omar Haddad',
      'Priya Patel',
      'Tom Bradley',
    ]);
    // Omar works weekdays only.
    expect(await cell(page, 'eng_omar', week[0]).locator('.rota-shift').textContent()).toBe(
      '07:00–19:00, lunch 30 min',
    );
    expect(await cell(page, 'eng_omar', week[5]).locator('.rota-shift').textContent()).toBe('Not working');

    // Act: leave for Tuesday and Wednesday, from the form.
    const form = page.getByRole('form', { name: 'Add to the rota' });
    await form.getByLabel('Engineer', { exact: true }).selectOption({ label: 'Omar Haddad' });
    await form.getByLabel('Kind', { exact: true }).selectOption({ label: 'Leave' });
    await form.getByLabel('First day', { exact: true }).fill(week[1]);
    await form.getByLabel('Last day', { exact: true }).fill(week[2]);
    await form.getByLabel('Note (optional)', { exact: true }).fill('Moving house');
    await form.getByRole('button', { name: 'Add to the rota' }).click();

    // Assert: said on the page and aloud; on both days' cells and neither side; one entry in the API.
    const added = page.locator('#rota-added');
    await added.getByText(/^Leave for Omar Haddad, .+: added to the rota\.$/).waitFor();
    const said = String(await added.textContent());
    await expect.poll(() => page.locator('#announce').textContent()).toBe(said);
    for (const day of [week[1], week[2]]) {
      const entry = cell(page, 'eng_omar', day).locator('.rota-entry');
      await entry.getByText('Leave', { exact: true }).waitFor();
      expect(await entry.locator('.rota-note').textContent()).toBe('Moving house');
    }
    for (const day of [week[0], week[3]]) {
      expect(await cell(page, 'eng_omar', day).locator('.rota-entry').count()).toBe(0);
    }
    const held = (await rotaOf('eng_omar')).filter((entry) => entry.kind === 'leave');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ engineerId: 'eng_omar', note: 'Moving house' });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/\S/);
    await checkA11y(page, 'the rota, with leave shown');
    await screenshot(page, 'rota');
    expect(errors).toEqual([]);
  });

  it('shows the API’s problem for a last day before the first, stores nothing, and sends again with a new key', async ({
    onTestFinished,
  }) => {
    const { page, errors } = await openOffice(onTestFinished);
    const keys = postedKeys(page);
    await signIn(page, 'dispatcher', '#/rota');
    const form = page.getByRole('form', { name: 'Add to the rota' });
    await form.getByLabel('Engineer', { exact: true }).selectOption({ label: 'Dan Murphy' });
    await form.getByLabel('Kind', { exact: true }).selectOption({ label: 'Training' });
    await form.getByLabel('First day', { exact: true }).fill(week[4]);
    await form.getByLabel('Last day', { exact: true }).fill(week[3]);

    // Act
    await form.getByRole('button', { name: 'Add to the rota' }).click();

    // Assert: the API's words, where the focus is, with the last day marked; nothing stored.
    const problem = page.locator('#rota-problem');
    await problem.getByText('Last day: The entry must end after it starts.').waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('rota-problem');
    expect(await form.getByLabel('Last day', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('First day', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect((await rotaOf('eng_dan')).filter((entry) => entry.kind !== 'visit')).toEqual([]);
    await checkA11y(page, 'the rota, with a problem in the form');
    await screenshot(page, 'rota-problem');

    // Put right: sent with a fresh key (the first was answered), and stored once.
    await form.getByLabel('Last day', { exact: true }).fill(week[4]);
    await form.getByRole('button', { name: 'Add to the rota' }).click();
    await page
      .locator('#rota-added')
      .getByText(/^Training for Dan Murphy, .+: added to the rota\.$/)
      .waitFor();
    await cell(page, 'eng_dan', week[4]).getByText('Training', { exact: true }).waitFor();
    expect(await form.getByLabel('Last day', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(keys).toHaveLength(2);
    expect(keys[1]).not.toBe(keys[0]);
    const stored = (await rotaOf('eng_dan')).filter((entry) => entry.kind !== 'visit');
    expect(stored.map((entry) => entry.kind)).toEqual(['training']);
    expect(errors.filter((error) => !error.includes('status of 400'))).toEqual([]);
  });

  it('adds on call with its call-out limit, and takes it off after asking', async ({ onTestFinished }) => {
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'admin', '#/rota');
    const form = page.getByRole('form', { name: 'Add to the rota' });
    const limit = form.getByLabel('Call-out limit in minutes', { exact: true });
    await form.getByLabel('Engineer', { exact: true }).waitFor();
    expect(await limit.isVisible()).toBe(false);

    // Act: on call for the weekend, 45 minutes' drive at most.
    await form.getByLabel('Engineer', { exact: true }).selectOption({ label: 'Priya Patel' });
    await form.getByLabel('Kind', { exact: true }).selectOption({ label: 'On call' });
    await limit.fill('45');
    await form.getByLabel('First day', { exact: true }).fill(week[5]);
    await form.getByLabel('Last day', { exact: true }).fill(week[6]);
    await form.getByRole('button', { name: 'Add to the rota' }).click();

    // Assert: shown with its limit on both days; the API holds it.
    await page
      .locator('#rota-added')
      .getByText(/^On call for Priya Patel, .+ \(call-out up to 45 min\): added/)
      .waitFor();
    for (const day of [week[5], week[6]]) {
      await cell(page, 'eng_priya', day).getByText('On call, call-out up to 45 min', { exact: true }).waitFor();
    }
    const [onCall] = (await rotaOf('eng_priya')).filter((entry) => entry.kind === 'on_call');
    expect(onCall).toMatchObject({ kind: 'on_call', maxTravelMinutes: 45 });
    await checkA11y(page, 'the rota, with on call shown');

    // Kept at first: nothing is sent.
    const remove = cell(page, 'eng_priya', week[5]).getByRole('button', { name: /^Remove on call for Priya Patel/ });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Take it off the rota?' });
    await dialog.waitFor();
    await checkA11y(page, 'taking an entry off the rota');
    await screenshot(page, 'rota-remove');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await rotaOf('eng_priya')).map((entry) => entry.id)).toContain(onCall.id);

    // Act: removed, after confirming.
    await remove.click();
    await dialog.getByRole('button', { name: 'Remove it' }).click();

    // Assert: said where the focus is; gone from both days and from the API.
    const saved = page.locator('#rota-saved');
    await saved.getByText(/^On call for Priya Patel, .+: taken off the rota\.$/).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('rota-saved');
    for (const day of [week[5], week[6]]) {
      expect(await cell(page, 'eng_priya', day).locator('.rota-on_call').count()).toBe(0);
    }
    expect((await rotaOf('eng_priya')).map((entry) => entry.id)).not.toContain(onCall.id);
    expect(errors).toEqual([]);
  });

  it('shows the days a long job holds as links to it, with no Remove button', async ({ onTestFinished }) => {
    // A 14-hour drain job (Lucy's shift is 690 minutes) wanted in the week three weeks on: two visits, Monday and
    // Tuesday, each holding her day on the rota.
    const monday = addDays(week[0], 21);
    const job = await longJob('office-rota-long', monday);
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'dispatcher', `#/rota?week=${addDays(monday, 3)}`);
    for (const day of [monday, addDays(monday, 1)]) {
      const link = cell(page, 'eng_lucy', day).getByRole('link', { name: `On a long job, ${job.ref}` });
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(`#/work-orders/${job.id}`);
      expect(
        await cell(page, 'eng_lucy', day)
          .getByRole('button', { name: /^Remove/ })
          .count(),
      ).toBe(0);
    }
    expect(await cell(page, 'eng_lucy', addDays(monday, 2)).locator('.rota-visit').count()).toBe(0);
    await checkA11y(page, 'the rota, with a long job’s visits');

    await cell(page, 'eng_lucy', monday)
      .getByRole('link', { name: `On a long job, ${job.ref}` })
      .click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${job.ref}: `) }).waitFor();
    // The work order lists its two visits, each with its work.
    const visits = page
      .getByRole('definition')
      .filter({ has: page.getByRole('listitem') })
      .filter({ hasText: 'min of work' });
    await visits.waitFor();
    expect(await visits.getByRole('listitem').count()).toBe(2);
    expect(errors).toEqual([]);
  });

  it('shows an approver the week with no form and no Remove buttons', async ({ onTestFinished }) => {
    const placed = await api.call('POST', '/v1/rota', {
      token: admin,
      headers: { 'idempotency-key': 'office-rota-approver' },
      body: { engineerId: 'eng_lucy', kind: 'sickness', from: week[3], to: week[3] },
    });
    expect(placed.status).toBe(201);
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'approver', '#/rota');
    await cell(page, 'eng_lucy', week[3]).getByText('Sickness', { exact: true }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(6);
    await page.getByText('Only an admin or a dispatcher adds to the rota or takes entries off.').waitFor();
    expect(await page.getByRole('form', { name: 'Add to the rota' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    await checkA11y(page, 'the rota, as an approver');

    // The next week, by its link: its own days, and a way back.
    await page.getByRole('link', { name: 'Next week ›' }).click();
    await page.getByRole('link', { name: 'This week' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe(`#/rota?week=${addDays(week[0], 7)}`);
    const columns = page.locator('thead th[scope="col"][data-day]');
    expect(await columns.first().getAttribute('data-day')).toBe(addDays(week[0], 7));
    expect(await cell(page, 'eng_lucy', addDays(week[3], 7)).locator('.rota-entry').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

// --- Helpers ---------------------------------------------------------------------------------------------------------

/** One engineer's entries this week, as the API holds them. */
async function rotaOf(engineerId: string): Promise<any[]> {
  const read = await api.call('GET', `/v1/rota?from=${week[0]}&to=${week[6]}&engineerId=${engineerId}`, {
    token: admin,
  });
  expect(read.status).toBe(200);
  return read.body.items;
}

/** A drain job (Lucy's alone) of 14 hours wanted from `day` on, planned as visits on her next two days. */
async function longJob(key: string, day: string): Promise<{ id: string; ref: string }> {
  const office = await api.token({ role: 'dispatcher' });
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      jobType: 'drain_clearance',
      description: 'Reline the collapsed drain run under the yard',
      estimatedMinutes: 14 * 60,
      preferredWindow: { from: `${day}T00:00:00Z`, to: `${addDays(day, 4)}T23:59:00Z` },
    },
  });
  expect(created.status).toBe(201);
  const wo = await api.waitFor(created.body.id, (w) => w.status === 'dispatched', patience);
  expect(wo.engineerId).toBe('eng_lucy');
  expect(wo.visits.map((visit: { day: string }) => visit.day)).toEqual([day, addDays(day, 1)]);
  return { id: wo.id, ref: wo.ref };
}

/** The table's cell for an engineer's day. */
const cell = (page: Page, engineerId: string, day: string) =>
  page.locator(`tr[data-engineer="${engineerId}"] td[data-day="${day}"]`);

/** The Idempotency-Key of each entry the page sends, in order. */
function postedKeys(page: Page): string[] {
  const keys: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/rota') {
      keys.push(request.headers()['idempotency-key'] ?? '');
    }
  });
  return keys;
}

/**
 * A desk-sized page in a context of its own, closed when the test ends, that reaches nothing but the local server.
 * `errors` holds what the page reports as errors (a CSP refusal lands there).
 */
async function openOffice(
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  onTestFinished(() => context.close());
  context.setDefaultTimeout(patience);
  const local = new URL(api.runtime.url).host;
  await context.route('**/*', (route) =>
    new URL(route.request().url()).host === local ? route.fallback() : route.abort('internetdisconnected'),
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  return { page, context, errors };
}

/** Opens the console at a screen's address and signs in as a demo office role: the console then shows that screen. */
async function signIn(page: Page, role: 'dispatcher' | 'approver' | 'admin', hash: string): Promise<void> {
  await page.goto(`${api.runtime.url}/office/${hash}`);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`office-${name}.png`, screenshots).pathname, fullPage: true });
}
