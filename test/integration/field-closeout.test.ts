import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeoutAgain } from '../fixtures/closeout.ts';
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

async function dispatchedJob(key: string, body: Record<string, unknown>) {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body,
  });
  expect(created.status).toBe(201);
  const wo = await api.waitFor(created.body.id, (w) => w.status === 'dispatched');
  const token = await api.token({ role: 'engineer', engineerId: wo.engineerId });
  expect(
    (await api.call('POST', `/v1/work-orders/${wo.id}/acknowledge`, { token, body: { accept: true } })).status,
  ).toBe(200);
  await api.waitFor(wo.id, (w) => w.waitingFor === 'completion');
  for (const [hours, status] of [
    [4, 'en_route'],
    [3.5, 'on_site'],
    [3, 'in_progress'],
  ] as const) {
    const body = { eventId: `evt-${key}-${status}`, status, at: hoursAgo(hours) };
    expect((await api.call('POST', `/v1/work-orders/${wo.id}/status`, { token, body })).status).toBe(200);
  }
  return { id: wo.id as string, token };
}

async function send(token: string, id: string, record: string, body: unknown) {
  return api.call('POST', `/v1/work-orders/${id}/${record}`, { token, body });
}

describe("an engineer's day on site, through closeout", () => {
  it('enforces the gas safety job sheet and signature, then closes a boiler service', async () => {
    const { id, token } = await dispatchedJob('day-service', {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      assetIds: ['asset_boiler_ancoats'],
      jobType: 'boiler_service',
      description: 'Annual gas safety service',
    });
    const answer = (eventId: string, answers: Array<{ itemId: string; value: unknown }>) =>
      send(token, id, 'checklist', { eventId, answers });

    // The job pack: who, where, what to watch for, the gas safety sheet to fill in and that a signature is needed.
    const pack = await api.call('GET', `/v1/work-orders/${id}/job-pack`, { token });
    expect(pack.status).toBe(200);
    expect(pack.body.customer).toMatchObject({ name: expect.any(String) });
    expect(pack.body.site).toMatchObject({ postcode: 'M4 6AJ', hazards: expect.arrayContaining(['Tenant has a dog']) });
    expect(pack.body.checklist.filter((item: { required: boolean }) => item.required)).toHaveLength(7);
    expect(pack.body.requiresSignature).toBe(true);
    const stranger = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
    expect((await api.call('GET', `/v1/work-orders/${id}/job-pack`, { token: stranger })).status).toBe(404);

    // The engineer's day lists the job with its ETA.
    const wo = await api.waitFor(id, () => true);
    const day = await api.call('GET', `/v1/me/jobs?date=${wo.scheduledStart.slice(0, 10)}`, { token });
    const listed = day.body.items.find((job: { id: string }) => job.id === id);
    expect(Date.parse(listed.eta)).toBeGreaterThanOrEqual(Date.parse(wo.scheduledStart));

    // A reading outside the analyser's range is refused and recorded nowhere.
    const outOfRange = await answer('evt-sheet-bad-1', [{ itemId: 'flue_gas_ratio', value: 0.02 }]);
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.code).toBe('request.validation_failed');
    expect((await answer('evt-sheet-1', [{ itemId: 'operating_pressure', value: 20 }])).status).toBe(200);

    const early = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token,
      body: { eventId: 'evt-done-early', outcome: 'fixed', findings: 'OK', workDone: 'Serviced', partsUsed: [] },
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('completion.incomplete');
    const missing = early.body.missing.map((m: { kind: string; itemId?: string }) => m.itemId ?? m.kind);
    expect(missing).toEqual(
      expect.arrayContaining(['flue_gas_ratio', 'flue_gas_co_ppm', 'safety_devices', 'ventilation', 'signature']),
    );
    expect(missing).not.toContain('operating_pressure');

    await api.upload(token, id, 'photo');
    const signature = await api.upload(token, id, 'signature');
    const outOfRangeAtCompletion = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token,
      body: {
        eventId: 'evt-done-bad',
        outcome: 'fixed',
        findings: 'OK',
        workDone: 'Serviced',
        partsUsed: [],
        checklist: [{ itemId: 'flue_gas_co_ppm', value: 900 }],
      },
    });
    expect(outOfRangeAtCompletion.status).toBe(400);
    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token,
      body: {
        eventId: 'evt-done-1',
        outcome: 'fixed',
        findings: 'Burner clean, seals good',
        workDone: 'Full service, combustion analysis, safety checks',
        partsUsed: [],
        signatureAttachmentId: signature,
        checklist: [
          { itemId: 'flue_gas_ratio', value: 0.0012 },
          { itemId: 'flue_gas_co_ppm', value: 35 },
          { itemId: 'safety_devices', value: true },
          { itemId: 'ventilation', value: true },
          { itemId: 'flue_visual', value: true },
          { itemId: 'appliance_safe', value: true },
        ],
      },
    });
    expect(done.status).toBe(202);
    const closed = await api.waitFor(id, (w) => w.status === 'closed');
    expect(closed.completion.firstTimeFix).toBe(true);
    expect(Object.keys(closed.checklistAnswers)).toHaveLength(7);

    // The boiler's history holds the visit, and its next service is due a year on.
    const boiler = await api.call('GET', '/v1/assets/asset_boiler_ancoats', { token: office });
    expect(boiler.body.history[0]).toMatchObject({ workOrderId: id, outcome: 'fixed' });
    const due = new Date(closed.completion.at);
    due.setUTCFullYear(due.getUTCFullYear() + 1);
    expect(boiler.body.nextServiceDue).toBe(due.toISOString().slice(0, 10));

    // One next planned service for the boiler, however often closeout runs again.
    await closeoutAgain(id);
    await closeoutAgain(id);
    const list = await api.call('GET', '/v1/work-orders?customerId=cus_northwest_homes&limit=200', { token: office });
    const planned = list.body.items.filter(
      (w: { source: string; assetIds: string[] }) =>
        w.source === 'planned' && w.assetIds.includes('asset_boiler_ancoats'),
    );
    expect(planned).toHaveLength(1);
    expect((await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office })).body.items).toHaveLength(1);
  });

  it('records replayed and out-of-order updates once, in the order they happened, and bills from them', async () => {
    const { id, token } = await dispatchedJob('day-repair', {
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      jobType: 'boiler_repair',
      description: 'Boiler losing pressure',
    });
    const feedStart = (await api.call('GET', '/v1/events?limit=500', { token: office })).body.nextCursor;
    const work = { eventId: 'evt-work-1', kind: 'work', startedAt: hoursAgo(3), endedAt: hoursAgo(1.5) };
    const travel = { eventId: 'evt-travel-1', kind: 'travel', startedAt: hoursAgo(3.5), endedAt: hoursAgo(3) };
    const valve = { eventId: 'evt-valve-1', sku: 'PRV-VALVE', qty: 2, at: hoursAgo(2) };
    const inhibitor = { eventId: 'evt-inhib-1', sku: 'INHIBITOR-1L', qty: 1, at: hoursAgo(2.5) };
    const request = { eventId: 'evt-parts-1', sku: 'FLUE-KIT-STD', qty: 1, note: 'Flue terminal corroded' };
    const note = { eventId: 'evt-note-1', text: 'Flue terminal corroded; customer advised not to block the vent' };
    // The phone replays its queue twice, newest first.
    for (let round = 0; round < 2; round++) {
      for (const [record, body] of [
        ['time-logs', work],
        ['time-logs', travel],
        ['materials', valve],
        ['materials', inhibitor],
        ['parts-requests', request],
        ['notes', note],
      ] as const) {
        expect((await send(token, id, record, body)).status).toBe(200);
      }
    }
    const reused = await send(token, id, 'materials', { ...valve, qty: 5 });
    expect(reused.status).toBe(422);

    const recorded = await api.waitFor(id, () => true);
    expect(recorded.timeLogs.map((l: { eventId: string }) => l.eventId)).toEqual(['evt-travel-1', 'evt-work-1']);
    expect(recorded.materials.map((m: { sku: string }) => m.sku)).toEqual(['INHIBITOR-1L', 'PRV-VALVE']);
    expect(recorded.partsRequests).toHaveLength(1);
    const feed = await api.feedUntil(feedStart, (items) =>
      items.some((e: { type: string; workOrderId?: string }) => e.type === 'workorder.parts_requested'),
    );
    const requested = feed.items.filter((e: { type: string }) => e.type === 'workorder.parts_requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ workOrderId: id, data: { sku: 'FLUE-KIT-STD', qty: 1 } });

    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token,
      body: {
        eventId: 'evt-repair-done',
        outcome: 'follow_up_required',
        findings: 'Pressure relief valve passing; flue terminal corroded',
        workDone: 'Replaced the pressure relief valve, topped up inhibitor',
        followUp: 'Replace the flue terminal when the kit arrives',
        partsUsed: [],
      },
    });
    expect(done.status).toBe(202);
    const closed = await api.waitFor(id, (w) => w.status === 'closed');
    expect(closed.completion.firstTimeFix).toBe(false);

    // One invoice: 1.5 h of logged work at the engineer's rate (travel is not billed), the parts, VAT.
    const invoices = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });
    expect(invoices.body.items).toHaveLength(1);
    const [invoice] = invoices.body.items;
    const engineer = await api.call('GET', `/v1/engineers/${closed.engineerId}`, { token: office });
    expect(invoice.lines[0]).toMatchObject({ qty: 1.5, unitMinor: engineer.body.hourlyRateMinor });
    expect(invoice.lines).toContainEqual(expect.objectContaining({ qty: 2, unitMinor: 1_850, totalMinor: 3_700 }));
    expect(invoice.lines).toContainEqual(expect.objectContaining({ qty: 1, unitMinor: 1_600 }));
    expect(invoice.lines.some((l: { unitMinor: number }) => l.unitMinor === 8_900)).toBe(false);

    // Stock taken once; the valve fell below its reorder point and a reorder went out.
    const valveStock = await api.call('GET', '/v1/parts/PRV-VALVE', { token: office });
    expect(valveStock.body.stock).toBe(4);
    const events = await api.feedUntil(feedStart, (items) =>
      items.some((e: { type: string }) => e.type === 'stock.reorder_raised'),
    );
    const reorders = events.items.filter((e: { type: string }) => e.type === 'stock.reorder_raised');
    expect(reorders).toEqual([
      expect.objectContaining({ workOrderId: id, data: expect.objectContaining({ sku: 'PRV-VALVE' }) }),
    ]);

    // A linked follow-up carrying the first visit's notes.
    expect(closed.followUpId).toBeDefined();
    const followUp = await api.call('GET', `/v1/work-orders/${closed.followUpId}`, { token: office });
    expect(followUp.body).toMatchObject({ followUpOf: id, source: 'follow_up', jobType: 'boiler_repair' });
    expect(followUp.body.notes.map((n: { text: string }) => n.text)).toContain(note.text);
    expect(followUp.body.description).toMatch(/Replace the flue terminal/);
    // Whoever gets the follow-up finds the first visit's findings and notes in their job pack.
    const next = await api.waitFor(closed.followUpId, (w) => w.status === 'dispatched');
    const nextEngineer = await api.token({ role: 'engineer', engineerId: next.engineerId });
    const nextPack = await api.call('GET', `/v1/work-orders/${next.id}/job-pack`, { token: nextEngineer });
    expect(nextPack.body.previousVisits[0]).toMatchObject({
      workOrderId: id,
      outcome: 'follow_up_required',
      findings: expect.stringMatching(/flue terminal corroded/),
      notes: [note.text],
    });

    // Exactly once under retries: closeout run again, every step of it, changes nothing.
    await closeoutAgain(id);
    expect((await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office })).body.items).toHaveLength(1);
    expect((await api.call('GET', '/v1/parts/PRV-VALVE', { token: office })).body.stock).toBe(4);
    // Everything written before a later event is in the feed once that event is.
    const { id: sentinel } = await dispatchedJob('day-repair-sentinel', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'Radiator cold at the top',
    });
    const after = await api.feedUntil(feedStart, (items) =>
      items.some((e: { workOrderId?: string }) => e.workOrderId === sentinel),
    );
    expect(after.items.filter((e: { type: string }) => e.type === 'stock.reorder_raised')).toHaveLength(1);
    expect(
      after.items.filter(
        (e: { type: string; workOrderId?: string }) => e.type === 'invoice.issued' && e.workOrderId === id,
      ),
    ).toHaveLength(1);
    expect((await api.waitFor(id, () => true)).followUpId).toBe(closed.followUpId);
  });

  it('refuses field records from another engineer (404), for an unknown part (400) and before the job is theirs', async () => {
    const { id } = await dispatchedJob('day-guard', {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_repair',
      description: 'No hot water',
    });
    const wo = await api.waitFor(id, () => true);
    const other = await api.token({
      role: 'engineer',
      engineerId: wo.engineerId === 'eng_lucy' ? 'eng_dan' : 'eng_lucy',
    });
    const mine = await api.token({ role: 'engineer', engineerId: wo.engineerId });

    expect((await send(other, id, 'notes', { eventId: 'evt-other-1', text: 'hello' })).status).toBe(404);
    expect((await send(mine, id, 'materials', { eventId: 'evt-sku-1', sku: 'NOPE', qty: 1 })).status).toBe(400);
    expect((await send(mine, id, 'notes', { eventId: 'evt-x-1', text: 'hi', priority: 'P1' })).status).toBe(400);
  });
});
