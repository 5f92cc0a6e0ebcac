import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/**
 * The office gives a job to another engineer (`POST /v1/work-orders/{id}/reassign`) through the real API and the
 * real state machine: the job is dispatched again to the new engineer, and the first one's phone loses it.
 */
let api: LocalApi;
let office: string;
const patience = 30_000;

beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});

afterAll(async () => {
  await api?.close();
});

/** A general maintenance job the office logs, once the state machine has dispatched it. */
async function dispatchedJob(key: string) {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': `reassign-${key}` },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      jobType: 'general_maintenance',
      description: `A sticking door (${key})`,
    },
  });
  expect(created.status).toBe(201);
  return api.waitFor(created.body.id, (wo) => wo.status === 'dispatched', patience);
}

/** Another general engineer than the one holding the job. */
const otherThan = (engineerId: string) => (engineerId === 'eng_dan' ? 'eng_lucy' : 'eng_dan');

const engineerToken = (engineerId: string) => api.token({ role: 'engineer', engineerId });

function reassign(id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api.call('POST', `/v1/work-orders/${id}/reassign`, { token: office, body, headers });
}

describe('reassigning a job to another engineer', () => {
  it('dispatches an accepted job again to the new engineer, and the first one can no longer see or work it', async () => {
    const job = await dispatchedJob('accepted');
    const first = job.engineerId;
    const other = otherThan(first);
    const firstToken = await engineerToken(first);
    expect(
      (await api.call('POST', `/v1/work-orders/${job.id}/acknowledge`, { token: firstToken, body: { accept: true } }))
        .status,
    ).toBe(200);

    const moved = await reassign(job.id, { engineerId: other, reason: 'Off sick this afternoon' });

    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ engineerId: other });
    const dispatched = await api.waitFor(
      job.id,
      (wo) => wo.status === 'dispatched' && wo.engineerId === other,
      patience,
    );
    const entry = dispatched.timeline.find((e: any) => e.data?.from === first);
    expect(entry).toMatchObject({ from: 'acknowledged', to: 'scheduled', data: { engineerId: other } });
    expect(entry.reason).toContain('Off sick this afternoon');
    expect((await api.call('GET', `/v1/work-orders/${job.id}/job-pack`, { token: firstToken })).status).toBe(404);
    const refused = await api.call('POST', `/v1/work-orders/${job.id}/status`, {
      token: firstToken,
      body: { eventId: 'evt-reassigned-0001', status: 'en_route', at: new Date().toISOString() },
    });
    expect(refused.status).toBe(404);
    const otherToken = await engineerToken(other);
    expect((await api.call('GET', `/v1/work-orders/${job.id}/job-pack`, { token: otherToken })).status).toBe(200);
    const accepted = await api.call('POST', `/v1/work-orders/${job.id}/acknowledge`, {
      token: otherToken,
      body: { accept: true },
    });
    expect(accepted.status).toBe(200);
    expect((await api.waitFor(job.id, (wo) => wo.status === 'acknowledged', patience)).engineerId).toBe(other);
  });

  it('moves a job once however often or concurrently the same reassignment is sent', async () => {
    const job = await dispatchedJob('racing');
    const other = otherThan(job.engineerId);

    const replies = await Promise.all(
      Array.from({ length: 6 }, () => reassign(job.id, { engineerId: other, reason: 'Nearer the site' })),
    );

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const wo = await api.waitFor(job.id, (w) => w.status === 'dispatched' && w.engineerId === other, patience);
    expect(wo.timeline.filter((e: any) => e.data?.from === job.engineerId && e.to === 'scheduled')).toHaveLength(1);
    expect(wo.timeline.filter((e: any) => e.to === 'dispatched')).toHaveLength(2);
  });

  it('leaves a job with the engineer once they are on the way (409), and changes nothing', async () => {
    const job = await dispatchedJob('under-way');
    const token = await engineerToken(job.engineerId);
    await api.call('POST', `/v1/work-orders/${job.id}/acknowledge`, { token, body: { accept: true } });
    const onTheWay = await api.call('POST', `/v1/work-orders/${job.id}/status`, {
      token,
      body: { eventId: 'evt-under-way-0001', status: 'en_route', at: new Date().toISOString() },
    });
    expect(onTheWay.status).toBe(200);
    const before = await api.waitFor(job.id, (wo) => wo.status === 'en_route');

    const refused = await reassign(job.id, { engineerId: otherThan(job.engineerId), reason: 'Nearer the site' });

    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('assignment.not_reassignable');
    const after = await api.waitFor(job.id, () => true);
    expect(after).toMatchObject({ status: 'en_route', engineerId: job.engineerId, version: before.version });
  });

  it('refuses a reassignment without a reason, or to an engineer who does not exist, and changes nothing', async () => {
    const job = await dispatchedJob('bad-input');

    const noReason = await reassign(job.id, { engineerId: otherThan(job.engineerId) });
    const blankReason = await reassign(job.id, { engineerId: otherThan(job.engineerId), reason: '   ' });
    const nobody = await reassign(job.id, { engineerId: 'eng_nobody', reason: 'Nearer the site' });
    const noJob = await reassign('wo_missing', { engineerId: 'eng_dan', reason: 'Nearer the site' });

    expect([noReason.status, blankReason.status, nobody.status, noJob.status]).toEqual([400, 400, 404, 404]);
    for (const reply of [noReason, blankReason, nobody, noJob]) {
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    const after = await api.waitFor(job.id, () => true);
    expect(after).toMatchObject({ status: 'dispatched', engineerId: job.engineerId, version: job.version });
  });

  it('tells the office to reassign, not assign, a job scheduled to someone else', async () => {
    const job = await dispatchedJob('assign-instead');

    const assigned = await api.call('POST', `/v1/work-orders/${job.id}/assign`, {
      token: office,
      body: { engineerId: otherThan(job.engineerId) },
    });

    expect(assigned.status).toBe(409);
    const after = await api.waitFor(job.id, () => true);
    expect(after).toMatchObject({ status: 'dispatched', engineerId: job.engineerId });
  });
});
