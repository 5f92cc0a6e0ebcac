import { createHash, randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signLocalToken } from '#local/http-server.ts';
import { config } from '#shared/config.ts';
import { addDays, localDay } from '#shared/time/zone.ts';
import { checkA11y, inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: messages and documents follow the events by a few seconds. */
const patience = 60_000;

let api: LocalApi;
let browser: Browser;

describe.skipIf(!inChromium('the web form'))('the customer web form, in Chromium', () => {
  beforeAll(async () => {
    // Notifications on, as `npm start` runs: the customer's messages and documents are made as the job goes.
    [api, browser] = await Promise.all([startLocalApi({ notifications: true }), launchChromium('the web form')]);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('logs a request from the page, shows its reference, and the office finds it in the job list', async ({
    expect,
    onTestFinished,
  }) => {
    const { page, errors } = await openPage(onTestFinished);
    const description = 'Water dripping through the bathroom ceiling onto the light fitting';
    await signIn(page, 'cus_okafor');
    await fillRequest(page, { description });

    await page.getByRole('button', { name: 'Send request' }).click();

    const ref = await loggedRef(page);
    expect(ref).toMatch(/^WO-\d{6}$/);
    const logged = page.getByRole('region', { name: 'Your request is logged' });
    expect(await logged.textContent()).toMatch(/Priority\s*P\d/);
    expect(await logged.getByText('Our office confirms the new address first').isVisible()).toBe(true);
    const office = await api.token({ role: 'dispatcher' });
    const jobs = await api.call('GET', '/v1/work-orders?customerId=cus_okafor&status=logged', { token: office });
    expect(jobs.body.items).toContainEqual(
      expect.objectContaining({ ref, status: 'logged', customerId: 'cus_okafor', description, source: 'web' }),
    );
    expect(errors).toEqual([]);
  });

  it('logs one request however often it is sent: a double click, then a resend after the answer was lost', async ({
    expect,
    onTestFinished,
  }) => {
    const { page } = await openPage(onTestFinished);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/v1/requests')) {
        sent.push(request.headers()['idempotency-key'] ?? '');
      }
    });
    let dropped = false;
    await page.route('**/v1/requests', async (route) => {
      if (route.request().method() !== 'POST' || dropped) return route.fallback();
      dropped = true;
      // The API logs the request, but its answer never reaches the browser.
      await route.fetch();
      await route.abort('connectionreset');
    });
    const description = 'Radiators in the back bedroom stay cold with the heating on';
    await signIn(page, 'cus_pennine_fm');
    await fillRequest(page, { description, category: 'Boiler breakdown' });

    await page.getByRole('button', { name: 'Send request' }).dblclick();
    await page.getByRole('alert').getByText('could not tell whether your request arrived').waitFor();
    await page.getByRole('button', { name: 'Send request' }).click();

    const ref = await loggedRef(page);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^[\w-]{16,}$/);
    expect(sent[1]).toBe(sent[0]);
    expect(await requestsDescribed('cus_pennine_fm', description)).toEqual([ref]);
  });

  it('shows what is wrong next to the field it is about, from its own checks and from the API, and logs nothing', async ({
    expect,
    onTestFinished,
  }) => {
    const { page } = await openPage(onTestFinished);
    const posts = countPosts(page);
    const description = 'Outside tap leaking onto the patio, worse at night';
    await signIn(page, 'cus_okafor');
    await fillRequest(page, { description: '' });

    // Missing: the page says so without sending anything.
    await page.getByRole('button', { name: 'Send request' }).click();
    const field = page.getByLabel('What is the problem?');
    await page.getByRole('alert').getByRole('link', { name: 'Describe the problem.' }).waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy(field)).toContain('Describe the problem.');
    expect(posts()).toBe(0);

    // A rule only the API knows: its 400 is shown next to the part of the form it names.
    await field.fill(description);
    await page.getByLabel('From').fill('2026-12-02T10:00');
    await page.getByLabel('To', { exact: true }).fill('2026-12-02T08:00');
    await page.getByRole('button', { name: 'Send request' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('The window must end after it starts.').first().waitFor();
    expect(await alert.textContent()).toContain('The body is not valid');
    const window = page.getByRole('group', { name: 'When would suit you? (optional)' });
    expect(await describedBy(window)).toContain('The window must end after it starts.');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    expect(posts()).toBe(1);
    expect(await requestsDescribed('cus_okafor', description)).toEqual([]);
  });

  it("follows one request's status, and shows when it has moved on", async ({ expect, onTestFinished }) => {
    const { page } = await openPage(onTestFinished);
    const description = 'Drain in the yard backing up after rain';
    await signIn(page, 'cus_northwest_homes');
    await fillRequest(page, { description, category: 'Blocked drain' });
    await page.getByRole('button', { name: 'Send request' }).click();
    const ref = await loggedRef(page);

    await page.getByRole('button', { name: `Follow ${ref}` }).click();
    const followed = page.getByRole('region', { name: new RegExp(`^${ref}`) });
    await followed.getByText('Logged, with the office').waitFor();
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    const mine = await api.call('GET', '/v1/requests', { token: customer });
    const id = mine.body.items.find((request: { ref: string }) => request.ref === ref).id;
    const office = await api.token({ role: 'dispatcher' });
    const cancelled = await api.call('POST', `/v1/work-orders/${id}/cancel`, {
      token: office,
      body: { reason: 'Customer cleared it themselves' },
    });
    expect(cancelled.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh status' }).click();

    await followed.getByText('Cancelled').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(`${ref} has moved on: Cancelled.`);
  });

  it('shows a job done over several days as its visits, on the site’s clock wherever the browser is', async ({
    expect,
    onTestFinished,
  }) => {
    // A 14-hour drain relining the office booked for the customer from Monday 1 March 2027: two visits.
    const office = await api.token({ role: 'dispatcher' });
    const created = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'portal-long-drain' },
      body: {
        customerId: 'cus_northwest_homes',
        siteId: 'site_ancoats',
        jobType: 'drain_clearance',
        description: 'Reline the collapsed drain run under the yard',
        estimatedMinutes: 14 * 60,
        preferredWindow: { from: '2027-03-01T00:00:00Z', to: '2027-03-05T23:59:00Z' },
      },
    });
    expect(created.status).toBe(201);
    const wo = await api.waitFor(created.body.id, (w) => w.status === 'dispatched', patience);
    const clock = (iso: string) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(iso));

    // A browser in New York still reads the London site's times.
    const { page, errors } = await openPage(onTestFinished, { timezoneId: 'America/New_York' });
    await signIn(page, 'cus_northwest_homes');
    await page.getByRole('button', { name: `Follow ${wo.ref}` }).click();
    const followed = page.getByRole('region', { name: new RegExp(`^${wo.ref}`) });
    const [first, second] = wo.visits as Array<{ start: string; end: string }>;
    await followed
      .getByText(
        `Monday 1 March, ${clock(first?.start ?? '')} to ${clock(first?.end ?? '')}; ` +
          `Tuesday 2 March, ${clock(second?.start ?? '')} to ${clock(second?.end ?? '')}`,
      )
      .waitFor();
    expect(await followed.getByText('Visits', { exact: true }).count()).toBe(1);
    await checkA11y(page, 'a request done over several days');
    expect(errors).toEqual([]);
  });

  it("signs in with Cognito's code flow and PKCE when deployed, and calls the API with the ID token", async ({
    expect,
    onTestFinished,
  }) => {
    const { page, errors } = await openPage(onTestFinished);
    // Cognito's two endpoints, stubbed on the page's own origin; the ID token is one the local authorizer accepts.
    const origin = api.runtime.url;
    const auth = { mode: 'cognito', domain: origin, clientId: 'portal-client', redirectUri: `${origin}/portal/` };
    let authorize: Record<string, string> = {};
    let exchange: Record<string, string> = {};
    await page.route('**/portal/config.json', (route) => route.fulfill({ json: { apiUrl: `${origin}/`, auth } }));
    await page.route(
      (url) => url.pathname === '/oauth2/authorize',
      (route) => {
        authorize = Object.fromEntries(new URL(route.request().url()).searchParams);
        const back = `${auth.redirectUri}?code=one-time-code&state=${authorize.state}`;
        return route.fulfill({ status: 302, headers: { location: back } });
      },
    );
    await page.route('**/oauth2/token', async (route) => {
      exchange = Object.fromEntries(new URLSearchParams(route.request().postData() ?? ''));
      const verified = createHash('sha256')
        .update(exchange.code_verifier ?? '')
        .digest('base64url');
      if (verified !== authorize.code_challenge)
        return route.fulfill({ status: 400, json: { error: 'invalid_grant' } });
      const claims = { sub: 'cognito-sarah', role: 'customer', customerId: 'cus_okafor' };
      return route.fulfill({
        json: { id_token: await signLocalToken(config.localJwtSecret, claims), expires_in: 3600 },
      });
    });

    await page.goto(`${origin}/portal/`);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Tell us what needs doing' }).waitFor();
    expect(authorize).toMatchObject({
      response_type: 'code',
      client_id: 'portal-client',
      redirect_uri: auth.redirectUri,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(exchange).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'portal-client',
      code: 'one-time-code',
      redirect_uri: auth.redirectUri,
    });
    // The one-time code does not stay in the address bar.
    expect(page.url()).toBe(auth.redirectUri);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await page.getByRole('banner').textContent()).toContain('Signed in as Sarah Okafor');
    expect(errors).toEqual([]);
  });

  it(
    'greets her by name, logs a request at her own address, and shows what was sent, the documents and the invoice',
    async ({ expect, onTestFinished }) => {
      const { page, errors } = await openPage(onTestFinished);
      const posts = countPosts(page);
      const description = 'Kitchen sink trap leaking into the cupboard';
      await signIn(page, 'cus_okafor');

      // Her name, never her id; her contact details already in the form; her address offered, none chosen for her.
      const banner = page.getByRole('banner');
      expect(await banner.textContent()).toContain('Signed in as Sarah Okafor');
      expect(await banner.textContent()).not.toContain('cus_okafor');
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Sarah Okafor');
      expect(await page.getByLabel('Email (optional)').inputValue()).toBe('sarah.okafor@example.com');
      expect(await page.getByLabel('Phone (optional)').inputValue()).toBe('+44 7700 900123');
      const where = page.getByRole('group', { name: 'Where is the job?' });
      expect(await describedBy(where)).toContain('A new address is confirmed by our office first');
      const home = where.getByRole('radio', { name: '22 Lapwing Lane, Didsbury, Manchester, M20 2WS' });
      expect(await home.isChecked()).toBe(false);
      expect(await page.getByLabel('Address', { exact: true }).isVisible()).toBe(false);

      // Not saying where: the page asks, and sends nothing.
      await page.getByLabel('What do you need?').selectOption({ label: 'Water leak' });
      await page.getByLabel('What is the problem?').fill(description);
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('alert').getByRole('link', { name: 'Choose where the job is.' }).click();
      expect(await home.evaluate((radio) => radio === (globalThis as any).document.activeElement)).toBe(true);
      expect(posts()).toBe(0);
      await checkA11y(page, 'the signed-in form with her sites, where unanswered');

      // Somewhere else shows the address fields; her own address hides them again.
      await where.getByRole('radio', { name: 'Somewhere else' }).check();
      await page.getByLabel('Address', { exact: true }).waitFor();
      await checkA11y(page, 'the signed-in form, somewhere else');
      await home.check();
      await page.getByLabel('Address', { exact: true }).waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Send request' }).click();
      const ref = await loggedRef(page);

      // The office sees it came from the web form, at her site, and it goes on to scheduling by itself.
      const office = await api.token({ role: 'dispatcher' });
      const id = await idOf('cus_okafor', ref);
      const logged = (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body;
      expect(logged).toMatchObject({ ref, customerId: 'cus_okafor', siteId: 'site_didsbury', source: 'web' });
      expect(await page.getByText('Our office confirms the new address first').isVisible()).toBe(false);
      await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      const closed = await workToClosed(id);
      const invoice = (await api.call('GET', `/v1/invoices/${closed.invoiceId}`, { token: office })).body;
      expect(invoice.number).toMatch(/\w/);
      await customerSees(
        'cus_okafor',
        id,
        (messages, documents) => messages.some((m) => m.template === 'invoice_issued') && documents.length >= 2,
      );

      await page.getByRole('button', { name: 'Refresh the list' }).click();
      await page.getByRole('button', { name: `Follow ${ref}` }).click();
      const followed = page.getByRole('region', { name: new RegExp(`^${ref}`) });
      const sent = followed.getByRole('list', { name: 'What we sent you' });
      await sent.getByText(`We have your request ${ref}`).waitFor();
      const items = await sent.getByRole('listitem').allTextContents();
      expect(items[0]).toMatch(/E-mail/);
      expect(items[0]).toContain(`We have your request ${ref}`);
      expect(items.at(-1)).toContain(`Invoice ${invoice.number} for ${ref}`);
      expect(items.some((item) => /Text message.*is on the way/.test(item))).toBe(true);
      const documents = followed.getByRole('list', { name: 'Documents' });
      await documents.getByRole('link', { name: `Job report ${ref} (PDF)` }).waitFor();
      await documents.getByRole('link', { name: `Invoice ${invoice.number} (PDF)` }).waitFor();
      expect(await followed.textContent()).toContain('22 Lapwing Lane, Didsbury, Manchester, M20 2WS');
      const total = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(
        invoice.totalMinor / 100,
      );
      // An e-mail's text opens under its subject.
      await sent.getByText(`Invoice ${invoice.number} for ${ref}: ${total}`, { exact: true }).click();
      await sent.getByText(/Please find attached invoice/).waitFor();
      await checkA11y(page, 'her request with its messages and documents');

      const invoices = page.getByRole('region', { name: 'My invoices' });
      const pdf = invoices.getByRole('link', { name: `Invoice ${invoice.number} (PDF)` });
      expect(await invoices.textContent()).toContain(total);
      expect(await invoices.textContent()).toContain(`${ref}, Water leak`);
      expect(await pdfStart(await pdf.getAttribute('href'))).toBe('%PDF');
      await checkA11y(page, 'her invoices');
      expect(errors).toEqual([]);

      // Another customer sees none of her invoices.
      const other = await openPage(onTestFinished);
      await signIn(other.page, 'cus_northwest_homes');
      const theirs = other.page.getByRole('region', { name: 'My invoices' });
      await theirs.getByText('You have no invoices yet.').waitFor();
      expect(await theirs.getByRole('link').count()).toBe(0);
      expect(await theirs.textContent()).not.toContain(invoice.number);
      expect(other.errors).toEqual([]);
    },
    4 * patience,
  );

  it(
    'renews a document link older than its five minutes when it is opened, and opens it in a new tab',
    async ({ expect, onTestFinished }) => {
      const id = await requestThroughApi('cus_okafor', {
        siteId: 'site_didsbury',
        category: 'boiler_breakdown',
        description: 'Boiler shows fault F28 and will not light',
        contact: { name: 'Sarah Okafor', phone: '+44 7700 900123' },
        source: 'web',
      });
      const { ref } = await workToClosed(id);
      await customerSees('cus_okafor', id, (_, documents) => documents.length >= 2);
      const { page, errors } = await openPage(onTestFinished);
      await page.clock.install();
      await signIn(page, 'cus_okafor');
      await page.getByRole('button', { name: `Follow ${ref}` }).click();
      const report = page
        .getByRole('list', { name: 'Documents' })
        .getByRole('link', { name: `Job report ${ref} (PDF)` });
      const first = await report.getAttribute('href');
      const asked = countRequests(page, `/v1/work-orders/${id}/documents`);

      await page.clock.fastForward('05:00');
      const [tab] = await Promise.all([page.context().waitForEvent('page'), report.click()]);

      await tab.waitForURL((url) => url.protocol.startsWith('http'));
      expect(asked()).toBe(1);
      expect(tab.url()).toBe(await report.getAttribute('href'));
      expect(new URL(tab.url()).pathname).toBe(new URL(first ?? '').pathname);
      expect(await pdfStart(tab.url())).toBe('%PDF');
      expect(await tab.evaluate(() => (globalThis as any).opener)).toBeNull();
      expect(errors).toEqual([]);
    },
    4 * patience,
  );

  it(
    'books the visit into a free afternoon, moves it to two hours another day, and says so when a time was just taken',
    async ({ expect, onTestFinished }) => {
      const id = await requestThroughApi('cus_okafor', {
        siteId: 'site_didsbury',
        category: 'blocked_drain',
        description: 'Kitchen sink and outside gully backing up',
        contact: { name: 'Sarah Okafor', phone: '+44 7700 900123' },
        source: 'web',
      });
      await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
      const { ref } = (await api.call('GET', `/v1/requests/${id}`, { token: customer })).body;
      const halfDays = await offered(customer, id, 'half_day');
      const twoHours = await offered(customer, id, 'two_hour');
      const today = localDay(Date.now(), halfDays.timeZone);
      const afternoon = halfDays.items.find((s) => s.label === 'Afternoon' && s.day >= addDays(today, 2));
      const later = twoHours.items.find((s) => s.label === '10:00 to 12:00' && s.day > (afternoon?.day ?? ''));
      const taken = twoHours.items.find((s) => s.day === later?.day && s.from !== later.from);
      if (!afternoon || !later || !taken) throw new Error(`Too few times offered: ${JSON.stringify(twoHours.items)}`);
      const dayOf = (slot: Slot) =>
        new Intl.DateTimeFormat('en-GB', {
          timeZone: halfDays.timeZone,
          weekday: 'long',
          day: 'numeric',
          month: 'long',
        }).format(new Date(slot.from));
      // The browser's clock is New York's: the times shown must still be the business's (London's) hours.
      const { page, errors } = await openPage(onTestFinished, { timezoneId: 'America/New_York' });
      await signIn(page, 'cus_okafor');
      await page.getByRole('button', { name: `Follow ${ref}` }).click();
      const followed = page.getByRole('region', { name: new RegExp(`^${ref}`) });

      // The free half days, a group for each day, the business's best few marked without hiding the others.
      await followed.getByRole('button', { name: 'Choose a time for the visit' }).click();
      const afternoonDay = followed.getByRole('group', { name: dayOf(afternoon) });
      const chosen = afternoonDay.getByRole('radio', { name: /^Afternoon, 12:00 to 17:00/ });
      await chosen.waitFor();
      const days = [...new Set(halfDays.items.map((slot) => slot.day))];
      const shownDays = await followed
        .getByRole('group')
        .evaluateAll((groups) => groups.map((group) => group.querySelector('legend')?.textContent));
      expect(shownDays).toEqual([
        'How long a time?',
        ...days.map((day) => dayOf(halfDays.items.find((slot) => slot.day === day) as Slot)),
      ]);
      expect(await followed.getByRole('radio', { name: /^(Morning|Afternoon), / }).count()).toBe(halfDays.items.length);
      expect(await followed.getByRole('radio', { name: /\W+Suggested$/ }).count()).toBe(3);
      // At a phone's width, nothing runs off the side.
      const fits = await page.evaluate(() => {
        const root = (globalThis as any).document.documentElement;
        return root.scrollWidth <= root.clientWidth;
      });
      expect(fits).toBe(true);
      await checkA11y(page, 'the times offered for the visit');

      await chosen.check();
      await followed.getByRole('button', { name: 'Book this time' }).click();

      const confirmation = `Your visit is booked for ${dayOf(afternoon)}, between 12:00 and 17:00.`;
      const booked = followed.getByText(confirmation);
      await booked.waitFor();
      expect(await booked.evaluate((element) => element === (globalThis as any).document.activeElement)).toBe(true);
      expect(await page.getByRole('status').textContent()).toBe(confirmation);
      expect(await bookedWindow(customer, id)).toEqual({ from: afternoon.from, to: afternoon.to });

      // Changed to two hours on a later day, by keyboard: the booked afternoon shows as chosen until then.
      await followed.getByRole('button', { name: 'Change the time' }).press('Enter');
      expect(await afternoonDay.getByRole('radio', { name: /^Afternoon, 12:00 to 17:00\W+Booked/ }).isChecked()).toBe(
        true,
      );
      await followed.getByRole('radio', { name: 'Two hours' }).check();
      const laterDay = followed.getByRole('group', { name: dayOf(later) });
      // Space chooses the time; Tab leaves the one radio group of every day's times for the button; Enter books.
      await laterDay.getByRole('radio', { name: /^10:00 to 12:00/ }).focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');

      await followed.getByText(`Your visit is booked for ${dayOf(later)}, between 10:00 and 12:00.`).waitFor();
      expect(await bookedWindow(customer, id)).toEqual({ from: later.from, to: later.to });

      // Another window, taken by someone else while she chose it: said so beside the times, which are read again.
      await page.route(
        `**/v1/requests/${id}/slot`,
        (route) =>
          route.fulfill({
            status: 409,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              type: 'about:blank',
              title: 'Conflict',
              status: 409,
              detail: 'That window is no longer free: choose another.',
              code: 'booking.unavailable',
            }),
          }),
        { times: 1 },
      );
      const reads = countRequests(page, `/v1/requests/${id}/slots`);
      await followed.getByRole('button', { name: 'Change the time' }).click();
      await laterDay.getByRole('radio', { name: /^10:00 to 12:00\W+Booked/ }).waitFor();
      await laterDay.getByRole('radio', { name: new RegExp(`^${taken.label}`) }).check();
      await followed.getByRole('button', { name: 'Book this time' }).click();

      const alert = followed.getByRole('alert');
      await alert.getByText(`${dayOf(taken)}, ${taken.label} was just taken by someone else.`).waitFor();
      await expect.poll(reads).toBe(2);
      await laterDay.getByRole('radio', { name: /^10:00 to 12:00\W+Booked/ }).waitFor();
      expect(await alert.evaluate((element) => element === (globalThis as any).document.activeElement)).toBe(true);
      expect(await bookedWindow(customer, id)).toEqual({ from: later.from, to: later.to });
      await checkA11y(page, 'the times offered again, after one was taken');
      // The browser reports the 409 answered to it, as it reports every failed load; nothing else went wrong.
      expect(errors.filter((error) => !error.includes('status of 409'))).toEqual([]);
    },
    2 * patience,
  );
});

/**
 * A phone-sized page in a context of its own (so its own sessionStorage), closed when the test ends, with what it
 * reports as errors (console errors and uncaught exceptions: a CSP refusal lands there). `timezoneId` sets the
 * browser's clock elsewhere than the machine's.
 */
async function openPage(
  onTestFinished: (fn: () => Promise<void>) => void,
  options: { timezoneId?: string } = {},
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    ...options,
  });
  onTestFinished(() => context.close());
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, errors };
}

/** Signs in as a demo customer, as the local mode offers. */
async function signIn(page: Page, customerId: string): Promise<void> {
  await page.goto(`${api.runtime.url}/portal`);
  await page.getByLabel('Demo customer').selectOption(customerId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tell us what needs doing' }).waitFor();
}

/** Fills the form, for a new address unless `site` names one of the customer's. */
async function fillRequest(
  page: Page,
  request: { description: string; category?: string; site?: string },
): Promise<void> {
  await page.getByLabel('What do you need?').selectOption({ label: request.category ?? 'Water leak' });
  if (request.site) {
    await page.getByRole('radio', { name: request.site }).check();
  } else {
    await page.getByRole('radio', { name: 'Somewhere else' }).check();
    await page.getByLabel('Address', { exact: true }).fill('14 Chapel Street, Salford');
    await page.getByLabel('Postcode').fill('m3 5dw');
  }
  await page.getByLabel('What is the problem?').fill(request.description);
  await page.getByLabel('Name', { exact: true }).fill('Sarah Okafor');
  await page.getByLabel('Phone (optional)').fill('07700 900123');
}

/** The reference the page shows once the request is logged. */
async function loggedRef(page: Page): Promise<string> {
  const logged = page.getByRole('region', { name: 'Your request is logged' });
  await logged.waitFor();
  return ((await logged.getByRole('definition').first().textContent()) ?? '').trim();
}

/** The refs of the customer's requests with this description, through the API. */
async function requestsDescribed(customerId: string, description: string): Promise<string[]> {
  const token = await api.token({ role: 'customer', customerId });
  const mine = await api.call('GET', '/v1/requests?limit=200', { token });
  return mine.body.items
    .filter((request: { description: string }) => request.description === description)
    .map((request: { ref: string }) => request.ref);
}

/** The text of the elements that describe `element` (its aria-describedby), as a screen reader reads it out. */
async function describedBy(element: Locator): Promise<string> {
  const ids = (await element.getAttribute('aria-describedby'))?.split(/\s+/) ?? [];
  const texts = await Promise.all(ids.map((id) => element.page().locator(`#${id}`).textContent()));
  return texts.join(' ');
}

/** How many GET requests the page sends to a path from now on. */
function countRequests(page: Page, path: string): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'GET' && new URL(request.url()).pathname === path) count++;
  });
  return () => count;
}

/** How many requests the page posts from now on. */
function countPosts(page: Page): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/v1/requests')) count++;
  });
  return () => count;
}

/** The id of the customer's request with this reference, through the API. */
async function idOf(customerId: string, ref: string): Promise<string> {
  const token = await api.token({ role: 'customer', customerId });
  const mine = await api.call('GET', '/v1/requests?limit=200', { token });
  return mine.body.items.find((request: { ref: string }) => request.ref === ref).id;
}

/** The engineer accepts, travels, arrives, works and completes (a job without a job sheet); closeout invoices it. */
async function workToClosed(id: string): Promise<any> {
  const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
  const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  const accepted = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, {
    token: engineer,
    body: { accept: true },
  });
  if (accepted.status !== 200) throw new Error(`acknowledge: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  await api.waitFor(id, (w) => w.waitingFor === 'completion', patience);
  for (const status of ['en_route', 'on_site', 'in_progress']) {
    const body = { eventId: `evt-${id}-${status}`, status, at: new Date().toISOString() };
    const moved = await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body });
    if (moved.status !== 200) throw new Error(`${status}: ${moved.status} ${JSON.stringify(moved.body)}`);
  }
  const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
    token: engineer,
    body: {
      eventId: `evt-${id}-done`,
      outcome: 'fixed',
      findings: 'Trap seal perished',
      workDone: 'Replaced the trap and tested for leaks',
      partsUsed: [],
    },
  });
  if (done.status !== 202) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
  return api.waitFor(id, (w) => w.status === 'closed' && Boolean(w.invoiceId), patience);
}

/** Waits until the customer's own view of the work order's messages and documents satisfies `until`. */
async function customerSees(
  customerId: string,
  id: string,
  until: (messages: any[], documents: any[]) => boolean,
): Promise<void> {
  const token = await api.token({ role: 'customer', customerId });
  const deadline = Date.now() + patience;
  let messages: any[] = [];
  let documents: any[] = [];
  while (Date.now() < deadline) {
    messages = (await api.call('GET', `/v1/work-orders/${id}/messages`, { token })).body.items;
    documents = (await api.call('GET', `/v1/work-orders/${id}/documents`, { token })).body.items;
    if (until(messages, documents)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${customerId} never saw what was expected of ${id}: ${JSON.stringify(messages.map((m) => m.template))}, ` +
      JSON.stringify(documents.map((d) => d.kind)),
  );
}

/** The first four bytes of what a document link answers: `%PDF` for a PDF. */
async function pdfStart(href: string | null): Promise<string> {
  if (!href) return '';
  const answer = await fetch(href);
  return Buffer.from(await answer.arrayBuffer())
    .subarray(0, 4)
    .toString('latin1');
}

/** A customer's request through the API, as another client would send it; answers the work order's id. */
async function requestThroughApi(customerId: string, body: Record<string, unknown>): Promise<string> {
  const token = await api.token({ role: 'customer', customerId });
  const reply = await api.call('POST', '/v1/requests', {
    token,
    headers: { 'idempotency-key': `portal-${randomUUID()}` },
    body,
  });
  if (reply.status !== 201) throw new Error(`POST /v1/requests: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id;
}

/** A window offered for a visit, as GET /v1/requests/{id}/slots answers it. */
interface Slot {
  day: string;
  from: string;
  to: string;
  label: string;
  rank: number;
}

/** The windows offered for the request, through the API. */
async function offered(token: string, id: string, kind: string): Promise<{ timeZone: string; items: Slot[] }> {
  const reply = await api.call('GET', `/v1/requests/${id}/slots?kind=${kind}`, { token });
  if (reply.status !== 200) throw new Error(`GET slots: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** The window booked for the request, as its customer's view shows it. */
async function bookedWindow(token: string, id: string): Promise<{ from: string; to: string } | null> {
  return (await api.call('GET', `/v1/requests/${id}`, { token })).body.bookedWindow;
}
