import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getPart } from '#shared/db/reference.ts';
import { db } from '#shared/db/service.ts';
import { holdingsOf, putHolding, takeFromStock } from '#shared/db/stock.ts';
import { closeoutAgain } from '../fixtures/closeout.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/**
 * Something to do once between a take's reads and its transaction, as a writer racing it would (the office
 * recounting a van): the store's own commit runs after it, and every other commit passes straight through.
 */
const meanwhile = vi.hoisted(() => ({ next: undefined as (() => Promise<void>) | undefined }));

vi.mock('#shared/db/service.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('#shared/db/service.ts')>();
  return {
    ...original,
    commit: async (go: Parameters<typeof original.commit>[0]) => {
      const between = meanwhile.next;
      meanwhile.next = undefined;
      await between?.();
      return original.commit(go);
    },
  };
});

/**
 * A job's parts are taken from where they came from: the van of the engineer who did the job first, then the depot
 * holding most, in the transaction that takes them from the business's stock figure, once per work order.
 */
let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(() => api?.close());

const at = new Date().toISOString();

/** What each holder holds of a part, as `kind:id` → qty. */
async function held(sku: string): Promise<Record<string, number>> {
  const holdings = await holdingsOf(sku);
  return Object.fromEntries(holdings.map((h) => [`${h.holderKind}:${h.holderId}`, h.qty]));
}

/** Sets the counts of a part's holders, as the office would. */
async function counted(sku: string, counts: Record<string, number>): Promise<void> {
  for (const [holder, qty] of Object.entries(counts)) {
    const [holderKind, holderId] = holder.split(':') as ['depot' | 'van', string];
    await putHolding({ sku, holderKind, holderId, qty, updatedAt: at });
  }
}

const stockOf = async (sku: string) => (await getPart(sku))?.stock;

/** Every movement of a part, as stored. */
async function movementsOf(sku: string) {
  const { data } = await db().entities.stockMovement.query.primary({ sku }).go({ pages: 'all' });
  return data;
}

describe('taking a used part from the holding it came from', () => {
  it("takes a part the engineer's van holds from the van, and records so on the movement", async () => {
    await counted('SMOKE-DET-OPT', { 'van:eng_omar': 6, 'depot:depot_oldham': 14 });
    const before = await held('SMOKE-DET-OPT');
    const stock = await stockOf('SMOKE-DET-OPT');

    const result = await takeFromStock({
      sku: 'SMOKE-DET-OPT',
      workOrderId: 'wo_van_smoke',
      qty: 2,
      at,
      engineerId: 'eng_omar',
    });

    expect(result).toEqual({
      taken: true,
      reorder: false,
      takenFrom: [{ holderKind: 'van', holderId: 'eng_omar', qty: 2 }],
    });
    expect(await held('SMOKE-DET-OPT')).toEqual({ ...before, 'van:eng_omar': 4 });
    expect(await stockOf('SMOKE-DET-OPT')).toBe((stock ?? 0) - 2);
    const [movement] = (await movementsOf('SMOKE-DET-OPT')).filter((m) => m.workOrderId === 'wo_van_smoke');
    expect(movement).toMatchObject({ qty: 2, takenFrom: [{ holderKind: 'van', holderId: 'eng_omar', qty: 2 }] });
  });

  it('takes nothing twice when the same work order takes again (a retried closeout)', async () => {
    await counted('SMOKE-DET-OPT', { 'van:eng_omar': 3 });
    const use = { sku: 'SMOKE-DET-OPT', workOrderId: 'wo_van_retried', qty: 1, at, engineerId: 'eng_omar' };
    const first = await takeFromStock(use);
    const before = await held('SMOKE-DET-OPT');
    const stock = await stockOf('SMOKE-DET-OPT');

    const again = await takeFromStock(use);

    expect(again).toEqual({ taken: false, reorder: false, takenFrom: first.takenFrom });
    expect(first.takenFrom).toEqual([{ holderKind: 'van', holderId: 'eng_omar', qty: 1 }]);
    expect(await held('SMOKE-DET-OPT')).toEqual(before);
    expect(await stockOf('SMOKE-DET-OPT')).toBe(stock);
    expect((await movementsOf('SMOKE-DET-OPT')).filter((m) => m.workOrderId === 'wo_van_retried')).toHaveLength(1);
  });

  it('empties the van and takes the rest from the depot holding most, raising the reorder as before', async () => {
    await counted('PRV-VALVE', { 'van:eng_priya': 1, 'depot:depot_trafford': 3, 'depot:depot_stockport': 2 });
    const stock = (await stockOf('PRV-VALVE')) ?? 0;

    const result = await takeFromStock({
      sku: 'PRV-VALVE',
      workOrderId: 'wo_van_valve',
      qty: 3,
      at,
      engineerId: 'eng_priya',
    });

    expect(result).toEqual({
      taken: true,
      reorder: true,
      takenFrom: [
        { holderKind: 'van', holderId: 'eng_priya', qty: 1 },
        { holderKind: 'depot', holderId: 'depot_trafford', qty: 2 },
      ],
    });
    expect(await held('PRV-VALVE')).toEqual({
      'van:eng_priya': 0,
      'depot:depot_trafford': 1,
      'depot:depot_stockport': 2,
    });
    expect(await stockOf('PRV-VALVE')).toBe(stock - 3);
  });

  it('takes from the depot holding most when the van holds none, or has no holding of it', async () => {
    await counted('MCB-32A', { 'van:eng_priya': 0, 'depot:depot_oldham': 12, 'depot:depot_trafford': 10 });
    const stock = (await stockOf('MCB-32A')) ?? 0;

    const emptyVan = await takeFromStock({
      sku: 'MCB-32A',
      workOrderId: 'wo_van_mcb_1',
      qty: 1,
      at,
      engineerId: 'eng_priya',
    });
    const noVan = await takeFromStock({
      sku: 'MCB-32A',
      workOrderId: 'wo_van_mcb_2',
      qty: 1,
      at,
      engineerId: 'eng_lucy',
    });

    expect(emptyVan.takenFrom).toEqual([{ holderKind: 'depot', holderId: 'depot_oldham', qty: 1 }]);
    expect(noVan.takenFrom).toEqual([{ holderKind: 'depot', holderId: 'depot_oldham', qty: 1 }]);
    expect(await held('MCB-32A')).toMatchObject({
      'van:eng_priya': 0,
      'depot:depot_oldham': 10,
      'depot:depot_trafford': 10,
      'van:eng_dan': 5,
      'van:eng_omar': 3,
    });
    expect(await stockOf('MCB-32A')).toBe(stock - 2);
  });

  it('takes no holding below none: past what the depots hold, the use comes from no holding', async () => {
    await counted('FLUE-KIT-STD', { 'depot:depot_trafford': 2, 'depot:depot_stockport': 1 });
    const stock = (await stockOf('FLUE-KIT-STD')) ?? 0;

    const result = await takeFromStock({ sku: 'FLUE-KIT-STD', workOrderId: 'wo_van_flue', qty: 4, at });

    expect(result.takenFrom).toEqual([
      { holderKind: 'depot', holderId: 'depot_trafford', qty: 2 },
      { holderKind: 'depot', holderId: 'depot_stockport', qty: 1 },
    ]);
    expect(await held('FLUE-KIT-STD')).toEqual({ 'depot:depot_trafford': 0, 'depot:depot_stockport': 0 });
    expect(await stockOf('FLUE-KIT-STD')).toBe(stock - 4);
  });

  it("lets ten jobs racing for one van's three take exactly three from it and the rest from the depots", async () => {
    await counted('COMP-FITTING-15', { 'van:eng_lucy': 3, 'depot:depot_stockport': 80, 'depot:depot_trafford': 60 });
    const stock = (await stockOf('COMP-FITTING-15')) ?? 0;
    const jobs = Array.from({ length: 10 }, (_, n) => `wo_van_race_${n}`);

    const results = await Promise.all(
      jobs.map((workOrderId) =>
        takeFromStock({ sku: 'COMP-FITTING-15', workOrderId, qty: 1, at, engineerId: 'eng_lucy' }),
      ),
    );

    expect(results.every((result) => result.taken)).toBe(true);
    const movements = (await movementsOf('COMP-FITTING-15')).filter((m) => jobs.includes(m.workOrderId));
    expect(movements).toHaveLength(10);
    const from = (kind: string) => movements.filter((m) => m.takenFrom?.[0]?.holderKind === kind);
    expect(from('van')).toHaveLength(3);
    expect(from('depot')).toHaveLength(7);
    expect(movements.every((m) => m.takenFrom?.length === 1 && m.takenFrom[0]?.qty === 1)).toBe(true);
    const after = await held('COMP-FITTING-15');
    expect(after['van:eng_lucy']).toBe(0);
    expect((after['depot:depot_stockport'] ?? 0) + (after['depot:depot_trafford'] ?? 0)).toBe(140 - 7);
    expect(await stockOf('COMP-FITTING-15')).toBe(stock - 10);
  });

  it('never overwrites a count the office makes while a job is taking from the van', async () => {
    await counted('SMOKE-DET-OPT', { 'van:eng_dan': 1 });
    meanwhile.next = () => counted('SMOKE-DET-OPT', { 'van:eng_dan': 4 });

    const result = await takeFromStock({
      sku: 'SMOKE-DET-OPT',
      workOrderId: 'wo_van_recount',
      qty: 1,
      at,
      engineerId: 'eng_dan',
    });

    expect(meanwhile.next).toBeUndefined();
    expect(result.takenFrom).toEqual([{ holderKind: 'van', holderId: 'eng_dan', qty: 1 }]);
    expect((await held('SMOKE-DET-OPT'))['van:eng_dan']).toBe(3);
  });
});

describe('closeout of a real job', () => {
  it("takes the parts the job used from its engineer's van, once however often closeout runs", async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    const logged = await api.call('POST', '/v1/requests', {
      token: customer,
      headers: { 'idempotency-key': 'van-stock-closeout' },
      body: { siteId: 'site_salford', category: 'leak', description: 'Drip under the sink', contact: { name: 'Jo' } },
    });
    const id = logged.body.id as string;
    const dispatched = await api.waitFor(id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
    const engineerId = dispatched.engineerId as string;
    await counted('INHIBITOR-1L', { [`van:${engineerId}`]: 2 });
    const before = await held('INHIBITOR-1L');
    const engineer = await api.token({ role: 'engineer', engineerId });
    await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } });
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    await api.call('POST', `/v1/work-orders/${id}/status`, {
      token: engineer,
      body: { eventId: 'van-stock-on-site', status: 'on_site', at: new Date().toISOString() },
    });

    const completed = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: 'van-stock-done',
        outcome: 'fixed',
        findings: 'Sludge in the system',
        workDone: 'Flushed and dosed with inhibitor',
        partsUsed: [{ sku: 'INHIBITOR-1L', qty: 1 }],
      },
    });
    expect(completed.status).toBe(202);
    await api.waitFor(id, (wo) => wo.status === 'closed');
    await closeoutAgain(id);

    const expected = { ...before, [`van:${engineerId}`]: 1 };
    expect(await held('INHIBITOR-1L')).toEqual(expected);
    const movements = (await movementsOf('INHIBITOR-1L')).filter((m) => m.workOrderId === id);
    expect(movements).toEqual([
      expect.objectContaining({ qty: 1, takenFrom: [{ holderKind: 'van', holderId: engineerId, qty: 1 }] }),
    ]);
  });
});
