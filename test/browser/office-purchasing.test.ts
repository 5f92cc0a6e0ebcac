import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, inChromium, launchChromium } from '../fixtures/chromium.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

// The office console's suppliers and purchase orders, in Debian's Chromium (playwright-core drives it), against the
// embedded local server with its notifications running (they raise a parts request's order and e-mail suppliers).
// No request leaves the machine: every page's context refuses all but the local server's.

const screenshots = new URL('./screenshots/', import.meta.url);
/** Long enough for a busy machine: every wait is for a condition, never a fixed sleep. */
const patience = 30_000;

let api: LocalApi;
let browser: Browser;
let admin: string;
/** The order an engineer's parts request raised by itself, and the job it was asked on. */
let requested: { order: any; job: { id: string; ref: string } };

const runInBrowser = inChromium('the office console');

describe.skipIf(!runInBrowser)("the office console's purchasing, in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    [api, browser] = await Promise.all([startLocalApi({ notifications: true }), launchChromium('the office console')]);
    admin = await api.token({ role: 'admin' });
    requested = await partsRequestOrder('office-po-request');
  }, 4 * patience);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lets an admin add a supplier and set it on a part, or set none', async ({ onTestFinished }) => {
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'admin', '#/reference/suppliers');
    await page.getByRole('heading', { level: 1, name: 'Reference data: suppliers' }).waitFor();
    await page.getByRole('row', { name: /Northern Heating Supplies/ }).waitFor();
    await checkA11y(page, 'the suppliers');

    // Act: a new supplier, from its form.
    await page.getByRole('link', { name: 'Add a supplier' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add a supplier' }).waitFor();
    await page.getByLabel('Name').fill('Pennine Plumbing Supplies');
    await page.getByLabel('E-mail').fill('orders@pennine-plumbing.example.com');
    await page.getByLabel('Account reference (optional)').fill('PPS-0099');
    await page.getByRole('button', { name: 'Add the supplier' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pennine Plumbing Supplies' }).waitFor();
    const supplierId = decodeURIComponent(String(await page.evaluate(() => (globalThis as any).location.hash)))
      .split('/')
      .pop() as string;
    const added = await api.call('GET', `/v1/suppliers/${supplierId}`, { token: admin });
    expect(added.body).toMatchObject({ name: 'Pennine Plumbing Supplies', accountRef: 'PPS-0099' });

    // Act: the part bought from no one, then from the new supplier.
    await page.evaluate(() => ((globalThis as any).location.hash = '#/reference/parts/COMP-FITTING-15'));
    await page.getByRole('heading', { level: 1, name: '15 mm compression fitting' }).waitFor();
    const supplier = page.getByLabel('Supplier (optional)');
    expect(await supplier.inputValue()).toBe('sup_northern_heating');
    await supplier.selectOption({ label: 'None' });
    await page.getByRole('button', { name: 'Save the changes' }).click();
    await page.getByText('Saved: the part is changed.').waitFor();
    expect((await part('COMP-FITTING-15')).supplierId).toBeUndefined();

    await page.getByLabel('Supplier (optional)').selectOption({ label: 'Pennine Plumbing Supplies' });
    await page.getByRole('button', { name: 'Save the changes' }).click();

    // Assert: the API holds it (the first save's message is still on the page: wait for the store), and the part
    // names its supplier.
    await expect.poll(async () => (await part('COMP-FITTING-15')).supplierId, { timeout: 30_000 }).toBe(supplierId);
    await page.locator('.ref-record dl.facts').getByText('Pennine Plumbing Supplies').waitFor();
    await checkA11y(page, 'a part, with its supplier');
    expect(errors).toEqual([]);
  });

  it('raises a manual order from the form, once however it is resent, and lists it as sent', async ({
    onTestFinished,
  }) => {
    const { page, errors } = await openOffice(onTestFinished);
    // The second order sent reaches the API, but its answer is lost on the way back.
    const keys: string[] = [];
    await page.route(
      (url) => url.pathname === '/v1/purchase-orders',
      async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        keys.push(route.request().headers()['idempotency-key'] ?? '');
        if (keys.length !== 2) return route.fallback();
        await route.fetch();
        return route.abort('internetdisconnected');
      },
    );
    await signIn(page, 'admin', '#/purchase-orders');
    await page.getByRole('heading', { level: 1, name: 'Purchase orders' }).waitFor();
    await page.getByRole('link', { name: 'New purchase order' }).click();
    await page.getByRole('heading', { level: 1, name: 'New purchase order' }).waitFor();
    const problem = page.locator('#po-problem');

    // Nothing chosen: said, next to each field, and nothing sent.
    await page.getByRole('button', { name: 'Send the order' }).click();
    await problem.getByText('Supplier: Choose who to order from.').waitFor();
    expect(await page.getByLabel('Deliver to').getAttribute('aria-invalid')).toBe('true');
    expect(keys).toEqual([]);
    await checkA11y(page, 'a new order, with what is missing');
    await screenshot(page, 'purchase-order-missing');

    // Two lines, one priced; a quantity above what the API takes is its 400, shown at the quantity.
    await page.getByLabel('Supplier').selectOption({ label: 'Northern Heating Supplies' });
    await page.getByLabel('Deliver to').selectOption({ label: 'Stockport trade counter' });
    const first = page.getByRole('group', { name: 'Line 1' });
    await first.getByLabel('Part').selectOption({ label: 'Standard horizontal flue kit (FLUE-KIT-STD)' });
    await first.getByLabel('Quantity').fill('400000');
    await first.getByLabel('Unit price (£, optional)').fill('89.00');
    await page.getByRole('button', { name: 'Add a line' }).click();
    const second = page.getByRole('group', { name: 'Line 2' });
    await second.getByLabel('Part').selectOption({ label: 'Central heating inhibitor, 1 litre (INHIBITOR-1L)' });
    await second.getByLabel('Quantity').fill('6');
    await page.getByRole('button', { name: 'Send the order' }).click();
    await expect.poll(() => first.getByLabel('Quantity').getAttribute('aria-invalid')).toBe('true');
    expect(await problem.textContent()).toMatch(/Line 1, Quantity: /);

    // Put right and sent: no answer comes back, so it is sent again, with the same key.
    await first.getByLabel('Quantity').fill('4');
    await page.getByRole('button', { name: 'Send the order' }).click();
    await problem.getByText(/could not be reached/).waitFor();
    await page.getByRole('button', { name: 'Send the order' }).click();
    const heading = page.getByRole('heading', { level: 1, name: /^Purchase order PO-\d{6}$/ });
    await heading.waitFor();

    // Assert: a fresh key for each submission but the resent one; one order made.
    expect(keys).toHaveLength(3);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBe(keys[1]);
    const id = String(await page.evaluate(() => (globalThis as any).location.hash))
      .split('/')
      .pop() as string;
    const sent = (await api.call('GET', '/v1/purchase-orders?status=sent&limit=100', { token: admin })).body.items;
    const same = sent.filter((order: any) => order.lines.some((line: any) => line.sku === 'FLUE-KIT-STD'));
    expect(same.map((order: any) => order.id)).toEqual([id]);
    expect(same[0]).toMatchObject({
      supplierId: 'sup_northern_heating',
      depotId: 'depot_stockport',
      reason: 'manual',
      lines: [
        { sku: 'FLUE-KIT-STD', qty: 4, unitMinor: 8_900 },
        { sku: 'INHIBITOR-1L', qty: 6 },
      ],
    });
    expect(same[0].lines[1].unitMinor).toBeUndefined();

    // The order's lines, its price in pounds.
    const flue = page.getByRole('row', { name: /Standard horizontal flue kit/ });
    expect(await flue.locator('td').allTextContents()).toEqual(['FLUE-KIT-STD', '4', '£89.00', '£356.00']);
    await checkA11y(page, 'an order just sent');
    await screenshot(page, 'purchase-order');

    // Listed as sent, and under the "sent" filter, not under "cancelled".
    await page.getByRole('link', { name: '‹ Purchase orders' }).click();
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'Northern Heating Supplies',
      'The office, by hand',
      '4 × Standard horizontal flue kit, 6 × Central heating inhibitor, 1 litre',
      'Stockport trade counter',
      'Sent',
      expect.any(String),
    ]);
    await page.getByLabel('Status').selectOption({ label: 'Cancelled' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    // The list before the filter showed a count too: wait for the order to leave the list, not for a count.
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    expect(errors.filter((error) => !/status of 400|ERR_INTERNET_DISCONNECTED/.test(error))).toEqual([]);
  });

  it('shows what raised an order: an engineer’s parts request, with a link to its job', async ({ onTestFinished }) => {
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'dispatcher', '#/purchase-orders');
    const row = page.locator(`tr[data-id="${requested.order.id}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(`Engineer’s parts request on ${requested.job.ref}`);
    await checkA11y(page, 'the purchase orders');
    await screenshot(page, 'purchase-orders');

    await row.getByRole('link', { name: requested.job.ref }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${requested.job.ref}: `) }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe(`#/work-orders/${requested.job.id}`);
    expect(errors).toEqual([]);
  });

  it('marks an order received at the depot chosen: that depot’s stock goes up by its quantity', async ({
    onTestFinished,
  }) => {
    const order = await placeOrder('office-po-receive', { depotId: 'depot_trafford', sku: 'MCB-32A', qty: 7 });
    const before = await part('MCB-32A');
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'admin', `#/purchase-orders/${order.id}`);
    await page.getByRole('heading', { level: 1, name: `Purchase order ${order.number}` }).waitFor();
    const depot = page.getByLabel('Delivered to');
    expect(await depot.inputValue()).toBe('depot_trafford');

    // Act
    await depot.selectOption({ label: 'Oldham depot' });
    await page.getByRole('button', { name: 'Mark received' }).click();

    // Assert: said, where the focus is; shown received, with nothing left to do; the stock went up at Oldham.
    const saved = page.locator('#po-saved');
    await saved.getByText(`${order.number} is received: its parts are added to Oldham depot’s stock.`).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('po-saved');
    await page.locator('.po-order .badge').getByText('Received').waitFor();
    expect(await page.getByRole('button', { name: 'Mark received' }).count()).toBe(0);
    const after = await part('MCB-32A');
    expect(after.stock).toBe(before.stock + 7);
    expect(depotQty(after, 'depot_oldham')).toBe(depotQty(before, 'depot_oldham') + 7);
    expect(depotQty(after, 'depot_trafford')).toBe(depotQty(before, 'depot_trafford'));
    await checkA11y(page, 'an order received');
    expect(errors).toEqual([]);
  });

  it('refuses a second receipt of an order received meanwhile with the conflict in words, adding no stock', async ({
    onTestFinished,
  }) => {
    const order = await placeOrder('office-po-twice', { depotId: 'depot_oldham', sku: 'SMOKE-DET-OPT', qty: 5 });
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'dispatcher', `#/purchase-orders/${order.id}`);
    await page.getByRole('button', { name: 'Mark received' }).waitFor();

    // Someone else receives it first, through the API.
    const first = await api.call('POST', `/v1/purchase-orders/${order.id}/receive`, {
      token: admin,
      headers: { 'idempotency-key': 'office-po-twice-receive' },
      body: {},
    });
    expect(first.status).toBe(200);
    const received = await part('SMOKE-DET-OPT');

    // Act
    await page.getByRole('button', { name: 'Mark received' }).click();

    // Assert: the 409 in the API's words and what it means; the order shown as it now is; stock added once.
    const problem = page.locator('#po-problem');
    await problem.getByText(`Conflict: Purchase order ${order.number} is received.`).waitFor();
    await problem.getByText(/It was marked received already/).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('po-problem');
    await page.locator('.po-order .badge').getByText('Received').waitFor();
    expect(await page.getByRole('button', { name: 'Mark received' }).count()).toBe(0);
    expect((await part('SMOKE-DET-OPT')).stock).toBe(received.stock);
    await checkA11y(page, 'a second receipt refused');
    expect(errors.filter((error) => !error.includes('status of 409'))).toEqual([]);
  });

  it('cancels an order with a reason, after asking, and lists it as cancelled', async ({ onTestFinished }) => {
    const order = await placeOrder('office-po-cancel', { depotId: 'depot_stockport', sku: 'BOILER-COMBI-30', qty: 1 });
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'admin', `#/purchase-orders/${order.id}`);
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel ${order.number}?` });
    await dialog.waitFor();
    await checkA11y(page, 'cancelling an order');
    await screenshot(page, 'purchase-order-cancel');

    // Kept at first: nothing is sent.
    await dialog.getByRole('button', { name: 'Keep the order' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api.call('GET', `/v1/purchase-orders/${order.id}`, { token: admin })).body.status).toBe('sent');

    // Act
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    await dialog.getByLabel('Reason (optional: the supplier reads it)').fill('Found two at the Oldham depot');
    await dialog.getByRole('button', { name: 'Cancel the order' }).click();

    // Assert
    await page.locator('#po-saved').getByText(`${order.number} is cancelled: the supplier is told.`).waitFor();
    await page.locator('.po-order .badge').getByText('Cancelled').waitFor();
    await page.locator('.po-order dl.facts').getByText('Found two at the Oldham depot').waitFor();
    const cancelled = (await api.call('GET', `/v1/purchase-orders/${order.id}`, { token: admin })).body;
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'Found two at the Oldham depot' });

    await page.getByRole('link', { name: '‹ Purchase orders' }).click();
    await page.getByLabel('Status').selectOption({ label: 'Cancelled' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page
      .locator('#po-count')
      .getByText(/^\d+ orders? shown/)
      .waitFor();
    const row = page.locator(`tr[data-id="${order.id}"]`);
    await row.locator('.badge').getByText('Cancelled').waitFor();
    expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe('#/purchase-orders?status=cancelled');
    expect(errors).toEqual([]);
  });

  it('shows an approver the orders with no way to order, receive or cancel', async ({ onTestFinished }) => {
    const order = await placeOrder('office-po-approver', { depotId: 'depot_trafford', sku: 'FLUE-KIT-STD', qty: 2 });
    const { page, errors } = await openOffice(onTestFinished);
    await signIn(page, 'approver', '#/purchase-orders');
    await page.locator(`tr[data-id="${order.id}"]`).waitFor();
    expect(await page.getByRole('link', { name: 'New purchase order' }).count()).toBe(0);

    await page.getByRole('link', { name: order.number }).click();
    await page.getByText('Only an admin or a dispatcher receives or cancels an order.').waitFor();
    expect(await page.getByRole('button', { name: /Mark received|Cancel order/ }).count()).toBe(0);
    await checkA11y(page, 'an order, as an approver');
    expect(errors).toEqual([]);
  });
});

// --- The office's side, through the API ------------------------------------------------------------------------------

/** A manual order for one part from its usual supplier, as the API makes it. */
async function placeOrder(key: string, line: { depotId: string; sku: string; qty: number }) {
  const from = (await part(line.sku)).supplierId;
  const placed = await api.call('POST', '/v1/purchase-orders', {
    token: admin,
    headers: { 'idempotency-key': key },
    body: { supplierId: from, depotId: line.depotId, lines: [{ sku: line.sku, qty: line.qty }] },
  });
  expect(placed.status).toBe(201);
  return placed.body;
}

async function part(sku: string) {
  const read = await api.call('GET', `/v1/parts/${sku}`, { token: admin });
  expect(read.status).toBe(200);
  return read.body;
}

const depotQty = (read: any, depotId: string): number =>
  read.holdings.find((holding: any) => holding.holderKind === 'depot' && holding.holderId === depotId)?.qty ?? 0;

/** A job under way whose engineer asks for a part: the notifications raise its supplier's order by themselves. */
async function partsRequestOrder(key: string) {
  const office = await api.token({ role: 'dispatcher' });
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Pressure relief valve weeping',
    },
  });
  expect(created.status).toBe(201);
  const wo = await api.waitFor(created.body.id, (w) => w.status === 'dispatched', patience);
  const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  const send = (path: string, body: unknown) =>
    api.call('POST', `/v1/work-orders/${wo.id}/${path}`, { token: engineer, body });
  expect((await send('acknowledge', { accept: true })).status).toBe(200);
  await api.waitFor(wo.id, (w) => w.waitingFor === 'completion', patience);
  const at = new Date().toISOString();
  expect((await send('status', { eventId: `evt-${key}-en-route`, status: 'en_route', at })).status).toBe(200);
  const asked = { eventId: `evt-${key}-valve`, sku: 'PRV-VALVE', qty: 2, note: 'Valve seat corroded' };
  expect((await send('parts-requests', asked)).status).toBe(200);
  const deadline = Date.now() + patience;
  for (;;) {
    const page = await api.call('GET', '/v1/purchase-orders?limit=100', { token: office });
    const order = page.body.items.find((item: any) => item.workOrderId === wo.id);
    if (order) return { order, job: { id: wo.id, ref: wo.ref } };
    if (Date.now() > deadline) throw new Error(`No purchase order was raised for ${wo.ref}'s parts request.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- The browser ---------------------------------------------------------------------------------------------------

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
