import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let customer: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  customer = await api.token({ role: 'customer', customerId: 'cus_pennine_fm' });
});
afterAll(() => api.close());

const report = (key: string, description: string, category = 'fire_alarm_fault') =>
  api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': key },
    body: { siteId: 'site_stockport', category, description, contact: { name: 'Raj Mistry' } },
  });

describe('duplicate requests', () => {
  it('links a second request for the same site and category to the open work order, and the office sees it', async () => {
    const first = await report('dup-1', 'Fire panel showing a fault on zone 3');
    const second = await report('dup-2', 'Fire alarm panel beeping, zone 3 fault light');
    const other = await report('dup-3', 'Drain outside the kitchen is blocked', 'blocked_drain');

    expect(first.body.linked).toBe(false);
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ id: first.body.id, ref: first.body.ref, linked: true });
    expect(other.body.id).not.toBe(first.body.id);
    const wo = await api.waitFor(first.body.id, () => true);
    expect(wo.linkedRequests).toHaveLength(1);
    expect(wo.linkedRequests[0].request.description).toMatch(/beeping/);
    expect(wo.timeline.map((e: { type: string }) => e.type)).toContain('request_linked');
    const mine = await api.call('GET', '/v1/requests?limit=200', { token: customer });
    expect(mine.body.items.filter((r: { category: string }) => r.category === 'fire_alarm_fault')).toHaveLength(1);
  });

  it('lets the office split a linked request off into a work order of its own, once', async () => {
    const first = await report('split-1', 'Smoke detector chirping in the lobby', 'general_maintenance');
    const second = await report('split-2', 'Lobby door closer broken', 'general_maintenance');
    const wo = await api.waitFor(first.body.id, (w) => (w.linkedRequests ?? []).length === 1);
    const requestId = wo.linkedRequests[0].requestId;

    const split = await api.call('POST', `/v1/work-orders/${first.body.id}/split`, {
      token: office,
      body: { requestId },
    });
    const again = await api.call('POST', `/v1/work-orders/${first.body.id}/split`, {
      token: office,
      body: { requestId },
    });

    expect(second.body.linked).toBe(true);
    expect(split.status).toBe(201);
    expect(split.body).toMatchObject({ id: requestId, description: 'Lobby door closer broken' });
    expect(again.body.id).toBe(requestId);
    const original = await api.waitFor(first.body.id, () => true);
    expect(original.linkedRequests).toEqual([]);
    expect(original.timeline.map((e: { type: string }) => e.type)).toContain('request_split');
    const unknown = await api.call('POST', `/v1/work-orders/${first.body.id}/split`, {
      token: office,
      body: { requestId: 'wo_nope' },
    });
    expect(unknown.status).toBe(404);
  });
});
