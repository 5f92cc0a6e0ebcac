import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

const plannedFor = async (assetId: string) => {
  const list = await api.call('GET', '/v1/work-orders?limit=200', { token: office });
  return list.body.items.filter(
    (wo: { source: string; assetIds: string[] }) => wo.source === 'planned' && wo.assetIds.includes(assetId),
  );
};

describe('the planned maintenance run', () => {
  it("books the boiler's service falling due within the horizon once, and sets it off to be scheduled", async () => {
    const boiler = await api.call('GET', '/v1/assets/asset_boiler_ancoats', { token: office });

    const first = await api.call('POST', '/local/due', { body: { horizonDays: 60 } });
    const again = await api.call('POST', '/local/due', { body: { horizonDays: 60 } });

    expect(first.status).toBe(200);
    const booked = first.body.booked.find((b: { assetId: string }) => b.assetId === 'asset_boiler_ancoats');
    expect(booked).toMatchObject({ dueDate: boiler.body.nextServiceDue });
    expect(again.body.booked).toEqual(first.body.booked);
    const services = await plannedFor('asset_boiler_ancoats');
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({
      id: booked.workOrderId,
      jobType: 'boiler_service',
      plannedFor: booked.dueDate,
    });
    const scheduled = await api.waitFor(booked.workOrderId, (wo) => wo.status === 'dispatched');
    expect(['eng_amira', 'eng_priya']).toContain(scheduled.engineerId);
  });

  it('leaves out assets whose service is not due within the horizon', async () => {
    const reply = await api.call('POST', '/local/due', { body: { horizonDays: 1 } });

    expect(reply.status).toBe(200);
    expect(reply.body.booked).toEqual([]);
  });
});
