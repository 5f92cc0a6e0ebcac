import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '#shared/db/service.ts';
import { createWorkOrder, listPlannedOn, type WorkOrderRecord } from '#shared/db/work-orders.ts';
import { describeWorkOrderExecution } from '#shared/workflow.ts';
import { generalJob } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/*
 * A new request and the matcher read key ranges whose size does not grow with history: a customer's, a site's or a
 * day's past adds nothing to what they read. Each is measured in items the store hands back (DynamoDB bills reads
 * by what it reads, and an index that holds keys only reads each work order once more from the table), first with
 * no history but the closed job that holds the site's slot, then after 2,400 closed jobs of the same customer, site
 * and category, most of them planned on the very day the new job is matched to, for engineers who cannot do it.
 *
 * The handlers run in this process, so a spy on the document client sees every read they make. Nothing else reads
 * while a measurement runs: the test waits on the state machine through Step Functions, never through the table.
 */

const customerId = 'cus_northwest_homes';
const siteId = 'site_salford';
const category = 'boiler_service';
/** The gas engineers with a valid certificate: the only ones who can take a boiler service. */
const gasEngineers = ['eng_amira', 'eng_priya'];
/** Engineers on the team who cannot do gas work: the busy day is theirs. */
const otherEngineers = ['eng_tom', 'eng_dan', 'eng_lucy', 'eng_omar'];

let api: LocalApi;
let office: string;
let customer: string;

/** Items the store answered with while recording, by command (`QueryCommand`: 12, ...). */
let tally: Record<string, number> | undefined;

function itemsIn(output: any): number {
  if (Array.isArray(output?.Items)) return output.Items.length;
  if (output?.Item) return 1;
  const responses = output?.Responses;
  if (Array.isArray(responses)) return responses.filter((r: { Item?: unknown }) => r.Item).length;
  if (responses) return Object.values(responses as Record<string, unknown[]>).reduce((n, items) => n + items.length, 0);
  return 0;
}

/** Runs `act` and answers the items read meanwhile, by command. */
async function itemsRead(act: () => Promise<unknown>): Promise<Record<string, number>> {
  tally = {};
  try {
    await act();
    return tally;
  } finally {
    tally = undefined;
  }
}

const total = (reads: Record<string, number>) => Object.values(reads).reduce((a, b) => a + b, 0);

/** The first weekday on or after `from` (epoch ms), as `YYYY-MM-DD`. */
function weekdayFrom(from: number): string {
  const day = new Date(from);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** Polls the work order's execution (Step Functions, not the table) until it is in `state`, or has ended. */
async function executionReaches(workOrderId: string, until: (e: { status: string; state: string | null }) => boolean) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const execution = await describeWorkOrderExecution(workOrderId);
    if (execution && until({ status: execution.status, state: execution.currentState })) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The execution of ${workOrderId} did not get there`);
}

/** A boiler service requested for `day`, followed until its job pack is on the way to the engineer. */
async function requestToDispatch(key: string, day: string): Promise<string> {
  const reply = await api.call('POST', '/v1/requests', {
    token: customer,
    headers: { 'idempotency-key': key },
    body: {
      siteId,
      category,
      description: 'Annual boiler service',
      contact: { name: 'Jo Whitfield', phone: '+44 161 555 0142' },
      preferredWindow: { from: `${day}T08:00:00.000Z`, to: `${day}T17:00:00.000Z` },
    },
  });
  expect(reply.status).toBe(201);
  expect(reply.body.linked).toBe(false);
  await executionReaches(reply.body.id, (e) => e.state === 'WaitForAcknowledgement');
  return reply.body.id;
}

/** A closed boiler service of this customer, site and category. */
function closedJob(workOrderId: string, engineerId: string, scheduledStart: string): WorkOrderRecord {
  return generalJob({
    workOrderId,
    status: 'closed',
    loggedAt: new Date(Date.parse(scheduledStart) - 3 * 86_400_000).toISOString(),
    customerId,
    siteId,
    categoryId: category,
    jobType: category,
    description: `Annual boiler service (${workOrderId})`,
    requiredSkills: ['gas', 'heating'],
    requiredCertifications: ['gas_safe'],
    engineerId,
    scheduledStart,
  });
}

/** The day the first request is matched to, with no history at all, and the day the second is, once there is. */
const quietDay = weekdayFrom(Date.now() + 2 * 86_400_000);
const busyDay = weekdayFrom(Date.parse(quietDay) + 86_400_000);

interface Measured {
  job: any;
  /** Items read from the request to the job pack's dispatch. */
  intake: Record<string, number>;
  /** Items read by the matcher alone, asked for the job's candidates again. */
  matcher: Record<string, number>;
}

/** A request for `day`, measured as it goes to dispatch, then the matcher measured on its own for the same job. */
async function measure(key: string, day: string): Promise<Measured> {
  let id = '';
  const intake = await itemsRead(async () => {
    id = await requestToDispatch(key, day);
  });
  const matcher = await itemsRead(async () => {
    const reply = await api.call('GET', `/v1/work-orders/${id}/candidates`, { token: office });
    expect(reply.status).toBe(200);
  });
  const job = (await api.call('GET', `/v1/work-orders/${id}`, { token: office })).body;
  return { job, intake, matcher };
}

/**
 * The history: 2,000 closed boiler services of this customer, site and category planned on `busyDay` for the
 * engineers who cannot do gas work, and 400 more on the days before today for the gas engineers. Written in batches
 * (as a migration would), not through the API: how they were done is not what this measures.
 */
async function writeHistory(): Promise<void> {
  const onBusyDay = Array.from({ length: 2_000 }, (_, i) =>
    closedJob(
      `wo_steady_busy_${i}`,
      otherEngineers[i % otherEngineers.length] as string,
      new Date(Date.parse(`${busyDay}T07:00:00.000Z`) + (i % 600) * 60_000).toISOString(),
    ),
  );
  const pastYear = Array.from({ length: 400 }, (_, i) =>
    closedJob(
      `wo_steady_past_${i}`,
      gasEngineers[i % gasEngineers.length] as string,
      new Date(Date.now() - (1 + i) * 86_400_000).toISOString(),
    ),
  );
  const { unprocessed } = await db()
    .entities.workOrder.put([...onBusyDay, ...pastYear])
    .go({ concurrency: 4 });
  expect(unprocessed).toEqual([]);
}

let quiet: Measured;
let busy: Measured;

beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  customer = await api.token({ role: 'customer', customerId });
  const send = DynamoDBDocumentClient.prototype.send;
  vi.spyOn(DynamoDBDocumentClient.prototype, 'send').mockImplementation(async function (this: any, ...args: any[]) {
    const output = await (send as any).apply(this, args);
    const items = itemsIn(output);
    if (tally && items > 0) {
      const name = args[0]?.constructor?.name ?? 'unknown';
      tally[name] = (tally[name] ?? 0) + items;
    }
    return output;
  });
  // The site's open-job slot is held by a job long closed, as it is once there is history: each request below reads
  // that holder, finds it lapsed and takes the slot over.
  const lastYear = new Date(Date.now() - 365 * 86_400_000).toISOString();
  await createWorkOrder(
    closedJob('wo_steady_holder', 'eng_amira', lastYear),
    { at: lastYear, actor: 'test', type: 'logged', to: 'closed' },
    { openJob: { siteId, categoryId: category } },
  );

  quiet = await measure('steady-quiet', quietDay);
  // Cancelled, the first job leaves the slot to the next request, as a closed one would.
  const cancelled = await api.call('POST', `/v1/work-orders/${quiet.job.id}/cancel`, {
    token: office,
    body: { reason: 'Measured; no longer needed' },
  });
  expect(cancelled.status).toBe(200);
  await executionReaches(quiet.job.id, (e) => e.status !== 'RUNNING');
  await writeHistory();
  busy = await measure('steady-busy', busyDay);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await api?.close();
});

describe('reads whose cost does not grow with history', () => {
  it("holds the history it claims: the busy day is full of other engineers' jobs", async () => {
    expect((await listPlannedOn(busyDay)).length).toBeGreaterThanOrEqual(2_000);
    expect(quiet.job).toMatchObject({ status: 'dispatched', scheduledStart: expect.stringMatching(`^${quietDay}`) });
    expect(busy.job).toMatchObject({ status: 'dispatched', scheduledStart: expect.stringMatching(`^${busyDay}`) });
    expect(gasEngineers).toContain(quiet.job.engineerId);
    expect(gasEngineers).toContain(busy.job.engineerId);
  });

  it('a request reads as many items from logging to dispatch with 2,400 closed jobs of history as with none', () => {
    expect(total(quiet.intake)).toBeGreaterThan(0);
    expect(busy.intake).toEqual(quiet.intake);
  });

  it("the matcher reads as many items for a day full of other engineers' jobs as for an empty one", () => {
    expect(total(quiet.matcher)).toBeGreaterThan(0);
    expect(busy.matcher).toEqual(quiet.matcher);
  });
});
