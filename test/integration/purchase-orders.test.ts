import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsRecord } from '#local/notifications.ts';
import { getDocument } from '#shared/db/documents.ts';
import { listEventsAfter } from '#shared/db/events.ts';
import { getReorder, holdingsOf } from '#shared/db/stock.ts';
import { documentBytes } from '#shared/documents/documents.ts';
import { handler as notifyHandler } from '../../functions/notify/notify.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

let api: LocalApi;
let office: string;
let admin: string;
beforeAll(async () => {
  api = await startLocalApi({ notifications: true });
  office = await api.token({ role: 'dispatcher' });
  admin = await api.token({ role: 'admin' });
});
afterAll(() => api?.close());

async function until<T>(what: string, read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + patience;
  let value = await read();
  while (!holds(value)) {
    if (Date.now() > deadline) throw new Error(`${what} never held: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

/** The purchase orders raised for a work order, as the office lists them. */
async function ordersFor(workOrderId: string): Promise<any[]> {
  const reply = await api.call('GET', '/v1/purchase-orders?limit=200', { token: office });
  expect(reply.status).toBe(200);
  return reply.body.items.filter((po: any) => po.workOrderId === workOrderId);
}

/**
 * A job the engineer has accepted and is travelling to: one that takes field records. At Mrs Okafor's unless
 * another site is named (a second open request for one site and category joins the first job).
 */
async function jobUnderWay(
  key: string,
  at = { customerId: 'cus_okafor', siteId: 'site_didsbury', contact: 'Sarah Okafor' },
): Promise<{ id: string; engineer: string }> {
  const customer = await api.token({ role: 'customer', customerId: at.customerId });
  const logged = await api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': key },
    body: {
      siteId: at.siteId,
      category: 'boiler_breakdown',
      description: 'Boiler losing pressure',
      contact: { name: at.contact, email: 'contact@example.com' },
      source: 'web',
    },
  });
  expect(logged.status).toBe(201);
  const id = logged.body.id;
  const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
  const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  const accepted = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, {
    token: engineer,
    body: { accept: true },
  });
  expect(accepted.status).toBe(200);
  await api.waitFor(id, (w) => w.waitingFor === 'completion', patience);
  const body = { eventId: `evt-${id}-en-route`, status: 'en_route', at: new Date().toISOString() };
  expect((await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body })).status).toBe(200);
  return { id, engineer };
}

const depotQty = async (sku: string, depotId: string) =>
  (await holdingsOf(sku)).find((h) => h.holderKind === 'depot' && h.holderId === depotId)?.qty ?? 0;

describe('purchase orders, through the embedded default', () => {
  let order: any;
  let job: { id: string; engineer: string };

  it('raises one purchase order for a parts request and e-mails the supplier it as a PDF, even when the event is handed over twice', async () => {
    job = await jobUnderWay('po-parts-request-1');
    const { id, engineer } = job;
    const request = { eventId: 'evt-po-prv', sku: 'PRV-VALVE', qty: 3, note: 'Valve seat corroded' };
    const asked = await api.call('POST', `/v1/work-orders/${id}/parts-requests`, { token: engineer, body: request });
    expect(asked.status).toBe(200);

    const [raised] = await until(
      'The purchase order',
      () => ordersFor(id),
      (items) => items.length > 0,
    );
    order = raised;
    expect(order).toMatchObject({
      number: expect.stringMatching(/^PO-\d{6}$/),
      supplierId: 'sup_northern_heating',
      status: 'sent',
      reason: 'parts_request',
      lines: [{ sku: 'PRV-VALVE', name: 'Boiler pressure relief valve', qty: 3, unitMinor: 1_850 }],
    });

    // The feed's events handed to the notifier again, twice at once, as a redelivering queue would.
    const events = (await listEventsAfter(undefined, 5_000)).filter(
      (e) => e.workOrderId === id || e.data?.purchaseOrderId === order.id,
    );
    const replay: SQSEvent = { Records: events.map(sqsRecord) };
    const answers = (await Promise.all([notifyHandler(replay), notifyHandler(replay)])) as SQSBatchResponse[];
    expect(answers.flatMap((a) => a.batchItemFailures)).toEqual([]);

    const mail = await until(
      'The supplier’s e-mail',
      async () => (await api.call('GET', `/local/outbox?workOrderId=${order.id}`)).body.items,
      (items: any[]) => items.length > 0,
    );
    expect(await ordersFor(id)).toHaveLength(1);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      audience: 'supplier',
      template: 'purchase_order',
      channel: 'email',
      to: 'orders@northern-heating.example.com',
      subject: `Purchase order ${order.number} from Irwell Heating & Electrical Ltd`,
      attachments: [{ documentId: `purchase_order_${order.id}`, filename: `Purchase-order-${order.number}.pdf` }],
    });
    expect(mail[0].text).toContain('3 × PRV-VALVE Boiler pressure relief valve');
    const document = await getDocument(`purchase_order_${order.id}`);
    expect(document).toMatchObject({ kind: 'purchase_order', customerId: 'supplier:sup_northern_heating' });
    const pdf = Buffer.from(await documentBytes(document as NonNullable<typeof document>));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    // The office still hears of the request.
    const officeMail = (await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items;
    expect(officeMail.filter((m: any) => m.template === 'office_parts_request')).toHaveLength(1);
  });

  it('adds a receipt to the depot once, however many receive it at once, and refuses a second receipt', async () => {
    expect(order).toBeDefined();
    const before = await depotQty('PRV-VALVE', order.depotId);
    const receipts = await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) =>
        api.call('POST', `/v1/purchase-orders/${order.id}/receive`, {
          token: office,
          headers: { 'idempotency-key': `po-receive-${key}` },
          body: {},
        }),
      ),
    );
    const statuses = receipts.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    for (const refused of receipts.filter((r) => r.status === 409)) {
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.code).toBe('purchaseorder.already_received');
    }
    expect(await depotQty('PRV-VALVE', order.depotId)).toBe(before + 3);

    const again = await api.call('POST', `/v1/purchase-orders/${order.id}/receive`, {
      token: admin,
      headers: { 'idempotency-key': 'po-receive-later' },
      body: {},
    });
    expect(again.status).toBe(409);
    expect(await depotQty('PRV-VALVE', order.depotId)).toBe(before + 3);
    const read = await api.call('GET', `/v1/purchase-orders/${order.id}`, { token: office });
    expect(read.body).toMatchObject({ status: 'received', receivedAt: expect.any(String) });
    const received = await api.call('GET', '/v1/purchase-orders?status=received', { token: office });
    expect(received.body.items.map((po: any) => po.id)).toContain(order.id);
  });

  const valve = async () => (await api.call('GET', '/v1/parts/PRV-VALVE', { token: office })).body;

  /** Closes a job that used enough valves to take their stock one below the reorder point; its reorder's order. */
  async function valvesBelowReorderPoint(key: string): Promise<{ id: string; order: any }> {
    const { stock, reorderPoint } = await valve();
    const { id, engineer } = await jobUnderWay(key, {
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      contact: 'Chapel Street tenant',
    });
    const arrived = { eventId: `evt-${id}-on-site`, status: 'on_site', at: new Date().toISOString() };
    const status = await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body: arrived });
    expect(status.status).toBe(200);
    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: `evt-${id}-done`,
        outcome: 'fixed',
        findings: 'Pressure relief valve passing',
        workDone: 'Replaced the pressure relief valve',
        partsUsed: [{ sku: 'PRV-VALVE', qty: stock - reorderPoint + 1 }],
      },
    });
    expect(done.status).toBe(202);
    await api.waitFor(id, (w) => w.status === 'closed', patience);
    expect((await valve()).stock).toBe(reorderPoint - 1);
    const [order] = await until(
      'The reorder’s purchase order',
      async () => (await ordersFor(id)).filter((po) => po.reason === 'reorder'),
      (items) => items.length > 0,
    );
    return { id, order };
  }

  it('orders a part that fell below its reorder point from its supplier, and the receipt closes the reorder', async () => {
    const { reorderPoint } = await valve();
    const { id, order: reorderOrder } = await valvesBelowReorderPoint('po-reorder-1');
    // Enough to bring the stock to twice its reorder point.
    expect(reorderOrder).toMatchObject({
      supplierId: 'sup_northern_heating',
      status: 'sent',
      lines: [{ sku: 'PRV-VALVE', qty: reorderPoint + 1 }],
    });
    expect(await getReorder('PRV-VALVE', id)).toMatchObject({ status: 'ordered' });
    const mail = await until(
      'The supplier’s e-mail',
      async () => (await api.call('GET', `/local/outbox?workOrderId=${reorderOrder.id}`)).body.items,
      (items: any[]) => items.length > 0,
    );
    expect(mail).toMatchObject([{ template: 'purchase_order', to: 'orders@northern-heating.example.com' }]);

    const received = await api.call('POST', `/v1/purchase-orders/${reorderOrder.id}/receive`, {
      token: office,
      headers: { 'idempotency-key': 'po-reorder-receive' },
      body: {},
    });
    expect(received.status).toBe(200);
    expect((await valve()).stock).toBe(reorderPoint * 2);
    expect(await getReorder('PRV-VALVE', id)).toMatchObject({ status: 'received' });
  });

  it('cancels an order once, tells the supplier, reopens its reorder, and refuses to receive it', async () => {
    const { id, order } = await valvesBelowReorderPoint('po-reorder-2');
    const before = await valve();
    const cancel = (key: string) =>
      api.call('POST', `/v1/purchase-orders/${order.id}/cancel`, {
        token: office,
        headers: { 'idempotency-key': key },
        body: { reason: 'Collected from the merchant instead' },
      });
    const cancels = await Promise.all(['a', 'b', 'c', 'd'].map((key) => cancel(`po-cancel-${key}`)));
    expect(cancels.map((reply) => reply.status).sort()).toEqual([200, 409, 409, 409]);
    for (const refused of cancels.filter((reply) => reply.status === 409)) {
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.code).toBe('purchaseorder.cancelled');
    }
    // A retry of the winning cancel answers as it did.
    const winner = cancels.findIndex((reply) => reply.status === 200);
    const won = cancels[winner]?.body;
    expect((await cancel(`po-cancel-${'abcd'[winner]}`)).body).toEqual(won);
    expect(won).toMatchObject({
      status: 'cancelled',
      cancelledAt: expect.any(String),
      cancelReason: 'Collected from the merchant instead',
    });
    // Nothing is on order for the low stock any more: the reorder is open again.
    expect(await getReorder('PRV-VALVE', id)).toMatchObject({ status: 'open' });

    const receipt = await api.call('POST', `/v1/purchase-orders/${order.id}/receive`, {
      token: office,
      headers: { 'idempotency-key': 'po-cancelled-receive' },
      body: {},
    });
    expect(receipt.status).toBe(409);
    expect(receipt.body.code).toBe('purchaseorder.cancelled');
    expect((await valve()).stock).toBe(before.stock);

    const mail = await until(
      'The supplier’s cancellation',
      async () => (await api.call('GET', `/local/outbox?workOrderId=${order.id}`)).body.items,
      (items: any[]) => items.some((m) => m.template === 'purchase_order_cancelled'),
    );
    const told = mail.filter((m: any) => m.template === 'purchase_order_cancelled');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      to: 'orders@northern-heating.example.com',
      subject: `Purchase order ${order.number} from Irwell Heating & Electrical Ltd is cancelled`,
    });
    expect(told[0].text).toContain('Reason: Collected from the merchant instead');
  });

  it('lets one of a receipt and a cancel racing for an order win, and the stock follows the winner', async () => {
    const raised = await api.call('POST', '/v1/purchase-orders', {
      token: office,
      headers: { 'idempotency-key': 'po-race-cancel-receive' },
      body: { supplierId: 'sup_voltline', depotId: 'depot_oldham', lines: [{ sku: 'MCB-32A', qty: 4 }] },
    });
    expect(raised.status).toBe(201);
    const before = await depotQty('MCB-32A', 'depot_oldham');
    const path = `/v1/purchase-orders/${raised.body.id}`;
    const [receipt, cancel] = await Promise.all([
      api.call('POST', `${path}/receive`, { token: office, headers: { 'idempotency-key': 'race-r' }, body: {} }),
      api.call('POST', `${path}/cancel`, { token: office, headers: { 'idempotency-key': 'race-c' }, body: {} }),
    ]);
    expect([receipt.status, cancel.status].sort()).toEqual([200, 409]);
    const final = (await api.call('GET', path, { token: office })).body.status;
    expect(final).toBe(receipt.status === 200 ? 'received' : 'cancelled');
    expect(await depotQty('MCB-32A', 'depot_oldham')).toBe(before + (receipt.status === 200 ? 4 : 0));
  });

  it('raises no purchase order for a part with no supplier, and the office still hears of the request', async () => {
    const patched = await api.call('PATCH', '/v1/parts/SMOKE-DET-OPT', {
      token: admin,
      headers: { 'if-match': '*' },
      body: { supplierId: null },
    });
    expect(patched.status).toBe(200);
    expect(job).toBeDefined();
    const { id, engineer } = job;
    const request = { eventId: 'evt-po-smoke', sku: 'SMOKE-DET-OPT', qty: 2 };
    expect(
      (await api.call('POST', `/v1/work-orders/${id}/parts-requests`, { token: engineer, body: request })).status,
    ).toBe(200);
    await until(
      'The office’s second message',
      async () => (await api.call('GET', `/local/outbox?workOrderId=${id}`)).body.items,
      (items: any[]) => items.filter((m) => m.template === 'office_parts_request').length === 2,
    );
    // Still only the valve's order: the detectors' request raised none.
    expect((await ordersFor(id)).map((po) => po.lines[0].sku)).toEqual(['PRV-VALVE']);
  });

  it('orders by hand once per Idempotency-Key, and refuses bad input and other roles', async () => {
    const body = { supplierId: 'sup_voltline', depotId: 'depot_oldham', lines: [{ sku: 'MCB-32A', qty: 10 }] };
    const send = (token: string, key: string | undefined, sent: unknown) =>
      api.call('POST', '/v1/purchase-orders', {
        token,
        headers: key ? { 'idempotency-key': key } : {},
        body: sent,
      });
    const first = await send(office, 'po-manual-1', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ reason: 'manual', status: 'sent', lines: [{ sku: 'MCB-32A', qty: 10 }] });
    const retried = await send(office, 'po-manual-1', body);
    expect(retried.body.id).toBe(first.body.id);

    for (const bad of [
      { ...body, lines: [] },
      { ...body, lines: [{ sku: 'MCB-32A', qty: -1 }] },
      { ...body, lines: [{ sku: 'NO-SUCH-PART', qty: 1 }] },
      { ...body, supplierId: 'sup_nobody' },
      { ...body, extra: true },
    ]) {
      const reply = await send(office, `po-bad-${JSON.stringify(bad).length}-${Math.random()}`, bad);
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await send(office, undefined, body)).status).toBe(400);
    const badReceive = await api.call('POST', `/v1/purchase-orders/${first.body.id}/receive`, {
      token: office,
      headers: { 'idempotency-key': 'po-bad-receive' },
      body: { depotId: 42 },
    });
    expect(badReceive.status).toBe(400);

    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    expect((await send(customer, 'po-customer', body)).status).toBe(403);
    expect((await api.call('GET', '/v1/purchase-orders', { token: customer })).status).toBe(403);
    const approver = await api.token({ role: 'approver' });
    expect((await send(approver, 'po-approver', body)).status).toBe(403);
  });

  it('lets an admin keep suppliers like the other reference lists', async () => {
    const created = await api.call('POST', '/v1/suppliers', {
      token: admin,
      headers: { 'idempotency-key': 'supplier-1' },
      body: { name: 'Pennine Fire Supplies', email: 'sales@pennine-fire.example.com' },
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^sup_/);
    const listed = await api.call('GET', '/v1/suppliers', { token: office });
    expect(listed.body.items.map((s: any) => s.id)).toEqual(
      expect.arrayContaining(['sup_northern_heating', 'sup_voltline', created.body.id]),
    );
    const unknown = await api.call('PATCH', '/v1/parts/MCB-32A', {
      token: admin,
      headers: { 'if-match': '*' },
      body: { supplierId: 'sup_nobody' },
    });
    expect(unknown.status).toBe(400);
  });
});
