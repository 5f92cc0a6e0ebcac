import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableKeys } from '#shared/db/table.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/*
 * gsi2, gsi3 and gsi4 project keys only (shared/db/table.ts): every list read through them must still answer whole
 * records, each the same as reading the record itself.
 */

let api: LocalApi;
let office: string;
let engineer: string;
let id: string;
let job: any;

beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
  const logged = await api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': 'keys-only-1' },
    body: {
      siteId: 'site_salford',
      category: 'leak',
      description: 'Water through the bathroom ceiling',
      contact: { name: 'Jo Whitfield', phone: '+44 161 555 0142' },
    },
  });
  id = logged.body.id;
  job = await api.waitFor(id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
  engineer = await api.token({ role: 'engineer', engineerId: job.engineerId });
});

afterAll(() => api.close());

const day = () => String(job.scheduledStart).slice(0, 10);

describe('lists read through the keys-only indexes answer whole records', () => {
  it('has the keys-only indexes these lists read', () => {
    const keysOnly = tableKeys.globalIndexes.filter((index) => index.projection === 'KEYS_ONLY');

    expect(keysOnly.map((index) => index.indexName)).toEqual(['gsi2', 'gsi3', 'gsi4']);
  });

  it('the job list (gsi3, the board) answers each work order as reading it does', async () => {
    const list = await api.call('GET', '/v1/work-orders?limit=200', { token: office });
    const one = await api.call('GET', `/v1/work-orders/${id}`, { token: office });

    const listed = list.body.items.find((item: { id: string }) => item.id === id);
    expect(listed).toMatchObject({
      description: 'Water through the bathroom ceiling',
      contact: { name: 'Jo Whitfield' },
      siteId: 'site_salford',
      engineerId: job.engineerId,
      scheduledStart: job.scheduledStart,
    });
    expect(one.body).toMatchObject(listed);
  });

  it("an engineer's jobs in the job list (gsi2) and their day (gsi2) are whole", async () => {
    const byEngineer = await api.call('GET', `/v1/work-orders?engineerId=${job.engineerId}`, { token: office });
    const myDay = await api.call('GET', `/v1/me/jobs?date=${day()}`, { token: engineer });

    expect(byEngineer.body.items.find((item: { id: string }) => item.id === id)).toMatchObject({
      description: 'Water through the bathroom ceiling',
      siteId: 'site_salford',
    });
    expect(myDay.body.items.find((item: { id: string }) => item.id === id)).toMatchObject({
      description: 'Water through the bathroom ceiling',
      contact: { name: 'Jo Whitfield' },
    });
  });

  it("the dispatch board (gsi4, every engineer's planned day; gsi3, the open work) shows the job in full", async () => {
    const board = await api.call('GET', `/v1/dispatch-board?date=${day()}`, { token: office });

    const column = board.body.engineers.find((e: { id: string }) => e.id === job.engineerId);
    expect(column.jobs.find((card: { id: string }) => card.id === id)).toMatchObject({
      status: 'dispatched',
      priority: job.priority,
      scheduledStart: job.scheduledStart,
      siteId: 'site_salford',
      description: 'Water through the bathroom ceiling',
      estimatedMinutes: job.estimatedMinutes,
    });
  });

  it('the sites (gsi2) and assets (gsi3) lists answer each record as reading it does', async () => {
    const sites = await api.call('GET', '/v1/sites?limit=200', { token: office });
    const assets = await api.call('GET', '/v1/assets?limit=200', { token: office });
    const site = await api.call('GET', '/v1/sites/site_salford', { token: office });
    const asset = await api.call('GET', '/v1/assets/asset_boiler_ancoats', { token: office });

    expect(sites.body.items.find((item: { siteId: string }) => item.siteId === 'site_salford')).toEqual(site.body);
    expect(
      assets.body.items.find((item: { assetId: string }) => item.assetId === 'asset_boiler_ancoats'),
    ).toMatchObject({
      assetId: 'asset_boiler_ancoats',
      siteId: asset.body.siteId,
      servicePlan: asset.body.servicePlan,
    });
  });

  it("a customer's invoices (gsi2) are whole", async () => {
    await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } });
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    const at = new Date().toISOString();
    await api.call('POST', `/v1/work-orders/${id}/status`, {
      token: engineer,
      body: { eventId: 'keys-only-on-site', status: 'on_site', at },
    });
    await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: 'keys-only-done',
        outcome: 'fixed',
        findings: 'Split pipe',
        workDone: 'Replaced the joint',
        partsUsed: [{ sku: 'COMP-FITTING-15', qty: 1 }],
      },
    });
    await api.waitFor(id, (wo) => wo.status === 'closed');

    const ofCustomer = await api.call('GET', '/v1/invoices?customerId=cus_northwest_homes', { token: office });
    const ofJob = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });

    const invoice = ofJob.body.items[0];
    expect(invoice.lines.length).toBeGreaterThan(0);
    expect(ofCustomer.body.items.find((item: { invoiceId: string }) => item.invoiceId === invoice.invoiceId)).toEqual(
      invoice,
    );
  });
});
