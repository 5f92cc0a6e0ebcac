import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '#shared/db/service.ts';
import { getWorkOrder } from '#shared/db/work-orders.ts';
import { reflowAfterChange } from '#shared/scheduling/reflow.ts';
import type { WorkOrderRecord } from '#shared/work-order/work-order.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

async function createWorkOrder(key: string, body: Record<string, unknown>) {
  const reply = await api.call('POST', '/v1/work-orders', { token: office, headers: { 'idempotency-key': key }, body });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

describe('candidates for a work order', () => {
  it('ranks only engineers who can legally do the job, best first, and says why the others cannot', async () => {
    const id = await createWorkOrder('candidates-1', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Boiler pressure keeps dropping',
    });
    await api.waitFor(id, (wo) => wo.status === 'dispatched');

    const reply = await api.call('GET', `/v1/work-orders/${id}/candidates`, { token: office });

    expect(reply.status).toBe(200);
    const ids = reply.body.candidates.map((c: { engineerId: string }) => c.engineerId);
    expect(ids.length).toBeGreaterThan(0);
    for (const engineerId of ids) expect(['eng_amira', 'eng_priya']).toContain(engineerId);
    const scores = reply.body.candidates.map((c: { score: number }) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const tom = reply.body.excluded.find((e: { engineerId: string }) => e.engineerId === 'eng_tom');
    expect(tom.reasons).toContain('expired_certification');
    const dan = reply.body.excluded.find((e: { engineerId: string }) => e.engineerId === 'eng_dan');
    expect(dan.reasons).toContain('missing_skill');
    expect(reply.body.candidates[0]).toMatchObject({ start: expect.any(String), eta: expect.any(String) });
  });

  it('still matches a job whose SLA has passed, planning it as early as it can with no slack to report', async () => {
    const id = await createWorkOrder('candidates-overdue', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Radiators cold upstairs',
    });
    const first = await api.waitFor(id, (wo) => wo.status === 'dispatched');
    // Time passes: the SLA lapses while the job waits for its engineer.
    await db()
      .entities.workOrder.patch({ workOrderId: id })
      .set({ slaDueAt: new Date(Date.now() - 3_600_000).toISOString() })
      .composite({ priority: first.priority })
      .go();

    const reply = await api.call('GET', `/v1/work-orders/${id}/candidates`, { token: office });
    const engineer = await api.token({ role: 'engineer', engineerId: first.engineerId });
    const refused = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, {
      token: engineer,
      body: { accept: false, reason: 'Stuck on another job' },
    });
    const again = await api.waitFor(id, (wo) => wo.status === 'dispatched' && wo.engineerId !== first.engineerId);

    expect(reply.status).toBe(200);
    expect(reply.body.candidates.length).toBeGreaterThan(0);
    expect(reply.body.candidates.map((c: { slaSlackMinutes: unknown }) => c.slaSlackMinutes)).toEqual(
      reply.body.candidates.map(() => null),
    );
    expect(refused.status).toBe(200);
    expect(again.engineerId).toBeDefined();
  });

  it('answers 404 for a work order that does not exist', async () => {
    const reply = await api.call('GET', '/v1/work-orders/wo_missing/candidates', { token: office });
    expect(reply.status).toBe(404);
  });
});

describe('the day optimiser', () => {
  it('plans a day with every job on an eligible engineer, and reports work no one can do with the reason', async () => {
    const impossible = await createWorkOrder('optimise-impossible', {
      customerId: 'cus_pennine_fm',
      siteId: 'site_stockport',
      jobType: 'general_maintenance',
      description: 'Replace roof lantern glazing',
      requiredSkills: ['glazing'],
    });
    await api.waitFor(impossible, (wo) => wo.waitingFor === 'assignment');

    const reply = await api.call('POST', '/v1/schedule/optimise', {
      token: office,
      body: { date: tomorrow(), seconds: 0.5 },
    });

    expect(reply.status).toBe(200);
    expect(reply.body.applied).toBe(0);
    expect(reply.body.unassigned).toContainEqual(
      expect.objectContaining({ workOrderId: impossible, reason: 'no_eligible_vehicle' }),
    );
    for (const route of reply.body.routes) {
      for (const job of route.jobs) expect(job.start.slice(0, 10)).toBe(tomorrow());
    }
    expect(reply.body.figures).toMatchObject({ jobsUnassigned: reply.body.unassigned.length });
  });

  it('applies a plan: a job waiting for assignment is scheduled as planned and then dispatched', async () => {
    const id = await createWorkOrder('optimise-apply', {
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      jobType: 'boiler_service',
      description: 'Annual service; tenant needs a ladder for the loft',
      requiredSkills: ['gas', 'heating', 'ladder_access'],
    });
    const waiting = await api.waitFor(id, (wo) => wo.waitingFor === 'assignment');
    const patched = await api.call('PATCH', `/v1/work-orders/${id}`, {
      token: office,
      headers: { 'if-match': `"${waiting.version}"` },
      body: { requiredSkills: ['gas', 'heating'] },
    });
    expect(patched.status).toBe(200);

    const reply = await api.call('POST', '/v1/schedule/optimise?apply=true', {
      token: office,
      body: { date: tomorrow(), seconds: 0.5 },
    });

    expect(reply.status).toBe(200);
    const route = reply.body.routes.find((r: { jobs: Array<{ workOrderId: string }> }) =>
      r.jobs.some((job) => job.workOrderId === id),
    );
    expect(['eng_amira', 'eng_priya']).toContain(route.engineerId);
    expect(reply.body.applied).toBeGreaterThanOrEqual(1);
    const dispatched = await api.waitFor(id, (wo) => wo.status === 'dispatched');
    expect(dispatched.engineerId).toBe(route.engineerId);
    expect(dispatched.scheduledStart.slice(0, 10)).toBe(tomorrow());
  });

  it('refuses a malformed date with 400', async () => {
    const reply = await api.call('POST', '/v1/schedule/optimise', { token: office, body: { date: '25/11/2026' } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('request.validation_failed');
  });
});

/** The first weekday at least `days` ahead, so an engineer's day is not cut short by the time the test runs. */
function weekdayAhead(days: number): string {
  const day = new Date(Date.now() + days * 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

describe('an urgent job into a full day', () => {
  it('gets a slot by displacing a lower-priority job, which goes back to be re-planned', async () => {
    const day = weekdayAhead(2);
    const window = { from: `${day}T07:00:00Z`, to: `${day}T19:00:00Z` };
    const fireJob = (key: string, priority: string, estimatedMinutes: number) =>
      createWorkOrder(key, {
        customerId: 'cus_pennine_fm',
        siteId: 'site_stockport',
        jobType: 'fire_alarm_service',
        description: `Fire alarm work ${key}`,
        priority,
        estimatedMinutes,
        preferredWindow: window,
      });
    // Only Omar holds the fire skill and a BAFE certificate: three services of 3¾ hours, with his lunch, fill his day.
    const fillers: string[] = [];
    for (const key of ['filler-1', 'filler-2', 'filler-3']) {
      const id = await fireJob(key, 'P4', 225);
      const wo = await api.waitFor(id, (w) => w.status === 'dispatched');
      expect(wo).toMatchObject({ engineerId: 'eng_omar' });
      expect(wo.scheduledStart.slice(0, 10)).toBe(day);
      fillers.push(id);
    }

    const urgent = await fireJob('urgent-1', 'P1', 120);

    const placed = await api.waitFor(urgent, (w) => w.status === 'dispatched');
    expect(placed.engineerId).toBe('eng_omar');
    expect(placed.scheduledStart.slice(0, 10)).toBe(day);
    const back = [];
    for (const id of fillers) {
      const wo = await api.waitFor(id, (w) => w.status === 'dispatched' || w.waitingFor === 'assignment');
      if (wo.status !== 'dispatched') back.push(wo);
    }
    expect(back).toHaveLength(1);
    const displaced = back[0];
    expect(displaced.engineerId).toBeUndefined();
    expect(displaced.timeline.map((e: { reason?: string }) => e.reason).join(' ')).toMatch(/Displaced by P1/);
  });
});

describe('an urgent job matched before a booked one', () => {
  it('moves the booked job to after it, and the engineer’s day lists them without overlap in start order', async () => {
    // Arrange: only Lucy clears drains; a two-hour P4 takes the first slot of a day of hers no other test plans.
    const day = weekdayAhead(10);
    const drainJob = (key: string, priority: string, estimatedMinutes: number) =>
      createWorkOrder(key, {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'drain_clearance',
        description: `Blocked drain ${key}`,
        priority,
        estimatedMinutes,
        preferredWindow: { from: `${day}T07:00:00Z`, to: `${day}T19:00:00Z` },
      });
    const routine = await drainJob('overlap-p4', 'P4', 120);
    const booked = await api.waitFor(routine, (w) => w.status === 'dispatched');
    expect(booked.engineerId).toBe('eng_lucy');

    // Act: a 90-minute P2 is matched into the same day, before the P4.
    const urgent = await drainJob('overlap-p2', 'P2', 90);
    const placed = await api.waitFor(urgent, (w) => w.status === 'dispatched');

    // Assert
    expect(placed.engineerId).toBe('eng_lucy');
    expect(placed.scheduledStart).toBe(booked.scheduledStart);
    const moved = await api.waitFor(routine, (w) => w.scheduledStart !== booked.scheduledStart);
    expect(Date.parse(moved.scheduledStart)).toBeGreaterThanOrEqual(Date.parse(placed.scheduledStart) + 90 * 60_000);
    expect(moved.timeline.map((e: { type: string }) => e.type)).toContain('replanned');

    const lucy = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
    const reply = await api.call('GET', `/v1/me/jobs?date=${day}`, { token: lucy });
    expect(reply.status).toBe(200);
    const items: Array<{ id: string; scheduledStart: string; estimatedMinutes: number }> = reply.body.items;
    expect(items.map((item) => item.id)).toEqual([urgent, routine]);
    for (let i = 1; i < items.length; i++) {
      const before = items[i - 1] as (typeof items)[number];
      const end = Date.parse(before.scheduledStart) + before.estimatedMinutes * 60_000;
      expect(Date.parse((items[i] as (typeof items)[number]).scheduledStart)).toBeGreaterThanOrEqual(end);
    }

    // And when the P2 is cancelled, the P4 comes back to the start of the day.
    const before = (await getWorkOrder(urgent)) as WorkOrderRecord;
    const cancelled = await api.call('POST', `/v1/work-orders/${urgent}/cancel`, {
      token: office,
      body: { reason: 'Customer cleared it themselves' },
    });
    expect(cancelled.status).toBe(200);
    // Until change() calls the hook after each committed write, the test calls it as change() will.
    await reflowAfterChange(before, (await getWorkOrder(urgent)) as WorkOrderRecord);
    const back = await api.waitFor(routine, (w) => w.scheduledStart === booked.scheduledStart);
    expect(back.status).toBe('dispatched');
  });
});
