/**
 * `npm run bench:contention [-- <jobs>]`: what the embedded default does when everything happens at once, printed,
 * never asserted. A busy afternoon (every job completed in the same instant, default 100), then a replay storm
 * (phones replaying their queues ten times over, shuffled, and a client resending one request with one key).
 * Target: every job closed with one invoice, numbers without gaps, nothing stored twice.
 */
import { startRuntime } from '#local/runtime.ts';
import { getInvoice } from '#shared/db/invoices.ts';
import { listWholeBoard } from '#shared/db/work-orders.ts';
import { completionOf, jobsOnSite } from '../test/fixtures/jobs-on-site.ts';

const count = Number(process.argv[2] ?? 100);
const runtime = await startRuntime({ port: 0 });

async function call(method: string, path: string, token?: string, body?: unknown, key?: string) {
  // A careful client: again after a short pause while the answer is "busy" or "still in flight".
  for (;;) {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(key && { 'idempotency-key': key }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    const busy = response.status === 503 || (response.status === 409 && parsed?.code === 'idempotency.in_flight');
    if (!busy) return { status: response.status, body: parsed };
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
  }
}

const token = async (claims: object) => (await call('POST', '/local/token', undefined, claims)).body.token as string;
const office = await token({ role: 'dispatcher' });
const read = async (id: string) => (await call('GET', `/v1/work-orders/${id}`, office)).body;
async function until(id: string, done: (wo: any) => boolean, intervalMs = 20) {
  for (;;) {
    const wo = await read(id);
    if (done(wo)) return wo;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const line = (name: string, value: string) => console.log(`${name.padEnd(44)} ${value}`);

// A busy afternoon: every job completed in the same instant.
const jobs = await jobsOnSite('afternoon', count);
for (const job of jobs) await until(job.workOrderId, (wo) => wo.waitingFor === 'completion');
const sentAt = new Map<string, number>();
const feedStart = (await call('GET', '/v1/events?limit=1', office)).body.nextCursor as string | null;
const started = Date.now();
await Promise.all(
  jobs.map(async (job) => {
    const engineer = await token({ role: 'engineer', engineerId: job.engineerId });
    sentAt.set(job.workOrderId, Date.now());
    await call('POST', `/v1/work-orders/${job.workOrderId}/complete`, engineer, completionOf(job.workOrderId));
  }),
);
// One reader of the change feed, not a hundred pollers: each job's close is timed by its own event's time.
const closedAt = new Map<string, number>();
let cursor = feedStart;
while (closedAt.size < count && Date.now() - started < 600_000) {
  const page = (await call('GET', `/v1/events?limit=500${cursor ? `&after=${cursor}` : ''}`, office)).body;
  for (const event of page.items) {
    if (event.type === 'workorder.status_changed' && event.data.to === 'closed' && sentAt.has(event.workOrderId)) {
      closedAt.set(event.workOrderId, Date.parse(event.at));
    }
  }
  cursor = page.nextCursor;
  if (page.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
}
const toClosed = [...closedAt].map(([id, at]) => at - (sentAt.get(id) as number));
const lastClosed = Math.max(...closedAt.values());
const seconds = (lastClosed - started) / 1000;
const closed = await Promise.all(jobs.map((job) => read(job.workOrderId)));
const invoices = await Promise.all(closed.map((wo) => (wo.invoiceId ? getInvoice(wo.invoiceId) : undefined)));
const numbers = invoices.flatMap((invoice) => (invoice?.number ? [Number(invoice.number.replace('INV-', ''))] : []));
const sorted = [...numbers].sort((a, b) => a - b);
const gapless = sorted.every((n, i) => i === 0 || n === (sorted[i - 1] as number) + 1);
const executions = await Promise.all(
  jobs.map(async (job) => (await call('GET', `/v1/work-orders/${job.workOrderId}/execution`, office)).body.status),
);

console.log(`embedded default, ${count} jobs completed at once (Node ${process.version})`);
line('closed with one invoice', `${closed.filter((wo) => wo.status === 'closed' && wo.invoiceId).length}/${count}`);
line(
  'invoice numbers',
  `${new Set(numbers).size} distinct, ${gapless ? 'no gaps' : 'GAPS'} (${sorted[0]}..${sorted.at(-1)})`,
);
line('executions failed', `${executions.filter((s) => s !== 'SUCCEEDED').length}`);
for (const wo of closed.filter((w) => w.attention))
  line(`  ${wo.id}`, `${wo.attention.reason} ${wo.attention.error ?? ''}`);
line(
  'complete -> closed',
  `p50 ${percentile(toClosed, 50).toFixed(0)} ms   p99 ${percentile(toClosed, 99).toFixed(0)} ms`,
);
line('all closed in', `${seconds.toFixed(1)} s`);

// A replay storm: twenty phones each replay five field events and the completion ten times over, shuffled.
const phones = await jobsOnSite('storm', 20);
for (const job of phones) await until(job.workOrderId, (wo) => wo.waitingFor === 'completion');
const requests = phones.flatMap((job) => {
  const id = job.workOrderId;
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const events: Array<[string, object]> = [
    ['time-logs', { eventId: `${id}-work`, kind: 'work', startedAt: at, endedAt: new Date().toISOString() }],
    ['materials', { eventId: `${id}-valve`, sku: 'PRV-VALVE', qty: 1, at }],
    ['parts-requests', { eventId: `${id}-flue`, sku: 'FLUE-KIT-STD', qty: 1 }],
    ['notes', { eventId: `${id}-note`, text: 'Customer asked for a quote for a new cylinder' }],
  ];
  return events.flatMap((event) => Array.from({ length: 10 }, () => ({ job, event })));
});
const shuffled = requests
  .map((request) => ({ request, order: Math.random() }))
  .sort((a, b) => a.order - b.order)
  .map(({ request }) => request);
const stormStarted = performance.now();
const answers = await Promise.all(
  shuffled.map(async ({ job, event: [path, body] }) => {
    const engineer = await token({ role: 'engineer', engineerId: job.engineerId });
    return call('POST', `/v1/work-orders/${job.workOrderId}/${path}`, engineer, body);
  }),
);
await Promise.all(
  phones.flatMap((job) =>
    Array.from({ length: 10 }, async () => {
      const engineer = await token({ role: 'engineer', engineerId: job.engineerId });
      return call('POST', `/v1/work-orders/${job.workOrderId}/complete`, engineer, completionOf(job.workOrderId));
    }),
  ),
);
const after = await Promise.all(phones.map((job) => until(job.workOrderId, (wo) => wo.status === 'closed', 100)));
const stormSeconds = (performance.now() - stormStarted) / 1000;
const sum = (pick: (wo: any) => number) => after.reduce((total, wo) => total + pick(wo), 0);
const completedEntries = sum((wo) => wo.timeline.filter((e: { to?: string }) => e.to === 'completed').length);
const stormInvoices = await Promise.all(
  phones.map(
    async (job) => (await call('GET', `/v1/invoices?workOrderId=${job.workOrderId}`, office)).body.items.length,
  ),
);

// One client resending one request fifty times at once, under one key.
const key = `storm-${Date.now()}`;
const resent = await Promise.all(
  Array.from({ length: 50 }, () =>
    call(
      'POST',
      '/v1/work-orders',
      office,
      {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'general_maintenance',
        description: `Resent request ${key}`,
      },
      key,
    ),
  ),
);
const board = [...(await listWholeBoard('open')), ...(await listWholeBoard('done'))];

console.log(`\nreplay storm: 20 phones, 4 events and a completion each, 10 copies of each, shuffled`);
line('requests answered 2xx', `${answers.filter((a) => a.status < 300).length}/${answers.length} field events`);
line('time logs stored (one per phone)', `${sum((wo) => wo.timeLogs?.length ?? 0)}/20`);
line('materials stored', `${sum((wo) => wo.materials?.length ?? 0)}/20`);
line('parts requests stored', `${sum((wo) => wo.partsRequests?.length ?? 0)}/20`);
line('notes stored', `${sum((wo) => wo.notes?.length ?? 0)}/20`);
line('completions applied', `${completedEntries}/20`);
line('invoices', `${stormInvoices.reduce((a, b) => a + b, 0)}/20`);
line('storm settled in', `${stormSeconds.toFixed(1)} s`);
line('50 resends of one key: answers 201', `${resent.filter((r) => r.status === 201).length}/50`);
line('50 resends of one key: work orders stored', `${board.filter((wo) => wo.description.includes(key)).length}/1`);
line('memory (rss)', `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
await runtime.close();
