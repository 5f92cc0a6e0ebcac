import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

/** Times on site relative to one instant, so a logged duration is exactly what the test says. */
const testStart = Math.floor(Date.now() / 60_000) * 60_000;
const hoursAgo = (hours: number) => new Date(testStart - hours * 3_600_000).toISOString();

/** An office work order that matching dispatches by itself, once it is dispatched. */
async function dispatchedRepair(key: string) {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Boiler pressure keeps dropping',
    },
  });
  expect(created.status).toBe(201);
  return api.waitFor(created.body.id, (wo) => wo.status === 'dispatched');
}

/** A customer request at an address the business does not know: it waits in `logged` for the office. */
async function loggedRequest(key: string, category: string, description: string) {
  const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
  const reply = await api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': key },
    body: {
      site: { address: '12 Barlow Moor Road, Manchester', postcode: 'M20 6TR' },
      category,
      description,
      contact: { name: 'Ada Okafor' },
    },
  });
  expect(reply.status).toBe(201);
  return api.waitFor(reply.body.id, (wo) => wo.waitingFor === 'release');
}

describe('the KPI report', () => {
  it('counts a job driven through to closed with its figures', async () => {
    // Arrange: a repair attended, worked 90 minutes by its time log, fixed with parts, and closed.
    const from = new Date().toISOString();
    const wo = await dispatchedRepair('kpi-repair');
    const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
    const send = (path: string, body: unknown) =>
      api.call('POST', `/v1/work-orders/${wo.id}/${path}`, { token: engineer, body });
    expect((await send('acknowledge', { accept: true })).status).toBe(200);
    await api.waitFor(wo.id, (w) => w.waitingFor === 'completion');
    for (const status of ['en_route', 'on_site', 'in_progress']) {
      expect((await send('status', { eventId: `evt-kpi-${status}`, status, at: hoursAgo(2) })).status).toBe(200);
    }
    const work = { eventId: 'evt-kpi-work', kind: 'work', startedAt: hoursAgo(2), endedAt: hoursAgo(0.5) };
    expect((await send('time-logs', work)).status).toBe(200);
    const valve = { eventId: 'evt-kpi-valve', sku: 'PRV-VALVE', qty: 1, at: hoursAgo(1) };
    expect((await send('materials', valve)).status).toBe(200);
    const completed = await send('complete', {
      eventId: 'evt-kpi-done',
      outcome: 'fixed',
      findings: 'Pressure relief valve passing',
      workDone: 'Replaced the pressure relief valve and repressurised',
      partsUsed: [
        { sku: 'PRV-VALVE', qty: 1 },
        { sku: 'INHIBITOR-1L', qty: 1 },
      ],
    });
    expect(completed.status).toBe(202);
    const closed = await api.waitFor(wo.id, (w) => w.status === 'closed');
    const to = new Date(Date.now() + 1000).toISOString();

    // Act
    const reply = await api.call('GET', `/v1/reports/kpis?from=${from}&to=${to}`, { token: office });

    // Assert
    expect(reply.status).toBe(200);
    const lagMinutes = (Date.parse(closed.stageTimes.closed) - Date.parse(closed.stageTimes.completed)) / 60_000;
    expect(reply.body).toMatchObject({
      firstTimeFixRate: 1,
      meanJobMinutes: 90,
      slaCompliance: 1,
      meanCloseoutLagMinutes: Math.round(lagMinutes * 10) / 10,
      partsUsage: [
        { sku: 'PRV-VALVE', qty: 2 },
        { sku: 'INHIBITOR-1L', qty: 1 },
      ],
      basis: { logged: 1, completed: 1, firstTimeFixes: 1, timedJobs: 1, attended: 1, attendedWithinSla: 1, closed: 1 },
    });
    expect(reply.body.countsByStatus).toMatchObject({ closed: 1, logged: 0, dispatched: 0 });
  });

  it('covers the last 30 days by default, and answers nulls for a window with nothing in it', async () => {
    // Act
    const recent = await api.call('GET', '/v1/reports/kpis', { token: office });
    const empty = await api.call('GET', '/v1/reports/kpis?from=2020-01-01&to=2020-01-31', { token: office });

    // Assert
    expect(recent.status).toBe(200);
    expect(Date.parse(recent.body.to) - Date.parse(recent.body.from)).toBe(30 * 86_400_000);
    expect(recent.body.basis.completed).toBeGreaterThanOrEqual(1);
    expect(empty.body).toMatchObject({
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-02-01T00:00:00.000Z',
      firstTimeFixRate: null,
      meanJobMinutes: null,
      slaCompliance: null,
      meanCloseoutLagMinutes: null,
      partsUsage: [],
    });
  });

  it('refuses a malformed window or one that ends before it starts with 400 problem+json', async () => {
    for (const query of ['from=last-week', 'from=2026-03-02&to=2026-03-01']) {
      // Act
      const reply = await api.call('GET', `/v1/reports/kpis?${query}`, { token: office });

      // Assert
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.body.code).toBe('request.validation_failed');
    }
  });

  it('is for the office: a customer gets 403', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });

    const reply = await api.call('GET', '/v1/reports/kpis', { token: customer });

    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the dispatch board', () => {
  it('shows a dispatched job under its engineer and logged requests unassigned, in priority order', async () => {
    // Arrange
    const routine = await loggedRequest('board-gate', 'general_maintenance', 'Garden gate latch is loose');
    const urgent = await loggedRequest('board-gas', 'gas_leak', 'Strong smell of gas in the hallway');
    const dispatched = await dispatchedRepair('board-repair');
    const day = dispatched.scheduledStart.slice(0, 10);

    // Act
    const reply = await api.call('GET', `/v1/dispatch-board?date=${day}`, { token: office });

    // Assert
    expect(reply.status).toBe(200);
    const engineer = reply.body.engineers.find((e: { id: string }) => e.id === dispatched.engineerId);
    expect(engineer).toMatchObject({ name: expect.any(String), status: 'available' });
    expect(engineer.location).toEqual({ lat: expect.any(Number), lng: expect.any(Number) });
    expect(engineer.jobs).toContainEqual(
      expect.objectContaining({
        id: dispatched.id,
        ref: dispatched.ref,
        status: 'dispatched',
        scheduledStart: dispatched.scheduledStart,
        location: dispatched.location,
        estimatedMinutes: 90,
      }),
    );
    const unassigned = reply.body.unassigned.map((job: { id: string }) => job.id);
    expect(unassigned).not.toContain(dispatched.id);
    expect(urgent.priority).toBe('P1');
    expect(routine.priority).toBe('P4');
    expect(unassigned.indexOf(urgent.id)).toBeGreaterThanOrEqual(0);
    expect(unassigned.indexOf(urgent.id)).toBeLessThan(unassigned.indexOf(routine.id));
  });

  it("shows an engineer at a job's site with its status once they report on site", async () => {
    // Arrange
    const wo = await dispatchedRepair('board-on-site');
    const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
    const send = (path: string, body: unknown) =>
      api.call('POST', `/v1/work-orders/${wo.id}/${path}`, { token: engineer, body });
    expect((await send('acknowledge', { accept: true })).status).toBe(200);
    await api.waitFor(wo.id, (w) => w.waitingFor === 'completion');
    const arrived = { eventId: 'evt-board-on-site', status: 'on_site', at: new Date().toISOString() };
    expect((await send('status', arrived)).status).toBe(200);

    // Act
    const reply = await api.call('GET', `/v1/dispatch-board?date=${wo.scheduledStart.slice(0, 10)}`, {
      token: office,
    });

    // Assert
    const shown = reply.body.engineers.find((e: { id: string }) => e.id === wo.engineerId);
    expect(shown).toMatchObject({ status: 'on_site', location: wo.location, locationSource: 'job_site' });
  });

  it("defaults to today's board", async () => {
    const reply = await api.call('GET', '/v1/dispatch-board', { token: office });

    expect(reply.status).toBe(200);
    expect(reply.body.date).toBe(new Date().toISOString().slice(0, 10));
    expect(reply.body.engineers.length).toBeGreaterThan(0);
  });

  it('refuses a malformed date with 400 problem+json, and a customer with 403', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });

    const bad = await api.call('GET', '/v1/dispatch-board?date=2026-13-45', { token: office });
    const forbidden = await api.call('GET', '/v1/dispatch-board', { token: customer });

    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ code: 'request.validation_failed', status: 400 });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toBe('application/problem+json');
  });
});
