import { createHash } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signLocalToken } from '#local/http-server.ts';
import { config } from '#shared/config.ts';
import { inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let browser: Browser;

describe.skipIf(!inChromium('the web form'))('the customer web form, in Chromium', () => {
  beforeAll(async () => {
    [api, browser] = await Promise.all([startLocalApi(), launchChromium('the web form')]);
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
    const office = await api.token({ role: 'dispatcher' });
    const jobs = await api.call('GET', '/v1/work-orders?customerId=cus_okafor&status=logged', { token: office });
    expect(jobs.body.items).toContainEqual(
      expect.objectContaining({ ref, status: 'logged', customerId: 'cus_okafor', description }),
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
    expect(errors).toEqual([]);
  });
});

/**
 * A phone-sized page in a context of its own (so its own sessionStorage), closed when the test ends, with what it
 * reports as errors (console errors and uncaught exceptions: a CSP refusal lands there).
 */
async function openPage(onTestFinished: (fn: () => Promise<void>) => void): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
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

async function fillRequest(page: Page, request: { description: string; category?: string }): Promise<void> {
  await page.getByLabel('What do you need?').selectOption({ label: request.category ?? 'Water leak' });
  await page.getByLabel('Address').fill('14 Chapel Street, Salford');
  await page.getByLabel('Postcode').fill('m3 5dw');
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

/** How many requests the page posts from now on. */
function countPosts(page: Page): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/v1/requests')) count++;
  });
  return () => count;
}
