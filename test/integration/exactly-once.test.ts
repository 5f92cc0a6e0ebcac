import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWholeBoard, type WorkOrderRecord } from '#shared/db/work-orders.ts';
import { reconcile } from '#shared/work-order/reconcile.ts';
import { executionArnOf } from '#shared/workflow.ts';
import { arrange, completionOf, generalJob, jobsOnSite } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, persistently, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let approver: string;

beforeAll(async () => {
  api = await startLocalApi({ retryIntervalOverrides: { Closeout: 0 } });
  office = await api.token({ role: 'dispatcher' });
  approver = await api.token({ role: 'approver' });
});
afterAll(() => api.close());

const shuffle = <T>(items: T[]) =>
  items
    .map((item) => ({ item, order: Math.random() }))
    .sort((a, b) => a.order - b.order)
    .map(({ item }) => item);

/** Every work order stored (open and finished), for counting what a race left behind. */
async function allWorkOrders(): Promise<WorkOrderRecord[]> {
  return [...(await listWholeBoard('open')), ...(await listWholeBoard('done'))];
}

const newJob = (description: string) => ({
  customerId: 'cus_okafor',
  siteId: 'site_didsbury',
  jobType: 'general_maintenance',
  description,
});

describe('one Idempotency-Key, many requests at once', () => {
  it('runs the request once when copies with the same body race, and replays its answer to all', async () => {
    const body = newJob('Same key, same body: sticking back door');
    const send = () =>
      api.call('POST', '/v1/work-orders', { token: office, headers: { 'idempotency-key': 'race-same-1' }, body });

    const first = await Promise.all(Array.from({ length: 8 }, send));

    expect(first.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'idempotency.in_flight'))).toBe(
      true,
    );
    const inFlight = first.filter((r) => r.status === 409);
    for (const reply of inFlight) expect(reply.headers.get('retry-after')).toBe('1');
    const retried = await Promise.all(first.map((r) => (r.status === 201 ? r : persistently(send))));
    expect(retried.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(retried.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(retried.map((r) => r.body.ref)).size).toBe(1);
    const stored = (await allWorkOrders()).filter((wo) => wo.description === body.description);
    expect(stored).toHaveLength(1);
  });

  it('lets one of several bodies under one key through, and refuses the others with 422', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => newJob(`Same key, body ${i}: loose handrail`));
    const send = (body: object) => () =>
      api.call('POST', '/v1/work-orders', { token: office, headers: { 'idempotency-key': 'race-diff-1' }, body });

    const replies = await Promise.all(bodies.map((body) => persistently(send(body))));

    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = replies.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([422, 'idempotency.key_reused']));
    const stored = (await allWorkOrders()).filter((wo) => wo.description.includes('loose handrail'));
    expect(stored).toHaveLength(1);
    const winner = replies.find((r) => r.status === 201);
    expect(stored[0]?.workOrderId).toBe(winner?.body.id);
  });
});

describe('field events from a phone replaying its queue', () => {
  it('applies ten shuffled copies of each event once, and bills the one time log once', async () => {
    const [job] = await jobsOnSite('replay', 1, {
      checklist: [{ id: 'door_closes', label: 'The door closes and latches', kind: 'boolean', required: true }],
    });
    const id = (job as WorkOrderRecord).workOrderId;
    const engineer = await api.token({ role: 'engineer', engineerId: job?.engineerId });
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    const hour = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    const events: Array<[string, object]> = [
      ['status', { eventId: 'evt-replay-pause', status: 'paused', at: hour(0.5), reason: 'Collecting a part' }],
      ['time-logs', { eventId: 'evt-replay-work', kind: 'work', startedAt: hour(2), endedAt: hour(1) }],
      ['materials', { eventId: 'evt-replay-hinge', sku: 'PRV-VALVE', qty: 1, at: hour(1.5) }],
      ['parts-requests', { eventId: 'evt-replay-part', sku: 'FLUE-KIT-STD', qty: 1 }],
      ['notes', { eventId: 'evt-replay-note', text: 'Door frame rotten at the base' }],
      ['checklist', { eventId: 'evt-replay-sheet', answers: [{ itemId: 'door_closes', value: true }] }],
    ];
    const copies = shuffle(events.flatMap((event) => Array.from({ length: 10 }, () => event)));

    const replies = await Promise.all(
      copies.map(([path, body]) =>
        persistently(() => api.call('POST', `/v1/work-orders/${id}/${path}`, { token: engineer, body })),
      ),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(200));
    for (const [, body] of events) {
      const eventId = (body as { eventId: string }).eventId;
      const answers = replies.filter(
        (_, i) => (copies[i]?.[1] as { eventId?: string } | undefined)?.eventId === eventId,
      );
      expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    }
    const wo = await api.waitFor(id, () => true);
    expect(wo.status).toBe('paused');
    expect(wo.timeLogs).toHaveLength(1);
    expect(wo.materials).toHaveLength(1);
    expect(wo.partsRequests).toHaveLength(1);
    expect(wo.notes).toHaveLength(1);
    const byEvent = new Map<string, number>();
    for (const entry of wo.timeline as Array<{ data?: { eventId?: string } }>) {
      const eventId = entry.data?.eventId;
      if (eventId) byEvent.set(eventId, (byEvent.get(eventId) ?? 0) + 1);
    }
    expect(Object.fromEntries(byEvent)).toEqual({
      'evt-replay-pause': 1,
      'evt-replay-work': 1,
      'evt-replay-hinge': 1,
      'evt-replay-part': 1,
      'evt-replay-note': 1,
      'evt-replay-sheet': 1,
    });
    expect(Object.keys(wo.checklistAnswers)).toEqual(['door_closes']);

    const resume = { eventId: 'evt-replay-resume', status: 'in_progress', at: hour(0.2) };
    expect((await api.call('POST', `/v1/work-orders/${id}/status`, { token: engineer, body: resume })).status).toBe(
      200,
    );
    const completions = await Promise.all(
      Array.from({ length: 10 }, () =>
        persistently(() =>
          api.call('POST', `/v1/work-orders/${id}/complete`, { token: engineer, body: completionOf(id) }),
        ),
      ),
    );
    expect(completions.map((r) => r.status)).toEqual(Array(10).fill(202));
    const closed = await api.waitFor(id, (w) => w.status === 'closed', 30_000);
    expect(closed.timeline.filter((e: { to?: string }) => e.to === 'completed')).toHaveLength(1);
    const invoices = await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office });
    expect(invoices.body.items).toHaveLength(1);
    // One hour of logged work, billed once.
    expect(invoices.body.items[0].lines[0]).toMatchObject({ qty: 1 });

    const other = await api.call('POST', `/v1/work-orders/${id}/notes`, {
      token: engineer,
      body: { eventId: 'evt-replay-note', text: 'Another text under the same id' },
    });
    expect(other.status).toBe(422);
  });
});

describe('a busy afternoon', () => {
  it('closes 100 jobs completed at once, each with one invoice, numbered without gaps, no execution failed', async () => {
    // Every invoice of this runtime so far is this customer's: the numbers issued before this test.
    const before = await api.call('GET', '/v1/invoices?customerId=cus_northwest_homes&limit=200', { token: office });
    const jobs = await jobsOnSite('busy', 100);
    for (const job of jobs) await api.waitFor(job.workOrderId, (wo) => wo.waitingFor === 'completion', 60_000);

    const replies = await Promise.all(
      jobs.map(async (job) => {
        const token = await api.token({ role: 'engineer', engineerId: job.engineerId });
        return persistently(() =>
          api.call('POST', `/v1/work-orders/${job.workOrderId}/complete`, {
            token,
            body: completionOf(job.workOrderId),
          }),
        );
      }),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(202));
    const numbers: number[] = [];
    for (const job of jobs) {
      await api.waitFor(job.workOrderId, (wo) => wo.status === 'closed' || wo.attention !== undefined, 240_000, 200);
      const wo = await api.waitFor(job.workOrderId, () => true);
      expect(wo.status).toBe('closed');
      const invoices = await api.call('GET', `/v1/invoices?workOrderId=${job.workOrderId}`, { token: office });
      expect(invoices.body.items).toHaveLength(1);
      numbers.push(Number(invoices.body.items[0].number.replace('INV-', '')));
      const execution = await api.call('GET', `/v1/work-orders/${job.workOrderId}/execution`, { token: office });
      expect(execution.body.status).toBe('SUCCEEDED');
    }
    const previous = (before.body.items as Array<{ number: string }>).map((i) => Number(i.number.replace('INV-', '')));
    expect(previous.sort((a, b) => a - b)).toEqual(Array.from({ length: previous.length }, (_, i) => i + 1));
    const first = previous.length + 1;
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => first + i));
  }, 300_000);
});

describe('simultaneous requests for one site and category', () => {
  it('make one job, and link the others to it', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        persistently(() =>
          api.call('POST', '/v1/requests', {
            token: customer,
            headers: { 'idempotency-key': `drain-at-once-${i}` },
            body: {
              siteId: 'site_salford',
              category: 'blocked_drain',
              description: `Kitchen drain backing up (tenant ${i})`,
              contact: { name: `Tenant ${i}` },
            },
          }),
        ),
      ),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(replies.filter((r) => r.body.linked === true)).toHaveLength(5);
    const job = await api.waitFor(replies[0]?.body.id, () => true);
    expect(job.linkedRequests).toHaveLength(5);
    const stored = (await allWorkOrders()).filter((wo) => wo.description.startsWith('Kitchen drain backing up'));
    expect(stored).toHaveLength(1);
  });
});

describe('approval', () => {
  it('is needed when the declared estimate is zero but the job prices above the threshold', async () => {
    const created = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'zero-estimate-1' },
      body: {
        customerId: 'cus_northwest_homes',
        siteId: 'site_ancoats',
        jobType: 'boiler_repair',
        description: 'Boiler repair declared free, with a new boiler in the parts',
        parts: [{ sku: 'BOILER-COMBI-30', qty: 1 }],
        estimatedCostMinor: 0,
      },
    });

    expect(created.status).toBe(201);
    const wo = await api.waitFor(created.body.id, (w) => w.waitingFor === 'approval');
    expect(wo.status).toBe('pending_approval');
    expect(wo.estimatedCostMinor).toBeGreaterThan(50_000);
  });

  it('is asked for again when a change makes the job need it, and assignment is refused until then', async () => {
    const record = await arrange(
      generalJob({ workOrderId: 'wo_approval_bypass', status: 'ready_to_schedule', siteId: 'site_ancoats' }),
    );
    const read = await api.call('GET', `/v1/work-orders/${record.workOrderId}`, { token: office });

    const changed = await api.call('PATCH', `/v1/work-orders/${record.workOrderId}`, {
      token: office,
      headers: { 'if-match': read.headers.get('etag') as string },
      body: { jobType: 'boiler_replacement' },
    });

    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('pending_approval');
    const assigned = await api.call('POST', `/v1/work-orders/${record.workOrderId}/assign`, {
      token: office,
      body: { engineerId: 'eng_amira' },
    });
    expect(assigned.status).toBe(409);
    expect((await api.waitFor(record.workOrderId, () => true)).status).toBe('pending_approval');
    const approved = await api.call('POST', `/v1/work-orders/${record.workOrderId}/approve`, { token: approver });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('ready_to_schedule');
  });
});

describe('re-driving an execution that ended', () => {
  const sfn = () => new SFNClient({});

  it('starts a new run from the office, with the reason on the timeline, and the job goes on to close', async () => {
    const [job] = await jobsOnSite('redrive', 1);
    const id = (job as WorkOrderRecord).workOrderId;
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    await sfn().send(new StopExecutionCommand({ executionArn: executionArnOf(id), error: 'Operator.Stopped' }));

    const redriven = await api.call('POST', `/v1/work-orders/${id}/redrive`, {
      token: office,
      body: { reason: 'Stopped by mistake' },
    });

    expect(redriven.status).toBe(200);
    const again = await api.call('POST', `/v1/work-orders/${id}/redrive`, { token: office, body: { reason: 'Twice' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('workflow.running');
    const engineer = await api.token({ role: 'engineer', engineerId: job?.engineerId });
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, { token: engineer, body: completionOf(id) });
    expect(done.status).toBe(202);
    const closed = await api.waitFor(id, (wo) => wo.status === 'closed', 30_000);
    expect(closed.timeline).toContainEqual(
      expect.objectContaining({ type: 'execution_redriven', reason: 'Stopped by mistake', actor: expect.any(String) }),
    );
    const execution = await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    expect(execution.body).toMatchObject({ status: 'SUCCEEDED', executionId: executionArnOf(id, 2) });
  });

  it('is done by the reconciler for an open work order whose execution failed, once', async () => {
    const [job] = await jobsOnSite('reconcile', 1);
    const id = (job as WorkOrderRecord).workOrderId;
    await api.waitFor(id, (wo) => wo.waitingFor === 'completion');
    await sfn().send(new StopExecutionCommand({ executionArn: executionArnOf(id) }));

    const [first, second] = await Promise.all([reconcile({ graceSeconds: 0 }), reconcile({ graceSeconds: 0 })]);

    expect(first.redriven + second.redriven).toBeGreaterThanOrEqual(1);
    const wo = await api.waitFor(id, (w) => w.waitingFor === 'completion');
    expect(wo.timeline.filter((e: { type: string }) => e.type === 'execution_redriven')).toHaveLength(1);
    const run = await sfn().send(new DescribeExecutionCommand({ executionArn: executionArnOf(id, 2) }));
    expect(run.status).toBe('RUNNING');
    expect((await reconcile({ graceSeconds: 0 })).redriven).toBe(0);
  });
});
