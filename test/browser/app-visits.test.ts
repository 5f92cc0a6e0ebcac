import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition, never a fixed sleep. */
const patience = 30_000;

/** The phone's clock and language: times read as the business's (Manchester), in British English. */
const timeZone = 'Europe/London';
const locale = 'en-GB';

let api: LocalApi;
let browser: Browser;
let office: string;
let lucy: string;

interface Visit {
  day: string;
  from: string;
  start: string;
  end: string;
  minutes: number;
}

describe.skipIf(!inChromium("the engineer's app"))("the engineer's app: jobs planned as visits", () => {
  beforeAll(async () => {
    [api, browser] = await Promise.all([startLocalApi(), launchChromium("the engineer's app")]);
    office = await api.token({ role: 'dispatcher' });
    // The demo's one engineer for drainage: every job below is hers.
    lucy = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists a job longer than a shift on each day of its visits, with which visit it is and its hours', async ({
    onTestFinished,
  }) => {
    // Monday 1 March 2027: Lucy works 07:00 to 19:00 with half an hour's lunch. The job is 14 hours: two days.
    const id = await drainJob('long', '2027-03-01', 14 * 60, '2027-03-05T23:59:00Z');
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    expect(wo.engineerId).toBe('eng_lucy');
    const visits = wo.visits as Visit[];
    expect(visits.map((visit) => visit.day)).toEqual(['2027-03-01', '2027-03-02']);

    const { page, errors } = await openApp(onTestFinished);
    await signIn(page);
    await goTo(page, '#/day/2027-03-01');
    await page.locator('#day-label').getByText('Monday 1 March').waitFor();
    const item = page.locator('#day-list > li').filter({ has: page.getByRole('link', { name: `${wo.ref} ` }) });
    await item.getByText(`Visit 1 of 2, ${hours(visits[0] as Visit)}`).waitFor();
    await checkA11y(page, 'the day list, with a visit');

    await page.getByRole('button', { name: 'Day after' }).click();
    await page.locator('#day-label').getByText('Tuesday 2 March').waitFor();
    await item.getByText(`Visit 2 of 2, ${hours(visits[1] as Visit)}`).waitFor();
    await checkA11y(page, 'the day list, with the last visit');

    // The job itself lists both days.
    await item.getByRole('link', { name: `${wo.ref} ` }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${wo.ref}:`) }).waitFor();
    const planned = page.locator('#job-summary .visit-days > li');
    await expect
      .poll(() => planned.allTextContents())
      .toEqual([`Monday 1 March, ${hours(visits[0] as Visit)}`, `Tuesday 2 March, ${hours(visits[1] as Visit)}`]);
    expect(await page.locator('#job-summary').textContent()).not.toContain('undefined');
    expect(errors).toEqual([]);
  });

  it('books a paused job’s return from the phone, online only, with the API’s word on a bad entry', async ({
    onTestFinished,
  }) => {
    const today = new Date().toISOString().slice(0, 10);
    const id = await drainJob('paused', today, 60, `${addDays(today, 7)}T23:59:00Z`);
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    expect(wo.engineerId).toBe('eng_lucy');
    await pause(id);

    // Without the service worker, so the page's own requests can be routed (and one answer lost) here.
    const { page, context, errors } = await openApp(onTestFinished, { serviceWorkers: 'block' });
    const keys: string[] = [];
    let loseAnswer = false;
    await page.route(
      (url) => url.pathname === `/v1/work-orders/${id}/return-visit`,
      async (route) => {
        keys.push((await route.request().headerValue('idempotency-key')) ?? '');
        if (!loseAnswer) return route.fallback();
        // The return is booked, and the answer is lost on the way back.
        loseAnswer = false;
        await route.fetch();
        return route.abort('connectionreset');
      },
    );
    await signIn(page);
    await goTo(page, `#/job/${encodeURIComponent(id)}`);
    await page
      .locator('#job-summary')
      .getByText(/^Paused/)
      .waitFor();
    await page.getByRole('button', { name: 'Resume work' }).waitFor();
    await page.getByRole('button', { name: 'Book a return visit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Book a return visit' }).waitFor();

    const due = page.getByLabel('When are the parts due?');
    const workHours = page.getByLabel('Hours', { exact: true });
    const workMinutes = page.getByLabel('Minutes', { exact: true });
    // The parts due tomorrow, an hour's work left, unless the engineer says otherwise.
    await expect.poll(() => due.inputValue()).toBe(addDays(londonToday(), 1));
    expect([await workHours.inputValue(), await workMinutes.inputValue()]).toEqual(['1', '0']);
    await checkA11y(page, 'book a return visit');

    // No signal: said plainly, nothing kept to send later, the form as it was.
    await context.setOffline(true);
    await due.fill('2027-05-10');
    await workHours.fill('2');
    await page.getByRole('button', { name: 'Book the return visit' }).click();
    await page
      .getByRole('alert')
      .getByText(/^A return visit is booked online/)
      .waitFor();
    expect(await page.locator('#outbox-count').textContent()).toBe('0');
    expect(await due.inputValue()).toBe('2027-05-10');
    await context.setOffline(false);

    // No work left is not a return: the API's problem is shown, the focus on it, the work left marked.
    await workHours.fill('0');
    await workMinutes.fill('0');
    await page.getByRole('button', { name: 'Book the return visit' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText(/body\.minutes/).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('alert');
    expect(await workHours.getAttribute('aria-invalid')).toBe('true');
    expect(await workMinutes.getAttribute('aria-invalid')).toBe('true');
    expect(await due.getAttribute('aria-invalid')).toBeNull();
    await checkA11y(page, 'book a return visit, with a problem');
    const unbooked = await api.waitFor(id, () => true);
    expect(unbooked.visits ?? []).toEqual([]);
    expect(unbooked.status).toBe('paused');

    // Two hours left: booked, though the first answer is lost; sent again, it is the same booking.
    await workHours.fill('2');
    loseAnswer = true;
    await page.getByRole('button', { name: 'Book the return visit' }).click();
    await alert.getByText(/could not tell whether the return visit was booked/).waitFor();
    await page.getByRole('button', { name: 'Book the return visit' }).click();
    const shown = page.locator('#return-booked').getByText(/^Back on /);
    await shown.waitFor();
    // Once the answer is on screen, the office reads exactly one visit, on that day.
    const booked = await api.waitFor(id, () => true);
    const visits = booked.visits as Visit[];
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ day: '2027-05-10', minutes: 120 });
    const words = `Back on Monday 10 May, ${hours(visits[0] as Visit)}.`;
    expect(await shown.textContent()).toBe(words);
    await page.getByRole('status').getByText(`${wo.ref}: return visit booked. ${words}`).waitFor();
    expect(keys).toHaveLength(3);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBe(keys[1]);
    expect(booked.timeline.filter((entry: any) => entry.type === 'return_visit_booked')).toHaveLength(1);
    expect(booked.status).toBe('paused');
    await checkA11y(page, 'book a return visit, booked');

    // The job shows its return.
    await page.getByRole('link', { name: '‹ Back to the job' }).first().click();
    await page
      .locator('#job-summary .visit-days > li')
      .getByText(`Monday 10 May, ${hours(visits[0] as Visit)}`)
      .waitFor();

    // The refused 0 minutes and the lost answer are the only failed loads.
    expect(errors.filter((error) => !/status of 400|ERR_CONNECTION_RESET/.test(error))).toEqual([]);
  });
});

// --- The office's side --------------------------------------------------------------------------------------------

/** A drain job at a Manchester site, wanted from a day on, `minutes` long: the office logs it. */
async function drainJob(key: string, from: string, minutes: number, to: string): Promise<string> {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': `app-visits-${key}` },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      jobType: 'drain_clearance',
      description: 'Reline the collapsed drain run under the yard',
      estimatedMinutes: minutes,
      preferredWindow: { from: `${from}T00:00:00Z`, to },
    },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Lucy takes the job from accepted to paused through the API, as her phone would have sent it. */
async function pause(id: string): Promise<void> {
  const accepted = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: lucy, body: { accept: true } });
  expect(accepted.status).toBe(200);
  await api.waitFor(id, (w) => w.waitingFor === 'completion', patience);
  for (const status of ['en_route', 'on_site', 'in_progress', 'paused']) {
    const body = { eventId: `evt-${id}-${status}`, status, at: new Date().toISOString() };
    const reply = await api.call('POST', `/v1/work-orders/${id}/status`, { token: lucy, body });
    expect(reply.status).toBe(200);
  }
}

// --- The phone ----------------------------------------------------------------------------------------------------

/**
 * A phone-sized page (360 × 740, touch) on British time in a context of its own, closed when the test ends, with
 * what it reports as errors (console errors and uncaught exceptions).
 */
async function openApp(
  onTestFinished: (fn: () => Promise<void>) => void,
  options: { serviceWorkers?: 'allow' | 'block' } = {},
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
    locale,
    timezoneId: timeZone,
    ...options,
  });
  onTestFinished(() => context.close());
  context.setDefaultTimeout(patience);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  return { page, context, errors };
}

/** Signs Lucy in, from the list of demo engineers the local mode offers. */
async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.runtime.url}/app/`);
  await page.getByLabel('Demo engineer').selectOption('eng_lucy');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your day' }).waitFor();
}

/** Moves the app to a screen by its address, as a link would. */
async function goTo(page: Page, hash: string): Promise<void> {
  await page.evaluate((to) => {
    (globalThis as any).location.hash = to;
  }, hash);
}

/** A visit's hours as the phone shows them: from when work starts until the visit ends. */
function hours(visit: Visit): string {
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone });
  return `${time.format(new Date(visit.start))} to ${time.format(new Date(visit.end))}`;
}

/** Today's date on the phone's clock. */
const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
