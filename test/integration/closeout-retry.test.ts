import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreThrottled } from '#shared/errors.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** How many more times the stock step fails, after taking the stock, before it succeeds. */
const stockFailures = vi.hoisted(() => ({ left: 0 }));

// The stock step takes the parts from stock and then fails, as a Lambda that dies after its write would: the whole
// Closeout task is retried, and every step runs again.
vi.mock('#shared/closeout/stock.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('#shared/closeout/stock.ts')>();
  return {
    ...original,
    updateStock: async (options: { workOrderId: string }) => {
      const taken = await original.updateStock(options);
      if (stockFailures.left > 0) {
        stockFailures.left--;
        throw new StoreThrottled();
      }
      return taken;
    },
  };
});

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ retryIntervalOverrides: { Closeout: 0 } });
});

afterAll(() => api.close());

describe('closeout, one task of five steps, retried after one of them failed', () => {
  it('invoices once and takes the stock once, and closes the job unflagged', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    const office = await api.token({ role: 'dispatcher' });
    const stockBefore = (await api.call('GET', '/v1/parts/COMP-FITTING-15', { token: office })).body.stock;
    const logged = await api.call('POST', '/v1/requests', {
      token: customer,
      headers: { 'idempotency-key': 'closeout-retry-1' },
      body: { siteId: 'site_salford', category: 'leak', description: 'Drip under the sink', contact: { name: 'Jo' } },
    });
    const id = logged.body.id as string;
    const dispatched = await api.waitFor(id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
    const engineer = await api.token({ role: 'engineer', engineerId: dispatched.engineerId });
    await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } });
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    await api.call('POST', `/v1/work-orders/${id}/status`, {
      token: engineer,
      body: { eventId: 'closeout-retry-on-site', status: 'on_site', at: new Date().toISOString() },
    });
    stockFailures.left = 2;

    const completed = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: 'closeout-retry-done',
        outcome: 'fixed',
        findings: 'Perished washer',
        workDone: 'Replaced the compression fitting',
        partsUsed: [{ sku: 'COMP-FITTING-15', qty: 3 }],
      },
    });

    expect(completed.status).toBe(202);
    const closed = await api.waitFor(id, (wo) => wo.status === 'closed');
    expect(stockFailures.left).toBe(0);
    expect(closed.attention).toBeUndefined();
    const invoices = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });
    expect(invoices.body.items).toHaveLength(1);
    expect((await api.call('GET', '/v1/parts/COMP-FITTING-15', { token: office })).body.stock).toBe(stockBefore - 3);
    const execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    expect(execution.body.status).toBe('SUCCEEDED');
    const closeoutAttempts = execution.body.events.filter(
      (event: { type: string; state?: string }) => event.type === 'TaskStateEntered' && event.state === 'Closeout',
    );
    const failed = execution.body.events.filter((event: { type: string }) => event.type === 'TaskFailed');
    expect(closeoutAttempts).toHaveLength(1);
    expect(failed.map((event: { detail?: string }) => event.detail)).toEqual(['Store.Throttled', 'Store.Throttled']);
  });
});
