import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let customer: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
});
afterAll(() => api.close());

const replacementQuote = {
  customerId: 'cus_northwest_homes',
  siteId: 'site_ancoats',
  assetIds: ['asset_boiler_ancoats'],
  jobType: 'boiler_replacement',
  description: 'Replace the combi boiler with a Greenstar 30i and a new flue',
  lines: [
    { description: 'Greenstar 30i combi boiler', qty: 1, unitMinor: 145_000, sku: 'BOILER-COMBI-30' },
    { description: 'Horizontal flue kit', qty: 1, unitMinor: 8_900, sku: 'FLUE-KIT-STD' },
    { description: 'Installation labour, one day', qty: 8, unitMinor: 6_500 },
  ],
};

async function sendQuote(key: string, body: unknown = replacementQuote) {
  return api.call('POST', '/v1/quotes', { token: office, headers: { 'idempotency-key': key }, body });
}

describe('quotes', () => {
  it('prices a quote with VAT and numbers it', async () => {
    const reply = await sendQuote('quote-1');

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ status: 'sent', subtotalMinor: 205_900, taxMinor: 41_180, totalMinor: 247_080 });
    expect(reply.body.number).toMatch(/^Q-\d{6}$/);
  });

  it('turns an accepted quote into one work order, linked both ways, however often it is accepted', async () => {
    const sent = (await sendQuote('quote-2')).body;

    const first = await api.call('POST', `/v1/quotes/${sent.id}/accept`, { token: customer });
    const second = await api.call('POST', `/v1/quotes/${sent.id}/accept`, { token: customer });
    const byOffice = await api.call('POST', `/v1/quotes/${sent.id}/accept`, { token: office });

    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(byOffice.body).toEqual(first.body);
    const quote = await api.call('GET', `/v1/quotes/${sent.id}`, { token: customer });
    expect(quote.body).toMatchObject({ status: 'accepted', workOrderId: first.body.workOrderId });
    // The customer agreed the price: no approval step; straight on to scheduling with the quoted parts.
    const wo = await api.waitFor(first.body.workOrderId, (w) => w.status === 'dispatched');
    expect(wo).toMatchObject({
      source: 'quote',
      quoteId: sent.id,
      approvalRequired: false,
      estimatedCostMinor: 247_080,
    });
    expect(wo.parts).toEqual([
      { sku: 'BOILER-COMBI-30', qty: 1 },
      { sku: 'FLUE-KIT-STD', qty: 1 },
    ]);
    const mine = await api.call('GET', '/v1/work-orders?limit=200', { token: office });
    expect(mine.body.items.filter((w: { quoteId?: string }) => w.quoteId === sent.id)).toHaveLength(1);
  });

  it("hides a quote from another customer (404) and refuses quotes for another customer's site or unknown parts", async () => {
    const sent = (await sendQuote('quote-3')).body;
    const stranger = await api.token({ role: 'customer', customerId: 'cus_okafor' });

    expect((await api.call('GET', `/v1/quotes/${sent.id}`, { token: stranger })).status).toBe(404);
    expect((await api.call('POST', `/v1/quotes/${sent.id}/accept`, { token: stranger })).status).toBe(404);
    expect((await sendQuote('quote-4', { ...replacementQuote, siteId: 'site_didsbury' })).status).toBe(404);
    const unknownPart = {
      ...replacementQuote,
      lines: [{ description: 'Widget', qty: 1, unitMinor: 100, sku: 'NOPE' }],
    };
    expect((await sendQuote('quote-5', unknownPart)).status).toBe(400);
    expect((await sendQuote('quote-6', { ...replacementQuote, status: 'accepted' })).status).toBe(400);
  });
});
