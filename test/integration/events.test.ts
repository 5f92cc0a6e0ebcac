import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

async function createReplacement(key: string) {
  const reply = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_replacement',
      description: 'New boiler',
    },
  });
  return reply.body.id as string;
}

describe('the change feed', () => {
  it('lists every status change of a work order in order, and continues from a cursor', async () => {
    const start = await api.call('GET', '/v1/events?limit=500', { token: office });
    const id = await createReplacement('feed-1');
    await api.waitFor(id, (wo) => wo.status === 'pending_approval' && wo.waitingFor === 'approval');

    const page = await api.feedUntil(
      start.body.nextCursor,
      (items) => items.filter((e: { workOrderId?: string }) => e.workOrderId === id).length >= 2,
    );

    const mine = page.items.filter((e: { workOrderId?: string }) => e.workOrderId === id);
    expect(mine.map((e: { type: string }) => e.type)).toEqual(['workorder.logged', 'workorder.status_changed']);
    expect(mine[1].data).toMatchObject({ from: 'logged', to: 'pending_approval' });
    const cursors = page.items.map((e: { cursor: string }) => e.cursor);
    expect(cursors).toEqual([...cursors].sort());
    expect(page.nextCursor).toBe(cursors.at(-1));

    const after = await api.call('GET', `/v1/events?after=${page.nextCursor}`, { token: office });
    expect(after.body.items).toEqual([]);
    expect(after.body.nextCursor).toBe(page.nextCursor);
  });

  it('refuses a cursor that is not one of its own with 400, and customers with 403', async () => {
    expect((await api.call('GET', '/v1/events?after=not-a-cursor', { token: office })).status).toBe(400);
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    expect((await api.call('GET', '/v1/events', { token: customer })).status).toBe(403);
  });

  it('streams what happens next as Server-Sent Events on the local server', async () => {
    const controller = new AbortController();
    const response = await fetch(`${api.runtime.url}/v1/events/stream?access_token=${office}`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const id = await createReplacement('feed-stream-1');

    let received = '';
    const deadline = Date.now() + 10_000;
    while (!received.includes(`"workOrderId":"${id}"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    controller.abort();

    expect(received).toContain('event: workorder.logged');
    expect(received).toContain(`"workOrderId":"${id}"`);
  });

  it('refuses the stream without a valid office token', async () => {
    const anonymous = await fetch(`${api.runtime.url}/v1/events/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    const engineer = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
    expect((await fetch(`${api.runtime.url}/v1/events/stream?access_token=${engineer}`)).status).toBe(403);
  });
});
