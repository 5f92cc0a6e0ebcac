import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWholeBoard } from '#shared/db/work-orders.ts';
import { type LocalApi, persistently, startLocalApi } from '../fixtures/local-api.ts';
import { taskStateNames } from '../fixtures/task-states.ts';

let api: LocalApi;
let office: string;

beforeAll(async () => {
  api = await startLocalApi({
    retryIntervalOverrides: Object.fromEntries(taskStateNames().map((name) => [name, 20])),
  });
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

describe('a throttled table', () => {
  it('refusing a fifth of all calls loses, duplicates and fails nothing: 50 work orders from request to invoice', async () => {
    const count = 50;
    api.runtime.throttle(0.2);

    const created = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        persistently(() =>
          api.call('POST', '/v1/work-orders', {
            token: office,
            headers: { 'idempotency-key': `throttled-${i}` },
            body: {
              customerId: 'cus_okafor',
              siteId: 'site_didsbury',
              jobType: 'general_maintenance',
              description: `Throttled job ${i}`,
            },
          }),
        ),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(count).fill(201));
    const ids = created.map((r) => r.body.id as string);

    await Promise.all(
      ids.map(async (id) => {
        const wo = await api.waitFor(id, (w) => w.waitingFor === 'acknowledgement', 120_000, 250);
        const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
        const post = (action: string, body: unknown) => () =>
          api.call('POST', `/v1/work-orders/${id}/${action}`, { token: engineer, body });
        expect((await persistently(post('acknowledge', { accept: true }))).status).toBe(200);
        const at = new Date().toISOString();
        expect(
          (await persistently(post('status', { eventId: `evt-${id}-go`, status: 'in_progress', at }))).status,
        ).toBe(200);
        const done = await persistently(
          post('complete', {
            eventId: `evt-${id}-done`,
            outcome: 'fixed',
            findings: 'Worn washer',
            workDone: 'Replaced it',
            partsUsed: [],
          }),
        );
        expect(done.status).toBe(202);
        await api.waitFor(id, (w) => w.status === 'closed' || w.attention !== undefined, 120_000, 250);
      }),
    );

    api.runtime.throttle(0);
    const stored = [...(await listWholeBoard('open')), ...(await listWholeBoard('done'))].filter((wo) =>
      wo.description.startsWith('Throttled job'),
    );
    expect(stored).toHaveLength(count);
    expect(stored.filter((wo) => wo.status === 'closed')).toHaveLength(count);
    expect(stored.filter((wo) => wo.attention !== undefined)).toEqual([]);
    const numbers: string[] = [];
    for (const id of ids) {
      const invoices = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });
      expect(invoices.body.items).toHaveLength(1);
      numbers.push(invoices.body.items[0].number);
      const execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
      expect(execution.body.status).toBe('SUCCEEDED');
    }
    expect(new Set(numbers).size).toBe(count);
  }, 400_000);
});
