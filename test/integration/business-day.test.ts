import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowOf } from '#shared/notify/notify.ts';
import { addDays, localDay, localMinuteOfDay } from '#shared/time/zone.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

let api: LocalApi;
let office: string;
let admin: string;
beforeAll(async () => {
  // Customers are told what happens (to the local outbox): a site's messages are on its clock.
  api = await startLocalApi({ notifications: true });
  office = await api.token({ role: 'dispatcher' });
  admin = await api.token({ role: 'admin' });
});
afterAll(() => api?.close());

async function createWorkOrder(key: string, body: Record<string, unknown>) {
  const reply = await api.call('POST', '/v1/work-orders', { token: office, headers: { 'idempotency-key': key }, body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.id as string;
}

async function setBusiness(body: Record<string, unknown>) {
  return api.call('PATCH', '/v1/business', { token: admin, headers: { 'if-match': '*' }, body });
}

/** A job wanted on one day in summer, the customer's window the whole of it (the SLA is long since lapsed then). */
const summerJob = (siteId: string, customerId: string, day: string, offset: string) => ({
  customerId,
  siteId,
  jobType: 'boiler_repair',
  description: 'Boiler service visit',
  preferredWindow: { from: `${day}T00:00:00${offset}`, to: `${day}T23:59:00${offset}` },
});

describe('the business day in local time', () => {
  it('plans a summer day by London clocks: the 07:00 shift starts at 06:00 UTC', async () => {
    const business = await api.call('GET', '/v1/business', { token: admin });
    expect(business.body.timeZone).toBe('Europe/London');

    // Monday 5 July 2027, British Summer Time. The demo engineers work 07:00 to 19:00.
    const id = await createWorkOrder(
      'local-time-summer',
      summerJob('site_didsbury', 'cus_okafor', '2027-07-05', '+01:00'),
    );
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    // Travel from home, then the job, from the shift's start: within the first hour of it, 07:00 to 08:00 BST.
    expect(wo.scheduledStart >= '2027-07-05T06:00:00.000Z').toBe(true);
    expect(wo.scheduledStart < '2027-07-05T07:00:00.000Z').toBe(true);

    // The engineer's day is London's day: the job is listed on 5 July.
    const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
    const day = await api.call('GET', '/v1/me/jobs?date=2027-07-05', { token: engineer });
    expect(day.body.items.map((job: { id: string }) => job.id)).toContain(id);
    const board = await api.call('GET', '/v1/dispatch-board?date=2027-07-05', { token: office });
    const lane = board.body.engineers.find((e: { id: string }) => e.id === wo.engineerId);
    expect(lane.jobs.map((job: { id: string }) => job.id)).toContain(id);
  });

  it('plans by the business’s own time zone once the office sets one, and refuses one that is not a zone', async () => {
    for (const timeZone of ['Mars/Olympus_Mons', 'GMT+1 please', 42]) {
      const refused = await setBusiness({ timeZone });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await setBusiness({ timeZone: 'America/New_York' })).body.timeZone).toBe('America/New_York');
    try {
      // The same shift, 07:00 Eastern Daylight Time: 11:00 UTC.
      const id = await createWorkOrder(
        'local-time-new-york',
        summerJob('site_ancoats', 'cus_northwest_homes', '2027-07-06', '-04:00'),
      );
      const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      expect(wo.scheduledStart >= '2027-07-06T11:00:00.000Z').toBe(true);
      expect(wo.scheduledStart < '2027-07-06T12:00:00.000Z').toBe(true);
    } finally {
      expect((await setBusiness({ timeZone: null })).body.timeZone).toBe('Europe/London');
    }
  });
});

describe('a site on a clock of its own', () => {
  it('offers its customer windows on the site’s hours, and says which clock the request’s times are on', async () => {
    const post = (path: string, body: Record<string, unknown>, key: string) =>
      api.call('POST', path, { token: admin, headers: { 'idempotency-key': key }, body });
    const site = (id: string, timeZone: unknown) => ({
      id,
      customerId: 'cus_okafor',
      address: '12 Rue des Jardins, Calais',
      postcode: '62100',
      lat: 53.44,
      lng: -2.22,
      timeZone,
    });
    for (const bad of ['Europe/Atlantis', 'CET+1', 7]) {
      const refused = await post('/v1/sites', site('site_bad_zone', bad), `bad-zone-${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await post('/v1/sites', site('site_calais', 'Europe/Paris'), 'calais')).status).toBe(201);

    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const abroad = await api.request('cus_okafor', 'calais-drain', {
      siteId: 'site_calais',
      category: 'blocked_drain',
      description: 'Yard gully backing up',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
      source: 'web',
    });
    const home = await api.request('cus_okafor', 'didsbury-drain-clock', {
      siteId: 'site_didsbury',
      category: 'blocked_drain',
      description: 'Gully by the back door backing up',
      contact: { name: 'Sarah Okafor' },
      source: 'web',
    });
    expect((await api.call('GET', `/v1/requests/${abroad}`, { token: customer })).body.timeZone).toBe('Europe/Paris');
    expect((await api.call('GET', `/v1/requests/${home}`, { token: customer })).body.timeZone).toBe('Europe/London');

    // Morning is 08:00 to 12:00 in Calais: an hour before London's, all year round.
    await api.waitFor(abroad, (w) => w.status === 'dispatched', patience);
    const offered = await api.call('GET', `/v1/requests/${abroad}/slots?days=3`, { token: customer });
    expect(offered.body.timeZone).toBe('Europe/Paris');
    const mornings = offered.body.items.filter((slot: { label: string }) => slot.label === 'Morning');
    expect(mornings.length).toBeGreaterThan(0);
    for (const slot of mornings) {
      expect(localMinuteOfDay(Date.parse(slot.from), 'Europe/Paris')).toBe(8 * 60);
      expect(localMinuteOfDay(Date.parse(slot.from), 'Europe/London')).toBe(7 * 60);
    }
    // Booked on that clock.
    const booked = await api.call('POST', `/v1/requests/${abroad}/slot`, {
      token: customer,
      body: { from: mornings[0].from, to: mornings[0].to },
    });
    expect(booked.status).toBe(200);
    expect(booked.body.bookedWindow.from).toBe(mornings[0].from);

    // The customer is told the visit's window on Calais's clock, not London's.
    const visit = await api.waitFor(
      abroad,
      (w) => w.status === 'dispatched' && w.scheduledStart >= mornings[0].from && w.scheduledStart < mornings[0].to,
      patience,
    );
    const words = windowOf(visit.scheduledStart, 'Europe/Paris').words;
    expect(words).not.toBe(windowOf(visit.scheduledStart, 'Europe/London').words);
    const told = async () => {
      const reply = await api.call('GET', `/v1/work-orders/${abroad}/messages`, { token: office });
      return reply.body.items.some(
        (m: { template: string; text: string }) => m.template.startsWith('appointment_') && m.text.includes(words),
      );
    };
    const deadline = Date.now() + patience;
    while (!(await told())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});

describe('the day moves', () => {
  it('brings the next stop forward when a job finishes early, and the customer’s “on the way” time is the new one', async () => {
    // Monday 6 September 2027 (BST), Lucy's day: a two-hour drain job, then an hour's one across town.
    const wholeDay = { from: '2027-09-06T00:00:00+01:00', to: '2027-09-06T23:59:00+01:00' };
    const first = await createWorkOrder('early-finish-first', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'drain_clearance',
      description: 'Relay the gully and the first run',
      estimatedMinutes: 120,
      preferredWindow: wholeDay,
    });
    const planned = await api.waitFor(first, (w) => w.status === 'dispatched', patience);
    const next = await createWorkOrder('early-finish-next', {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      jobType: 'drain_clearance',
      description: 'Rod the blocked soil stack',
      preferredWindow: wholeDay,
    });
    const before = await api.waitFor(next, (w) => w.status === 'dispatched', patience);
    expect(before.engineerId).toBe('eng_lucy');
    expect(Date.parse(before.scheduledStart)).toBeGreaterThanOrEqual(Date.parse(planned.scheduledStart) + 120 * 60_000);

    // The first job is done well before its two hours are up: the next one comes forward.
    const lucy = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
    const field = (id: string, path: string, body: Record<string, unknown>) =>
      api.call('POST', `/v1/work-orders/${id}/${path}`, { token: lucy, body });
    expect((await field(first, 'acknowledge', { accept: true })).status).toBe(200);
    await api.waitFor(first, (w) => w.waitingFor === 'completion', patience);
    for (const status of ['en_route', 'on_site', 'in_progress']) {
      const reply = await field(first, 'status', {
        eventId: `evt-early-${status}`,
        status,
        at: new Date().toISOString(),
      });
      expect(reply.status).toBe(200);
    }
    const done = await field(first, 'complete', {
      eventId: 'evt-early-done',
      outcome: 'fixed',
      findings: 'Gully silted up',
      workDone: 'Cleared and jetted the gully',
      partsUsed: [],
    });
    expect(done.status).toBe(202);
    const moved = await api.waitFor(next, (w) => w.scheduledStart < before.scheduledStart, patience);
    // No earlier than the shift (07:00 BST) and the drive from the first job.
    expect(moved.scheduledStart >= '2027-09-06T06:00:00.000Z').toBe(true);

    // On her way to the next job, its customer is told the new time.
    expect((await field(next, 'acknowledge', { accept: true })).status).toBe(200);
    await api.waitFor(next, (w) => w.waitingFor === 'completion', patience);
    const onTheWay = await field(next, 'status', {
      eventId: 'evt-next-en-route',
      status: 'en_route',
      at: new Date().toISOString(),
    });
    expect(onTheWay.status).toBe(200);
    const eta = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: 'Europe/London',
    }).format(new Date(moved.scheduledStart));
    const deadline = Date.now() + patience;
    for (;;) {
      const messages = (await api.call('GET', `/v1/work-orders/${next}/messages`, { token: office })).body.items;
      const told = messages.find((m: { template: string }) => m.template === 'on_the_way');
      if (told) {
        expect(told.text).toContain(`arriving about ${eta}`);
        break;
      }
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});

describe('the rota: time off and on call', () => {
  const rota = (key: string | undefined, body: Record<string, unknown>) =>
    api.call('POST', '/v1/rota', { token: office, headers: key ? { 'idempotency-key': key } : {}, body });
  const listed = async (engineerId: string, from: string, to: string) =>
    (await api.call('GET', `/v1/rota?engineerId=${engineerId}&from=${from}&to=${to}`, { token: office })).body.items;

  it('never matches an engineer on leave, and keeps each entry once however often it is sent', async () => {
    const today = localDay(Date.now(), 'Europe/London');
    // Leave for the whole of the week matching searches: today and the seven days after it.
    const leave = { engineerId: 'eng_priya', kind: 'leave', from: today, to: addDays(today, 7), note: 'Holiday' };
    // Sent five times at once: one is made, the others are told it is in flight; a retry answers the one made.
    const racing = await Promise.all([1, 2, 3, 4, 5].map(() => rota('priya-leave', leave)));
    for (const reply of racing) {
      expect([201, 409]).toContain(reply.status);
      if (reply.status === 409) expect(reply.body.code).toBe('idempotency.in_flight');
    }
    const made = racing.find((reply) => reply.status === 201);
    const retried = await rota('priya-leave', leave);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(made?.body);
    expect(made?.body).toMatchObject({ engineerId: 'eng_priya', kind: 'leave', note: 'Holiday' });
    expect(await listed('eng_priya', today, addDays(today, 7))).toHaveLength(1);
    const sent = [retried];

    for (const bad of [
      { ...leave, to: addDays(today, -1) },
      { ...leave, to: addDays(today, 40) },
      { ...leave, engineerId: 'eng_nobody' },
      { ...leave, kind: 'holiday' },
      { ...leave, maxTravelMinutes: 30 },
      { ...leave, from: 'next tuesday' },
    ]) {
      const refused = await rota(`bad-${JSON.stringify(bad)}`, bad);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await rota(undefined, leave)).status).toBe(400);
    const engineer = await api.token({ role: 'engineer', engineerId: 'eng_priya' });
    expect(
      (await api.call('POST', '/v1/rota', { token: engineer, headers: { 'idempotency-key': 'x' }, body: leave }))
        .status,
    ).toBe(403);

    // A gas job: of the two Gas Safe engineers in date, the one away is not matched, and says why.
    const id = await createWorkOrder('rota-gas-job', {
      customerId: 'cus_pennine_fm',
      siteId: 'site_stockport',
      jobType: 'boiler_repair',
      description: 'Plant room boiler locking out',
    });
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    expect(wo.engineerId).toBe('eng_amira');
    const candidates = await api.call('GET', `/v1/work-orders/${id}/candidates`, { token: office });
    expect(candidates.body.excluded).toContainEqual({ engineerId: 'eng_priya', reasons: ['on_leave'] });
    // Nor by hand.
    const byHand = await api.call('POST', `/v1/work-orders/${id}/reassign`, {
      token: office,
      headers: { 'idempotency-key': 'rota-reassign' },
      body: { engineerId: 'eng_priya', reason: 'Customer asked for Priya' },
    });
    expect(byHand.status).toBe(409);
    expect(byHand.body.code).toBe('assignment.on_leave');

    // Back from leave: the entry is deleted once.
    expect((await api.call('DELETE', `/v1/rota/${sent[0]?.body.id}`, { token: office })).status).toBe(204);
    expect((await api.call('DELETE', `/v1/rota/${sent[0]?.body.id}`, { token: office })).status).toBe(404);
    expect(await listed('eng_priya', today, addDays(today, 7))).toEqual([]);
  });

  it('sends a P1 at night to the engineer on call at once, not to the morning shift', async () => {
    // A zone where it is 02:00 now: the demo engineers' shifts (07:00 to 19:00) are hours away.
    let hours = new Date().getUTCHours() - 2;
    if (hours > 12) hours -= 24;
    const zone = hours >= 0 ? `Etc/GMT+${hours}` : `Etc/GMT${hours}`;
    expect((await setBusiness({ timeZone: zone })).status).toBe(200);
    const now = Date.now();
    const onCall = await rota('amira-on-call', {
      engineerId: 'eng_amira',
      kind: 'on_call',
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 5 * 3_600_000).toISOString(),
      maxTravelMinutes: 60,
    });
    expect(onCall.status).toBe(201);
    try {
      const id = await createWorkOrder('rota-night-leak', {
        customerId: 'cus_northwest_homes',
        siteId: 'site_salford',
        jobType: 'gas_emergency',
        priority: 'P1',
        description: 'Strong smell of gas in the hall',
      });
      const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      expect(wo).toMatchObject({ engineerId: 'eng_amira', calledOut: true });
      // Out now: started within the hour (the drive), not at 07:00.
      expect(Date.parse(wo.scheduledStart) - now).toBeLessThan(3_600_000);

      // Invoiced with the business's out-of-hours call-out charge.
      expect((await setBusiness({ outOfHoursCallOutMinor: 9500 })).status).toBe(200);
      const closed = await api.workToInvoice(id, patience);
      const invoice = await api.call('GET', `/v1/invoices/${closed.invoiceId}`, { token: office });
      expect(invoice.body.lines).toContainEqual(
        expect.objectContaining({ description: 'Out-of-hours call-out', qty: 1, unitMinor: 9500, totalMinor: 9500 }),
      );
    } finally {
      expect((await setBusiness({ timeZone: null, outOfHoursCallOutMinor: null })).status).toBe(200);
      expect((await api.call('DELETE', `/v1/rota/${onCall.body.id}`, { token: office })).status).toBe(204);
    }
  });
});

describe('van stock', () => {
  it('says which engineers carry the parts a job needs, and scores them for it', async () => {
    // Priya's van holds a pressure relief valve (the demo's stock take); Amira's holds none.
    const id = await createWorkOrder('van-stock-valve', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Pressure relief valve dripping',
      parts: [{ sku: 'PRV-VALVE', qty: 1 }],
    });
    await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    const reply = await api.call('GET', `/v1/work-orders/${id}/candidates`, { token: office });
    const byId = new Map(reply.body.candidates.map((c: { engineerId: string }) => [c.engineerId, c]));
    expect(byId.get('eng_priya')).toMatchObject({ carriesParts: true });
    expect((byId.get('eng_amira') as { carriesParts?: boolean } | undefined)?.carriesParts).toBeUndefined();
  });
});

describe('booked windows', () => {
  const drains = {
    siteId: 'site_didsbury',
    category: 'blocked_drain',
    description: 'Kitchen sink and outside gully backing up',
    contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
    source: 'web',
  };

  it('offers the coming days’ windows the schedule can keep, ranked, and moves the visit into the one booked', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const id = await api.request('cus_okafor', 'booked-window-drain', drains);
    await api.waitFor(id, (w) => w.status === 'dispatched', patience);

    const offered = await api.call('GET', `/v1/requests/${id}/slots`, { token: customer });
    expect(offered.status).toBe(200);
    expect(offered.body.timeZone).toBe('Europe/London');
    const slots: Array<{ day: string; from: string; to: string; label: string; rank: number }> = offered.body.items;
    expect(slots.length).toBeGreaterThan(4);
    const today = localDay(Date.now(), 'Europe/London');
    for (const slot of slots) {
      expect(Date.parse(slot.from)).toBeGreaterThan(Date.now());
      expect(slot.day >= today && slot.day < addDays(today, 7)).toBe(true);
      expect(['Morning', 'Afternoon']).toContain(slot.label);
      // Morning is 08:00 to 12:00 on the business's clock.
      if (slot.label === 'Morning') expect(localMinuteOfDay(Date.parse(slot.from), 'Europe/London')).toBe(8 * 60);
    }
    expect(slots.map((s) => s.rank).sort((a, b) => a - b)).toEqual(slots.map((_, i) => i + 1));
    const twoHour = await api.call('GET', `/v1/requests/${id}/slots?kind=two_hour&days=3`, { token: customer });
    expect(twoHour.body.items.map((s: { label: string }) => s.label)).toContain('10:00 to 12:00');
    const stranger = await api.token({ role: 'customer', customerId: 'cus_pennine_fm' });
    expect((await api.call('GET', `/v1/requests/${id}/slots`, { token: stranger })).status).toBe(404);
    expect((await api.call('GET', `/v1/requests/${id}/slots?days=99`, { token: customer })).status).toBe(400);

    // The customer books an afternoon three days ahead: the visit moves into it, and it binds from then on.
    const chosen = slots.find((s) => s.day === addDays(today, 3) && s.label === 'Afternoon');
    expect(chosen).toBeDefined();
    const book = (window: { from: string; to: string }) =>
      api.call('POST', `/v1/requests/${id}/slot`, { token: customer, body: { from: window.from, to: window.to } });
    const booked = await book(chosen as { from: string; to: string });
    expect(booked.status).toBe(200);
    expect(booked.body.bookedWindow).toEqual({ from: chosen?.from, to: chosen?.to });
    const moved = await api.waitFor(
      id,
      (w) =>
        w.status === 'dispatched' && w.scheduledStart >= (chosen?.from ?? '') && w.scheduledStart <= (chosen?.to ?? ''),
      patience,
    );
    expect(moved.timeline.map((e: { type: string }) => e.type)).toContain('window_booked');
    // Booked again: a replay.
    expect((await book(chosen as { from: string; to: string })).status).toBe(200);

    // The day optimiser keeps it in its window.
    const plan = await api.call('POST', '/v1/schedule/optimise', {
      token: office,
      body: { date: chosen?.day, seconds: 0.5, seed: 1 },
    });
    expect(plan.status).toBe(200);
    const planned = plan.body.routes.flatMap((r: { jobs: Array<{ workOrderId: string; start: string }> }) => r.jobs);
    const mine = planned.find((job: { workOrderId: string }) => job.workOrderId === id);
    expect(mine.start >= (chosen?.from ?? '') && mine.start <= (chosen?.to ?? '')).toBe(true);

    // Not a window at all, or one already begun: refused, and the booking stands.
    const notAWindow = await book({ from: `${chosen?.day}T09:00:00Z`, to: `${chosen?.day}T11:00:00Z` });
    expect(notAWindow.status).toBe(400);
    const yesterday = addDays(today, -1);
    const begun = await book({ from: `${yesterday}T08:00:00+00:00`, to: `${yesterday}T12:00:00+00:00` });
    expect(begun.status).toBe(409);
    expect(begun.body.code).toBe('booking.unavailable');
    const after = await api.call('GET', `/v1/requests/${id}`, { token: customer });
    expect(after.body.bookedWindow).toEqual({ from: chosen?.from, to: chosen?.to });

    // Two moves at once (the customer on the portal, the office on the phone): one window wins, and the visit is in it.
    const morning = slots.find((s) => s.day === addDays(today, 4) && s.label === 'Morning');
    const afternoon = slots.find((s) => s.day === addDays(today, 4) && s.label === 'Afternoon');
    expect(morning && afternoon).toBeTruthy();
    const racing = await Promise.all([
      book(morning as { from: string; to: string }),
      api.call('POST', `/v1/requests/${id}/slot`, {
        token: office,
        body: { from: afternoon?.from, to: afternoon?.to },
      }),
    ]);
    expect(racing.map((reply) => reply.status)).toEqual([200, 200]);
    const settled = (await api.call('GET', `/v1/requests/${id}`, { token: customer })).body.bookedWindow;
    expect([morning?.from, afternoon?.from]).toContain(settled.from);
    const final = await api.waitFor(
      id,
      (w) => w.status === 'dispatched' && w.scheduledStart >= settled.from && w.scheduledStart <= settled.to,
      patience,
    );
    expect(final.preferredWindow).toEqual(settled);
  });
});
