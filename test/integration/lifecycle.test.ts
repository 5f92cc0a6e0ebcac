import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(() => api.close());

const gasSafeEngineers = ['eng_amira', 'eng_priya'];
const expiredGasSafeEngineer = 'eng_tom';

async function createReplacement(office: string, key: string) {
  return api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': key },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_ancoats',
      assetIds: ['asset_boiler_ancoats'],
      jobType: 'boiler_replacement',
      description: 'Replace the 2017 combi boiler: heat exchanger cracked, condemned at last service',
    },
  });
}

describe('a work order from request to invoice', () => {
  it('logs a customer request with a priority and an SLA due time from triage', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });

    const reply = await api.call('POST', '/v1/requests', {
      token: customer,
      headers: { 'idempotency-key': 'req-1' },
      body: {
        siteId: 'site_salford',
        category: 'leak',
        description: 'Water pouring through the kitchen ceiling from the flat above',
        contact: { name: 'Jo Whitfield', phone: '+44 161 555 0142' },
      },
    });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ status: 'logged', priority: 'P1', source: 'api' });
    expect(reply.body.ref).toMatch(/^WO-\d{6}$/);
    const hours = (Date.parse(reply.body.slaDueAt) - Date.parse(reply.body.loggedAt)) / 3_600_000;
    expect(hours).toBe(4);
    const followed = await api.call('GET', `/v1/requests/${reply.body.id}`, { token: customer });
    expect(followed.status).toBe(200);
    expect(followed.body.id).toBe(reply.body.id);
  });

  it('walks a boiler replacement through approval, a refusal, the field and closeout to one invoice', async () => {
    const office = await api.token({ role: 'dispatcher' });
    const approver = await api.token({ role: 'approver' });

    // Created by the office: a boiler replacement needs approval.
    const created = await createReplacement(office, 'replace-1');
    expect(created.status).toBe(201);
    const id = created.body.id;
    await api.waitFor(id, (wo) => wo.status === 'pending_approval');

    // Approved: matched to an engineer with a valid Gas Safe certificate, never the expired one, and dispatched.
    expect((await api.call('POST', `/v1/work-orders/${id}/approve`, { token: approver })).status).toBe(200);
    const first = await api.waitFor(id, (wo) => wo.status === 'dispatched');
    expect(gasSafeEngineers).toContain(first.engineerId);

    // The first engineer refuses: re-matched to the other eligible engineer.
    const firstEngineer = await api.token({ role: 'engineer', engineerId: first.engineerId });
    const refused = await api.call('POST', `/v1/work-orders/${id}/acknowledge`, {
      token: firstEngineer,
      body: { accept: false, reason: 'Van in for repair today' },
    });
    expect(refused.status).toBe(200);
    const second = await api.waitFor(id, (wo) => wo.status === 'dispatched' && wo.engineerId !== first.engineerId);
    expect(gasSafeEngineers).toContain(second.engineerId);
    expect(second.engineerId).not.toBe(expiredGasSafeEngineer);

    // The second engineer works the job; one status update is replayed by the phone.
    const engineer = await api.token({ role: 'engineer', engineerId: second.engineerId });
    expect(
      (await api.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } })).status,
    ).toBe(200);
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    const arrived = new Date(Date.now() - 3 * 3_600_000);
    const statuses = [
      { eventId: 'evt-en-route-1', status: 'en_route', at: new Date(arrived.getTime() - 1_800_000).toISOString() },
      { eventId: 'evt-on-site-1', status: 'on_site', at: arrived.toISOString() },
      { eventId: 'evt-working-1', status: 'in_progress', at: new Date(arrived.getTime() + 600_000).toISOString() },
    ];
    for (const update of statuses) {
      const reply = await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body: update });
      expect(reply.status).toBe(200);
    }
    const beforeReplay = await api.waitFor(id, (wo) => wo.status === 'in_progress');
    const replay = await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body: statuses[2] });
    expect(replay.status).toBe(200);
    expect(replay.body.version).toBe(beforeReplay.version);
    const afterReplay = await api.waitFor(id, () => true);
    expect(afterReplay.version).toBe(beforeReplay.version);
    expect(afterReplay.timeline).toHaveLength(beforeReplay.timeline.length);

    // Completed: closeout runs and the work order ends closed.
    const completed = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: engineer,
      body: {
        eventId: 'evt-complete-1',
        outcome: 'fixed',
        findings: 'Heat exchanger cracked; flue terminal too close to the window',
        workDone: 'Removed old boiler, fitted Greenstar 30i with new horizontal flue, commissioned and tested',
        partsUsed: [
          { sku: 'BOILER-COMBI-30', qty: 1 },
          { sku: 'FLUE-KIT-STD', qty: 1 },
        ],
      },
    });
    expect(completed.status).toBe(202);
    const closed = await api.waitFor(id, (wo) => wo.status === 'closed');
    expect(closed.stageTimes).toHaveProperty('completed');

    // Exactly one invoice with labour, parts, tax and total.
    const invoices = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });
    expect(invoices.body.items).toHaveLength(1);
    const invoice = invoices.body.items[0];
    expect(closed.invoiceId).toBe(invoice.id);
    expect(invoice.lines.map((l: { description: string }) => l.description).join(' | ')).toMatch(/labour/i);
    expect(invoice.lines.some((l: { unitMinor: number }) => l.unitMinor === 145_000)).toBe(true);
    expect(invoice.lines.some((l: { unitMinor: number }) => l.unitMinor === 8_900)).toBe(true);
    const lineSum = invoice.lines.reduce((sum: number, l: { totalMinor: number }) => sum + l.totalMinor, 0);
    expect(invoice.subtotalMinor).toBe(lineSum);
    expect(invoice.taxMinor).toBe(Math.round(lineSum * 0.2));
    expect(invoice.totalMinor).toBe(invoice.subtotalMinor + invoice.taxMinor);
    expect(invoice.currency).toBe('GBP');

    // The office's change feed reported the invoice, once.
    const feed = await api.feedUntil(undefined, (items) =>
      items.some((e: { type: string; workOrderId?: string }) => e.type === 'invoice.issued' && e.workOrderId === id),
    );
    const issued = feed.items.filter(
      (e: { type: string; workOrderId?: string }) => e.type === 'invoice.issued' && e.workOrderId === id,
    );
    expect(issued).toHaveLength(1);
    expect(issued[0].data).toMatchObject({ invoiceId: invoice.id, totalMinor: invoice.totalMinor });

    // The boiler's history holds this job, and its next service is a year after completion.
    const asset = await api.call('GET', '/v1/assets/asset_boiler_ancoats', { token: office });
    expect(asset.body.history.map((v: { workOrderId: string }) => v.workOrderId)).toContain(id);
    const completedOn = new Date(closed.completion.at);
    const expectedDue = new Date(
      Date.UTC(completedOn.getUTCFullYear() + 1, completedOn.getUTCMonth(), completedOn.getUTCDate()),
    );
    expect(asset.body.nextServiceDue).toBe(expectedDue.toISOString().slice(0, 10));

    // Exactly one next planned service for the boiler.
    const list = await api.call('GET', '/v1/work-orders?customerId=cus_northwest_homes&limit=200', { token: office });
    const planned = list.body.items.filter(
      (wo: { source: string; assetIds: string[] }) =>
        wo.source === 'planned' && wo.assetIds.includes('asset_boiler_ancoats'),
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({
      jobType: 'boiler_service',
      plannedFor: asset.body.nextServiceDue,
      status: 'logged',
    });

    // The execution succeeded, and its history shows the path it took.
    const execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    expect(execution.body.status).toBe('SUCCEEDED');
    const states = execution.body.events.map((e: { state?: string }) => e.state).filter(Boolean);
    for (const state of [
      'WaitForApproval',
      'MatchEngineer',
      'Dispatch',
      'WaitForAcknowledgement',
      'WaitForCompletion',
      'Closeout',
      'Closed',
    ]) {
      expect(states).toContain(state);
    }
    expect(states.filter((s: string) => s === 'MatchEngineer').length).toBeGreaterThanOrEqual(2);
  });

  it('ends a rejected work order rejected, its execution finished without scheduling', async () => {
    const office = await api.token({ role: 'dispatcher' });
    const approver = await api.token({ role: 'approver' });
    const id = (await createReplacement(office, 'replace-rejected')).body.id;
    await api.waitFor(id, (wo) => wo.status === 'pending_approval');

    const rejected = await api.call('POST', `/v1/work-orders/${id}/reject`, {
      token: approver,
      body: { reason: 'Landlord will replace under the manufacturer warranty' },
    });

    expect(rejected.status).toBe(200);
    await api.waitFor(id, (wo) => wo.status === 'rejected');
    let execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    for (let i = 0; i < 100 && execution.body.status === 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    }
    expect(execution.body.status).toBe('SUCCEEDED');
    const states = execution.body.events.map((e: { state?: string }) => e.state);
    expect(states).toContain('Rejected');
    expect(states).not.toContain('MatchEngineer');
  });

  it('replays the first response to a reused Idempotency-Key, and refuses it with a different body', async () => {
    const office = await api.token({ role: 'dispatcher' });
    const first = await createReplacement(office, 'replace-replayed');
    const again = await createReplacement(office, 'replace-replayed');
    const other = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'replace-replayed' },
      body: {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'electrical_fault',
        description: 'Tripping RCD',
      },
    });

    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency.key_reused');
  });

  it('treats a second approval as harmless: one transition, no error', async () => {
    const office = await api.token({ role: 'dispatcher' });
    const approver = await api.token({ role: 'approver' });
    const id = (await createReplacement(office, 'replace-approved-twice')).body.id;
    await api.waitFor(id, (wo) => wo.status === 'pending_approval');

    const once = await api.call('POST', `/v1/work-orders/${id}/approve`, { token: approver });
    const twice = await api.call('POST', `/v1/work-orders/${id}/approve`, { token: approver });

    expect(once.status).toBe(200);
    expect(twice.status).toBeLessThan(500);
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched');
    const approvals = wo.timeline.filter(
      (e: { to?: string; from?: string }) => e.from === 'pending_approval' && e.to === 'ready_to_schedule',
    );
    expect(approvals).toHaveLength(1);
  });
});

describe('the central job list', () => {
  it('orders open work as a dispatch board: priority tier first, then SLA due time', async () => {
    const office = await api.token({ role: 'dispatcher' });

    const reply = await api.call('GET', '/v1/work-orders?limit=200', { token: office });

    expect(reply.status).toBe(200);
    const items: Array<{ priority: string; slaDueAt: string }> = reply.body.items;
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(items.map((wo) => wo.priority)).size).toBeGreaterThanOrEqual(2);
    const keys = items.map((wo) => `${wo.priority}#${wo.slaDueAt}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('filters by status and by priority', async () => {
    const office = await api.token({ role: 'dispatcher' });

    const p1 = await api.call('GET', '/v1/work-orders?priority=P1', { token: office });
    const closed = await api.call('GET', '/v1/work-orders?status=closed', { token: office });

    expect(p1.body.items.length).toBeGreaterThan(0);
    expect(p1.body.items.every((wo: { priority: string }) => wo.priority === 'P1')).toBe(true);
    expect(closed.body.items.length).toBeGreaterThan(0);
    expect(closed.body.items.every((wo: { status: string }) => wo.status === 'closed')).toBe(true);
  });
});

describe('manual assignment when no engineer matches', () => {
  it('waits for the office, refuses an engineer whose certificate expired, and dispatches the one assigned', async () => {
    const office = await api.token({ role: 'dispatcher' });
    const created = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'nobody-matches' },
      body: {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'boiler_repair',
        description: 'Boiler locks out; loft access needs asbestos awareness',
        requiredSkills: ['gas', 'heating', 'asbestos_awareness'],
      },
    });
    const id = created.body.id;
    const waiting = await api.waitFor(id, (wo) => wo.status === 'ready_to_schedule' && wo.waitingFor === 'assignment');
    expect(waiting.attention.reason).toMatch(/No eligible engineer/);
    expect(waiting.timeline.map((e: { type: string }) => e.type)).toContain('no_engineer_matched');

    const lacksSkill = await api.call('POST', `/v1/work-orders/${id}/assign`, {
      token: office,
      body: { engineerId: 'eng_priya' },
    });
    expect(lacksSkill.status).toBe(409);
    expect(lacksSkill.body.code).toBe('assignment.missing_skill');

    const read = await api.call('GET', `/v1/work-orders/${id}`, { token: office });
    const patched = await api.call('PATCH', `/v1/work-orders/${id}`, {
      token: office,
      headers: { 'if-match': read.headers.get('etag') as string },
      body: { requiredSkills: ['gas', 'heating'] },
    });
    expect(patched.status).toBe(200);
    const expired = await api.call('POST', `/v1/work-orders/${id}/assign`, {
      token: office,
      body: { engineerId: 'eng_tom' },
    });
    expect(expired.status).toBe(409);
    expect(expired.body.code).toBe('assignment.missing_certification');

    const assigned = await api.call('POST', `/v1/work-orders/${id}/assign`, {
      token: office,
      body: { engineerId: 'eng_priya' },
    });

    expect(assigned.status).toBe(200);
    const dispatched = await api.waitFor(id, (wo) => wo.status === 'dispatched');
    expect(dispatched.engineerId).toBe('eng_priya');
  });
});
