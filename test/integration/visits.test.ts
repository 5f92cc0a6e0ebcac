import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

let api: LocalApi;
let office: string;
let lucy: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  // The demo's one engineer for drainage: every job below is hers.
  lucy = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
});
afterAll(() => api?.close());

interface Visit {
  day: string;
  from: string;
  start: string;
  end: string;
  minutes: number;
}

/** A drain job at a Manchester site, wanted from a day on (the SLA long lapsed by then), `minutes` long. */
async function drainJob(key: string, from: string, minutes: number, to = `${from}T23:59:00Z`) {
  const reply = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      jobType: 'drain_clearance',
      description: 'Reline the collapsed drain run under the yard',
      estimatedMinutes: minutes,
      preferredWindow: { from: `${from}T00:00:00Z`, to },
    },
  });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

const visitsOnRota = async (from: string, to: string) =>
  (await api.call('GET', `/v1/rota?engineerId=eng_lucy&from=${from}&to=${to}`, { token: office })).body.items.filter(
    (entry: { kind: string }) => entry.kind === 'visit',
  );

async function report(id: string, status: string) {
  const body = { eventId: `evt-${id}-${status}-${Math.random()}`, status, at: new Date().toISOString() };
  const reply = await api.call('POST', `/v1/work-orders/${id}/status`, { token: lucy, body });
  expect(reply.status).toBe(200);
}

async function finish(id: string) {
  const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
    token: lucy,
    body: {
      eventId: `evt-${id}-done`,
      outcome: 'fixed',
      findings: 'Drain run collapsed under the yard',
      workDone: 'Excavated and relaid the run',
      partsUsed: [],
    },
  });
  expect(done.status).toBe(202);
}

async function startWork(id: string) {
  await api.waitFor(id, (w) => w.status === 'dispatched', patience);
  expect(
    (await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: lucy, body: { accept: true } })).status,
  ).toBe(200);
  await api.waitFor(id, (w) => w.waitingFor === 'completion', patience);
  for (const status of ['en_route', 'on_site', 'in_progress']) await report(id, status);
}

describe('a job longer than a shift', () => {
  it('is planned as two visits on consecutive days with one engineer, holding her days until it is done', async () => {
    // Monday 1 March 2027: Lucy works 07:00 to 19:00 with half an hour's lunch, 690 minutes. The job is 14 hours.
    const id = await drainJob('long-drain', '2027-03-01', 14 * 60, '2027-03-05T23:59:00Z');
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    expect(wo.engineerId).toBe('eng_lucy');
    const visits = wo.visits as Visit[];
    expect(visits.map((visit) => visit.day)).toEqual(['2027-03-01', '2027-03-02']);
    expect(visits.reduce((sum, visit) => sum + visit.minutes, 0)).toBe(14 * 60);
    expect(wo.scheduledStart).toBe(visits[0]?.start);
    // Each visit within the shift (GMT: 07:00 to 19:00 UTC), the first a whole day's, the second from the morning.
    expect(visits[0]?.from).toBe('2027-03-01T07:00:00.000Z');
    expect(visits[0]?.end).toBe('2027-03-01T19:00:00.000Z');
    expect(visits[1]?.from).toBe('2027-03-02T07:00:00.000Z');
    expect((visits[1]?.end ?? '') <= '2027-03-02T19:00:00.000Z').toBe(true);

    // Both days are on the rota as the job's; the office cannot delete one while the job holds it.
    const held = await visitsOnRota('2027-03-01', '2027-03-07');
    expect(held.map((entry: { workOrderId: string }) => entry.workOrderId)).toEqual([id, id]);
    const removed = await api.call('DELETE', `/v1/rota/${held[1].id}`, { token: office });
    expect(removed.status).toBe(409);
    expect(removed.body.code).toBe('rota.visit_held');

    // Tuesday's list on Lucy's phone has it, with that day's visit.
    const tuesday = await api.call('GET', '/v1/me/jobs?date=2027-03-02', { token: lucy });
    const listed = tuesday.body.items.find((item: { id: string }) => item.id === id);
    expect(listed.visit).toEqual(visits[1]);

    // The office's board has it in Lucy's lane on both days.
    for (const date of ['2027-03-01', '2027-03-02']) {
      const board = await api.call('GET', `/v1/dispatch-board?date=${date}`, { token: office });
      const lane = board.body.engineers.find((engineer: { id: string }) => engineer.id === 'eng_lucy');
      expect(lane.jobs.map((job: { id: string }) => job.id)).toContain(id);
    }

    // A short drain job wanted on Tuesday goes after the visit, not into it.
    const short = await drainJob('short-drain-tuesday', '2027-03-02', 60);
    const after = await api.waitFor(short, (w) => w.status === 'dispatched', patience);
    expect(after.engineerId).toBe('eng_lucy');
    expect(after.scheduledStart >= (visits[1]?.end ?? '')).toBe(true);

    // Worked over the two days (paused overnight) and completed: the days are let go.
    await startWork(id);
    await report(id, 'paused');
    await report(id, 'in_progress');
    await finish(id);
    await api.waitFor(id, (w) => w.status === 'closed', patience);
    expect(await visitsOnRota('2027-03-01', '2027-03-07')).toEqual([]);
  });

  it('lets the days go when the engineer refuses it, and plans visits with the engineer the office then chooses', async () => {
    const id = await drainJob('refused-long-drain', '2027-03-15', 14 * 60, '2027-03-19T23:59:00Z');
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    expect(wo.visits.map((visit: Visit) => visit.day)).toEqual(['2027-03-15', '2027-03-16']);
    const refused = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, {
      token: lucy,
      body: { accept: false, reason: 'Not my week for a big dig' },
    });
    expect(refused.status).toBe(200);
    // No one else does drainage: the office is asked, and the days are Lucy's again.
    const waiting = await api.waitFor(id, (w) => w.status === 'ready_to_schedule' && Boolean(w.attention), patience);
    expect(waiting.visits).toBeUndefined();
    expect(await visitsOnRota('2027-03-15', '2027-03-21')).toEqual([]);

    // Assigned to her by hand from Wednesday, it is planned as visits from then.
    const assigned = await api.call('POST', `/v1/work-orders/${id}/assign`, {
      token: office,
      headers: { 'idempotency-key': 'assign-long-drain' },
      body: { engineerId: 'eng_lucy', start: '2027-03-17T07:00:00Z' },
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body.visits.map((visit: Visit) => visit.day)).toEqual(['2027-03-17', '2027-03-18']);
    expect(assigned.body.scheduledStart).toBe(assigned.body.visits[0].start);
    const held = await visitsOnRota('2027-03-15', '2027-03-21');
    expect(held.map((entry: { id: string }) => entry.id.slice(-10))).toEqual(['2027-03-17', '2027-03-18']);

    // Tom has no drainage: refused by hand, with the reason.
    const tom = await api.call('POST', `/v1/work-orders/${id}/reassign`, {
      token: office,
      headers: { 'idempotency-key': 'reassign-long-drain' },
      body: { engineerId: 'eng_tom', reason: 'Lucy is off sick' },
    });
    expect(tom.status).toBe(409);
    expect(tom.body.code).toBe('assignment.missing_skill');
  });

  it('never gives one of the engineer’s days to two long jobs logged at the same moment', async () => {
    // Monday 5 April 2027: three 14-hour drain jobs at once, and only Lucy does drainage.
    const ids = await Promise.all(
      [1, 2, 3].map((n) => drainJob(`race-drain-${n}`, '2027-04-05', 14 * 60, '2027-04-09T23:59:00Z')),
    );
    const jobs = await Promise.all(ids.map((id) => api.waitFor(id, (w) => w.status === 'dispatched', patience)));
    const days = jobs.flatMap((wo) => (wo.visits as Visit[]).map((visit) => visit.day));
    expect(jobs.every((wo) => wo.engineerId === 'eng_lucy')).toBe(true);
    expect(days).toHaveLength(6);
    expect(new Set(days).size).toBe(6);
    // What the rota holds is exactly what the jobs say, day for day.
    const held = await visitsOnRota('2027-04-05', '2027-04-30');
    const byDay = (entries: Array<{ day: string; id: string }>) => entries.map((e) => `${e.day} ${e.id}`).sort();
    expect(
      byDay(
        held.map((entry: { id: string; workOrderId: string }) => ({ day: entry.id.slice(-10), id: entry.workOrderId })),
      ),
    ).toEqual(byDay(jobs.flatMap((wo) => (wo.visits as Visit[]).map((visit) => ({ day: visit.day, id: wo.id })))));
    // No two of the jobs' visits overlap.
    const spans = jobs.flatMap((wo) => wo.visits as Visit[]).sort((a, b) => a.from.localeCompare(b.from));
    for (let i = 1; i < spans.length; i++) expect((spans[i]?.from ?? '') >= (spans[i - 1]?.end ?? '')).toBe(true);
  });
});

describe('a return visit for parts', () => {
  it('books a paused job’s return when the parts are due, first thing, once however often it is sent', async () => {
    const id = await drainJob(
      'paused-drain',
      new Date().toISOString().slice(0, 10),
      60,
      `${new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)}T23:59:00Z`,
    );
    await startWork(id);
    const book = (token: string, body: Record<string, unknown>) =>
      api.call('POST', `/v1/work-orders/${id}/return-visit`, { token, body });

    // Not paused yet: 409.
    const early = await book(office, { from: '2027-05-03', minutes: 120 });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('visit.not_paused');
    await report(id, 'paused');

    for (const bad of [
      { from: 'when the parts come', minutes: 120 },
      { from: '2027-05-03', minutes: 0 },
      { from: '2027-05-03' },
      { from: '2027-05-03', minutes: 120, engineerId: 'eng_tom' },
    ]) {
      const refused = await book(office, bad);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    // Another engineer's phone is told there is no such job.
    const tom = await api.token({ role: 'engineer', engineerId: 'eng_tom' });
    expect((await book(tom, { from: '2027-05-03', minutes: 120 })).status).toBe(404);

    // Parts due on Monday 3 May 2027 (a bank holiday Lucy works: she works every day): first thing, 07:00 BST.
    const sent = await Promise.all([1, 2, 3].map(() => book(lucy, { from: '2027-05-03', minutes: 120 })));
    for (const reply of sent) expect(reply.status).toBe(200);
    const booked = sent[0]?.body;
    expect(booked.visits).toHaveLength(1);
    expect(booked.visits[0]).toMatchObject({ day: '2027-05-03', from: '2027-05-03T06:00:00.000Z', minutes: 120 });
    expect((await api.waitFor(id, (w) => w.visits?.length === 1, patience)).version).toBe(booked.version);
    expect((await visitsOnRota('2027-05-03', '2027-05-03')).map((e: { workOrderId: string }) => e.workOrderId)).toEqual(
      [id],
    );
    const onTheDay = await api.call('GET', '/v1/me/jobs?date=2027-05-03', { token: lucy });
    expect(onTheDay.body.items.map((item: { id: string }) => item.id)).toContain(id);

    // Parts due later after all: the return moves, and the first day is let go.
    const moved = await book(office, { from: '2027-05-10', minutes: 120 });
    expect(moved.body.visits[0].day).toBe('2027-05-10');
    expect(await visitsOnRota('2027-05-03', '2027-05-03')).toEqual([]);

    await report(id, 'in_progress');
    await finish(id);
    await api.waitFor(id, (w) => w.status === 'closed', patience);
    expect(await visitsOnRota('2027-05-01', '2027-05-31')).toEqual([]);
  });
});
