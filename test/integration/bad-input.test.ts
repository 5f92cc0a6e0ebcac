import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, type Reply, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let customer: string;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

const request = {
  siteId: 'site_ancoats',
  category: 'leak',
  description: 'Dripping tap in the bathroom',
  contact: { name: 'Jo Whitfield' },
};

function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code });
  expect(typeof reply.body.title).toBe('string');
  expect(typeof reply.body.detail).toBe('string');
}

async function requestCount(): Promise<number> {
  return (await api.call('GET', '/v1/requests?limit=200', { token: customer })).body.items.length;
}

async function submit(body: unknown, key: string, token = customer) {
  return api.call('POST', '/v1/requests', { token, headers: { 'idempotency-key': key }, body });
}

describe('bad input gets a clear 4xx and writes nothing', () => {
  it('refuses malformed JSON with 400', async () => {
    const before = await requestCount();
    const reply = await api.call('POST', '/v1/requests', {
      token: customer,
      headers: { 'idempotency-key': 'bad-json' },
      rawBody: '{"siteId": "site_ancoats", "category": ',
    });
    expectProblem(reply, 400, 'request.validation_failed');
    expect(await requestCount()).toBe(before);
  });

  it('refuses a customer setting their own priority or status with 400 naming the fields', async () => {
    const before = await requestCount();
    const reply = await submit({ ...request, priority: 'P1', status: 'closed' }, 'sets-priority');
    expectProblem(reply, 400, 'request.validation_failed');
    expect(reply.body.detail).toMatch(/priority/);
    expect(reply.body.detail).toMatch(/status/);
    expect(await requestCount()).toBe(before);
  });

  it('refuses a request missing its required fields with 400', async () => {
    const reply = await submit({ siteId: 'site_ancoats' }, 'missing-fields');
    expectProblem(reply, 400, 'request.validation_failed');
    const paths = reply.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.category', 'body.description', 'body.contact']));
  });

  it('refuses a request without an Idempotency-Key with 400', async () => {
    const reply = await api.call('POST', '/v1/requests', { token: customer, body: request });
    expectProblem(reply, 400, 'request.validation_failed');
  });

  it('refuses a body over 256 KB with 413', async () => {
    const before = await requestCount();
    const reply = await submit({ ...request, description: 'x'.repeat(300 * 1024) }, 'too-large');
    expect(reply.status).toBe(413);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await requestCount()).toBe(before);
  });

  it('refuses a missing or bad token with 401', async () => {
    expectProblem(await api.call('GET', '/v1/requests'), 401, 'auth.unauthorized');
    expectProblem(await api.call('GET', '/v1/requests', { token: `${customer}x` }), 401, 'auth.unauthorized');
    expectProblem(await api.call('GET', '/v1/requests', { token: 'not-a-jwt' }), 401, 'auth.unauthorized');
  });

  it('refuses the wrong role with 403', async () => {
    expectProblem(await api.call('GET', '/v1/work-orders', { token: customer }), 403, 'auth.forbidden');
    const engineer = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
    expectProblem(await submit(request, 'engineer-submits', engineer), 403, 'auth.forbidden');
  });

  it("answers another customer's request id with 404, never revealing it exists", async () => {
    const mine = await submit(request, 'mine-1');
    const stranger = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const reply = await api.call('GET', `/v1/requests/${mine.body.id}`, { token: stranger });
    expectProblem(reply, 404, 'request.not_found');
  });

  it("refuses a request at another customer's site with 404", async () => {
    const reply = await submit({ ...request, siteId: 'site_didsbury' }, 'their-site');
    expectProblem(reply, 404, 'site.not_found');
  });

  it('answers an engineer acting on a job not assigned to them with 404', async () => {
    const mine = await submit(request, 'mine-2');
    const wo = await api.waitFor(mine.body.id, (w) => w.status === 'dispatched');
    const other = wo.engineerId === 'eng_lucy' ? 'eng_amira' : 'eng_lucy';
    const engineer = await api.token({ role: 'engineer', engineerId: other });
    const acknowledged = await api.call('POST', `/v1/work-orders/${wo.id}/acknowledge`, {
      token: engineer,
      body: { accept: true },
    });
    expectProblem(acknowledged, 404, 'work_order.not_found');
    const status = await api.call('POST', `/v1/work-orders/${wo.id}/status`, {
      token: engineer,
      body: { eventId: 'evt-not-mine-1', status: 'en_route', at: new Date().toISOString() },
    });
    expectProblem(status, 404, 'work_order.not_found');
    expect((await api.waitFor(wo.id, () => true)).version).toBe(wo.version);
  });

  it('refuses a transition the lifecycle does not allow with 409', async () => {
    const mine = await submit(request, 'mine-3');
    const wo = await api.waitFor(mine.body.id, (w) => w.status === 'dispatched');
    const approver = await api.token({ role: 'approver' });
    const reply = await api.call('POST', `/v1/work-orders/${wo.id}/approve`, { token: approver });
    expectProblem(reply, 409, 'workorder.invalid_transition');
    expect((await api.waitFor(wo.id, () => true)).version).toBe(wo.version);
  });

  it('refuses a PATCH with a stale If-Match with 412, and one without If-Match with 428', async () => {
    const mine = await submit(request, 'mine-4');
    const wo = await api.waitFor(mine.body.id, (w) => w.status === 'dispatched');
    const read = await api.call('GET', `/v1/work-orders/${wo.id}`, { token: office });
    const etag = read.headers.get('etag') as string;
    const patched = await api.call('PATCH', `/v1/work-orders/${wo.id}`, {
      token: office,
      headers: { 'if-match': etag },
      body: { accessInstructions: 'Ring the bell twice' },
    });
    expect(patched.status).toBe(409);
    const stale = await api.call('PATCH', `/v1/work-orders/${wo.id}`, {
      token: office,
      headers: { 'if-match': `"${Number(etag.replace(/"/g, '')) - 1}"` },
      body: { accessInstructions: 'Ring the bell twice' },
    });
    expectProblem(stale, 412, 'workorder.version_mismatch');
    const blind = await api.call('PATCH', `/v1/work-orders/${wo.id}`, { token: office, body: { description: 'x' } });
    expectProblem(blind, 428, 'request.if_match_required');
  });

  it('accepts a PATCH with the current If-Match and answers the new ETag', async () => {
    const pending = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'patchable' },
      body: {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'boiler_replacement',
        description: 'New boiler',
      },
    });
    const wo = await api.waitFor(pending.body.id, (w) => w.status === 'pending_approval');
    const read = await api.call('GET', `/v1/work-orders/${wo.id}`, { token: office });

    const patched = await api.call('PATCH', `/v1/work-orders/${wo.id}`, {
      token: office,
      headers: { 'if-match': read.headers.get('etag') as string },
      body: { accessInstructions: 'Side gate is unlocked from 8 am' },
    });

    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe(`"${wo.version + 1}"`);
    expect(patched.body.accessInstructions).toBe('Side gate is unlocked from 8 am');
  });

  it('refuses an unknown category and an unknown job type with 400', async () => {
    expectProblem(
      await submit({ ...request, category: 'time_travel' }, 'bad-category'),
      400,
      'request.validation_failed',
    );
    const reply = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'bad-job-type' },
      body: { customerId: 'cus_okafor', siteId: 'site_didsbury', jobType: 'alchemy', description: 'Lead into gold' },
    });
    expectProblem(reply, 400, 'request.validation_failed');
  });
});
