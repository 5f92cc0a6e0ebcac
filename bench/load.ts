/**
 * `npm run bench:load [-- --seconds 60 --reads 100 --intakes 10 --field 2 --drain 30]`: the embedded default under
 * a fixed mix at fixed rates for a fixed time, printed, never asserted. The load is open-loop: each request starts on
 * its schedule whether or not earlier ones have answered, so a slow server shows as latency (counted from the
 * scheduled start) and as a lower achieved rate, never as a lower offered rate. `--intakes 40 --reads 0` finds the
 * intake ceiling.
 *
 * The mix, as a dispatcher, the sites' customers and the engineers would send it:
 * - reads: every other one `GET /v1/work-orders/{id}` of a work order that exists (picked at random among the twenty
 *   the bench creates before the clock starts, waiting for approval, and those its intakes log), the rest the job
 *   list `GET /v1/work-orders?limit=20`;
 * - intakes: `POST /v1/requests`, cycling over the sites of the seeded customers and over six categories that need
 *   no approval (boiler breakdown, leak, blocked drain, electrical fault, fire alarm fault, general maintenance).
 *   A request for a site and category whose job is still open is linked to that job, not logged, so the bench first
 *   adds sites to the seeded customers until no site and category comes round again within two minutes. Each intake
 *   is timed twice: the POST, and until the state machine dispatches its work order, read from the time of its
 *   `dispatched` event on the change feed, which the bench follows through its live stream (not counted as reads);
 * - field updates: an engineer works a job dispatched to them, one step per update (accept, en route, on site, a
 *   note, complete as fixed). Each dispatched work order the field does not need is cancelled by the office at once,
 *   so that engineers' days never fill up; those cancels and the feed polls are the bench's own calls, shown apart.
 *
 * At the deadline it stops offering and waits at most `--drain` seconds for what is outstanding, then reports each
 * kind's offered and achieved rate, errors by status and latency; the time to dispatch; the process's CPU (the
 * client's share included: it runs in the same process as every embedded service) and its memory at the start and
 * the end, with a progress line every minute. Run it with NODE_OPTIONS=--expose-gc to measure memory after a full
 * collection.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startRuntime } from '#local/runtime.ts';
import { demoBusiness } from '#local/seed.ts';
import { commitHorizonMs } from '#shared/db/events.ts';
import { apiClient } from './client.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    reads: { type: 'string', default: '100' },
    intakes: { type: 'string', default: '10' },
    field: { type: 'string', default: '2' },
    drain: { type: 'string', default: '30' },
  },
});
function option(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number of 0 or more, not ${args[name]}`);
  return value;
}
const seconds = option('seconds');
const rates = { reads: option('reads'), intakes: option('intakes'), field: option('field') };
const drainSeconds = option('drain');
if (seconds === 0) throw new Error('--seconds must be above 0');

/** Categories that need no approval and that some seeded engineer can take, with a description triage leaves be. */
const categories = {
  boiler_breakdown: 'The boiler shows a fault code and keeps locking out',
  leak: 'Slow drip from the pipe under the kitchen sink',
  blocked_drain: 'The kitchen sink drains slowly',
  electrical_fault: 'One socket in the hall has stopped working',
  fire_alarm_fault: 'The fire panel shows a fault on zone 2',
  general_maintenance: 'A sticking door in the hallway needs easing',
};
const categoryIds = Object.keys(categories) as Array<keyof typeof categories>;
const readableWorkOrders = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0).padStart(5)} MB`;
const largest = (values: number[]) => values.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
/** Runs `count` tasks, `lanes` at a time. */
async function inLanes(count: number, lanes: number, task: (index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let index = next++; index < count; index = next++) await task(index);
    }),
  );
}

const startedSetup = performance.now();
const runtime = await startRuntime({ port: 0 });

/** Setup calls: they must succeed. */
const { call, token } = apiClient(runtime.url);

const demo = demoBusiness();
const office = await token({ role: 'dispatcher' });
const admin = await token({ role: 'admin' });
const customerTokens = new Map<string, string>();
for (const { customerId } of demo.customers)
  customerTokens.set(customerId, await token({ role: 'customer', customerId }));
const engineerTokens = new Map<string, string>();
for (const { engineerId } of demo.engineers)
  engineerTokens.set(engineerId, await token({ role: 'engineer', engineerId }));

// Enough sites that a site and category comes round again no sooner than two minutes later (or never, in a
// shorter run), spread over Greater Manchester where the seeded engineers work.
const sites = demo.sites.map(({ siteId, customerId }) => ({ siteId, customerId }));
const sitesNeeded = Math.ceil((rates.intakes * Math.min(seconds, 120)) / categoryIds.length);
const added = Math.max(0, sitesNeeded - sites.length);
const addedSites = Array.from({ length: added }, (_, index) => ({
  siteId: `load-site-${String(index + 1).padStart(4, '0')}`,
  customerId: demo.customers[index % demo.customers.length]?.customerId as string,
}));
await inLanes(added, 8, async (index) => {
  const site = addedSites[index] as (typeof addedSites)[number];
  await call('POST', '/v1/sites', admin, {
    id: site.siteId,
    customerId: site.customerId,
    address: `${index + 1} Bench Street, Manchester`,
    postcode: 'M1 1AA',
    lat: 53.41 + 0.12 * ((index * 0.618034) % 1),
    lng: -2.32 + 0.2 * ((index * 0.414214) % 1),
  });
});
sites.push(...addedSites);

// Work orders to read from the first second: waiting for approval, they hold no site's slot and no engineer.
const knownIds: string[] = [];
await inLanes(readableWorkOrders, 4, async (index) => {
  const created = await call(
    'POST',
    '/v1/work-orders',
    office,
    {
      customerId: 'cus_okafor',
      siteId: 'site_didsbury',
      jobType: 'boiler_replacement',
      description: `Replace the boiler (load benchmark ${index})`,
    },
    `load-readable-${index}`,
  );
  knownIds.push(created.id);
});

/** What one kind of call did: its answers by status, and the latency of the successful ones from the schedule. */
interface Tally {
  sent: number;
  inFlight: number;
  okByDeadline: number;
  latencies: number[];
  /** How late each call left against its schedule: the event loop it shares with the server was busy. */
  lags: number[];
  failures: Map<string, number>;
}
const tally = (): Tally => ({ sent: 0, inFlight: 0, okByDeadline: 0, latencies: [], lags: [], failures: new Map() });
const tallies = {
  readOne: tally(),
  readList: tally(),
  intakes: tally(),
  field: tally(),
  cancels: tally(),
  feed: tally(),
};
const measured = [tallies.readOne, tallies.readList, tallies.intakes, tallies.field, tallies.cancels];

let t0 = 0;
let deadline = Number.POSITIVE_INFINITY;

/** A body as JSON, or as the text it is when it is not JSON. */
function parsed(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** Set once the drain ends: the report counts nothing that answers after it, and what has not answered is outstanding. */
let frozen = false;
const countFailure = (kind: Tally, status: string) => kind.failures.set(status, (kind.failures.get(status) ?? 0) + 1);

/** A measured call: never throws; answers the status and body, or `undefined` when no answer came (in time). */
async function send(
  kind: Tally,
  scheduledAt: number,
  method: string,
  path: string,
  bearer: string | undefined,
  body?: unknown,
  key?: string,
): Promise<{ status: number; body: any } | undefined> {
  kind.sent++;
  kind.inFlight++;
  kind.lags.push(performance.now() - scheduledAt);
  let reply: { status: number; body: any } | undefined;
  try {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        ...(bearer && { authorization: `Bearer ${bearer}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(key && { 'idempotency-key': key }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    reply = { status: response.status, body: parsed(await response.text()) };
  } catch {
    reply = undefined;
  }
  if (frozen) return undefined;
  kind.inFlight--;
  const answeredAt = performance.now();
  if (!reply) countFailure(kind, 'no answer');
  else if (reply.status >= 400) countFailure(kind, String(reply.status));
  else {
    kind.latencies.push(answeredAt - scheduledAt);
    if (answeredAt <= deadline) kind.okByDeadline++;
  }
  return reply;
}

const runId = Date.now().toString(36);

function read(index: number, scheduledAt: number) {
  if (index % 2 === 0) {
    const id = knownIds[Math.floor(Math.random() * knownIds.length)] as string;
    void send(tallies.readOne, scheduledAt, 'GET', `/v1/work-orders/${id}`, office);
  } else {
    void send(tallies.readList, scheduledAt, 'GET', '/v1/work-orders?limit=20', office);
  }
}

/** Each logged intake: when it was scheduled (wall clock, to compare with the feed's times) and when dispatched. */
const logged = new Map<string, { scheduledWall: number; dispatchedWall?: number }>();
/** Dispatches the feed showed before the intake's POST had answered. */
const dispatchedEarly = new Map<string, { at: number; engineerId: string }>();
let linked = 0;

function intake(index: number, scheduledAt: number) {
  const site = sites[index % sites.length] as (typeof sites)[number];
  const category = categoryIds[Math.floor(index / sites.length) % categoryIds.length] as keyof typeof categories;
  const scheduledWall = Date.now() - (performance.now() - scheduledAt);
  const body = {
    siteId: site.siteId,
    category,
    description: categories[category],
    contact: { name: 'Jo Whitfield' },
  };
  void send(
    tallies.intakes,
    scheduledAt,
    'POST',
    '/v1/requests',
    customerTokens.get(site.customerId),
    body,
    `load-${runId}-${index}`,
  ).then((reply) => {
    if (reply?.status !== 201) return;
    if (reply.body.linked) {
      linked++;
      return;
    }
    logged.set(reply.body.id, { scheduledWall });
    knownIds.push(reply.body.id);
    const early = dispatchedEarly.get(reply.body.id);
    if (early) dispatched(reply.body.id, early.at, early.engineerId);
  });
}

/** A job in the field: the next step its engineer takes, and whether one is on its way. */
interface FieldJob {
  workOrderId: string;
  engineerId: string;
  step: number;
  busy: boolean;
}
const fieldSteps: Array<{ path: string; body: (job: FieldJob) => unknown }> = [
  { path: 'acknowledge', body: () => ({ accept: true }) },
  {
    path: 'status',
    body: (job) => ({ eventId: `${job.workOrderId}-en-route`, status: 'en_route', at: new Date().toISOString() }),
  },
  {
    path: 'status',
    body: (job) => ({ eventId: `${job.workOrderId}-on-site`, status: 'on_site', at: new Date().toISOString() }),
  },
  {
    path: 'notes',
    body: (job) => ({ eventId: `${job.workOrderId}-note`, text: 'Isolated the supply; the fault is at the fitting' }),
  },
  {
    path: 'complete',
    body: (job) => ({
      eventId: `${job.workOrderId}-done`,
      outcome: 'fixed',
      findings: 'A worn fitting',
      workDone: 'Replaced the fitting and tested',
      partsUsed: [],
    }),
  },
];
const pool: FieldJob[] = [];
/** Jobs the field holds: more when every one is busy at a field update's turn, up to 30 s of updates. */
let poolTarget = Math.ceil(rates.field * 3) + 1;
const poolCap = Math.ceil(rates.field * 30) + 1;
let fieldNoJob = 0;

function fieldUpdate(_index: number, scheduledAt: number) {
  const job = pool.find((candidate) => !candidate.busy);
  if (!job) {
    fieldNoJob++;
    if (pool.length >= poolTarget && poolTarget < poolCap) poolTarget++;
    return;
  }
  const step = fieldSteps[job.step] as (typeof fieldSteps)[number];
  job.busy = true;
  void send(
    tallies.field,
    scheduledAt,
    'POST',
    `/v1/work-orders/${job.workOrderId}/${step.path}`,
    engineerTokens.get(job.engineerId),
    step.body(job),
  ).then((reply) => {
    job.busy = false;
    // Busy or no answer: the same step again at a later turn (field events replay safely); refused: the job is dropped.
    const again = reply === undefined || reply.status === 429 || reply.status === 503;
    if (reply && reply.status < 400) job.step++;
    if (job.step === fieldSteps.length || (reply && reply.status >= 400 && !again)) pool.splice(pool.indexOf(job), 1);
  });
}

/** The state machine dispatched an intake's work order: the field takes it, or the office cancels it. */
function dispatched(workOrderId: string, at: number, engineerId: string) {
  const entry = logged.get(workOrderId);
  if (!entry) {
    dispatchedEarly.set(workOrderId, { at, engineerId });
    return;
  }
  if (entry.dispatchedWall !== undefined) return;
  entry.dispatchedWall = at;
  if (performance.now() >= deadline) return;
  if (rates.field > 0 && pool.length < poolTarget) {
    pool.push({ workOrderId, engineerId, step: 0, busy: false });
  } else {
    void send(tallies.cancels, performance.now(), 'POST', `/v1/work-orders/${workOrderId}/cancel`, office, {
      reason: 'Load benchmark: frees the site and the engineer',
    });
  }
}

/**
 * The change feed, followed through its live stream (`GET /v1/events/stream`, which the local server serves beside
 * the API's request queue, so a backlog there does not hold back the news of dispatches). `cursor` is the last event
 * read, from which the drain reads what the stream had not yet sent.
 */
const feed = { cursor: undefined as string | undefined, events: 0, seen: new Set<string>() };
/** Each event once: the stream sends each as soon as it is committed (not always in cursor order) and may repeat. */
function noteEvent(event: any) {
  if (frozen || feed.seen.has(event.cursor)) return;
  feed.seen.add(event.cursor);
  feed.events++;
  if (!feed.cursor || event.cursor > feed.cursor) feed.cursor = event.cursor;
  if (event.type === 'workorder.status_changed' && event.data?.to === 'dispatched') {
    dispatched(event.workOrderId, Date.parse(event.at), event.data.engineerId);
  }
}
async function followFeed() {
  try {
    const response = await fetch(`${runtime.url}/v1/events/stream`, { headers: { authorization: `Bearer ${office}` } });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) noteEvent(JSON.parse(data.slice('data: '.length)));
      }
    }
  } catch {
    // The stream ends when the runtime closes.
  }
}

/**
 * Reads the feed from the stream's cursor to its end with `GET /v1/events`; answers whether that end is past the
 * deadline (the feed serves an event once it is older than its commit horizon).
 */
async function catchUp(deadlineWall: number): Promise<boolean> {
  const limit = 500;
  for (;;) {
    const askedAt = Date.now();
    const after = feed.cursor ? `&after=${feed.cursor}` : '';
    const reply = await send(tallies.feed, performance.now(), 'GET', `/v1/events?limit=${limit}${after}`, office);
    if (reply?.status !== 200) return false;
    for (const event of reply.body.items) noteEvent(event);
    if (reply.body.items.length < limit) return askedAt - commitHorizonMs >= deadlineWall;
  }
}

/** Starts each kind's calls on its schedule: call n of a kind at rate r is due n / r seconds after the start. */
const streams = [
  { rate: rates.reads, next: 0, fire: read },
  { rate: rates.intakes, next: 0, fire: intake },
  { rate: rates.field, next: 0, fire: fieldUpdate },
].map((stream) => ({ ...stream, total: Math.floor(seconds * stream.rate) }));
function offer() {
  const now = performance.now();
  let soonest = Number.POSITIVE_INFINITY;
  for (const stream of streams) {
    const dueAt = () => t0 + (stream.next * 1000) / stream.rate;
    while (stream.next < stream.total && dueAt() <= now) {
      stream.fire(stream.next, dueAt());
      stream.next++;
    }
    if (stream.next < stream.total) soonest = Math.min(soonest, dueAt());
  }
  if (soonest < Number.POSITIVE_INFINITY) setTimeout(offer, Math.max(0, soonest - performance.now()));
}

const memory = () => {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed, executions: runtime.executionsInMemory() };
};
const memoryLine = (moment: string, at: ReturnType<typeof memory>) =>
  `${moment.padEnd(10)} rss ${mb(at.rss)}   heap ${mb(at.heapUsed)}   executions in memory ${at.executions}`;
const collected = typeof global.gc === 'function';

console.log(
  `embedded default under load for ${seconds} s: ${rates.reads} reads/s, ${rates.intakes} intakes/s, ${rates.field} field updates/s (Node ${process.version}, ${availableParallelism()} cores)`,
);
console.log(
  `setup: ${sites.length} sites (${added} added to the seeded customers) x ${categoryIds.length} categories = ${sites.length * categoryIds.length} site-and-category slots, ${readableWorkOrders} work orders to read, ${((performance.now() - startedSetup) / 1000).toFixed(1)} s`,
);
global.gc?.();
const atStart = memory();
console.log(memoryLine('start', atStart));

const cpuStart = process.cpuUsage();
t0 = performance.now();
deadline = t0 + seconds * 1000;
void followFeed();
offer();
for (let mark = 60; mark <= seconds; mark += 60) {
  await sleep(t0 + mark * 1000 - performance.now());
  const now = memory();
  const dispatchedSoFar = [...logged.values()].filter((entry) => entry.dispatchedWall !== undefined).length;
  const inFlight = measured.reduce((sum, kind) => sum + kind.inFlight, 0);
  console.log(
    `${`[${String(mark).padStart(4)} s]`.padEnd(10)} rss ${mb(now.rss)}   heap ${mb(now.heapUsed)}   executions in memory ${now.executions}   intakes ${tallies.intakes.latencies.length} ok, ${dispatchedSoFar} dispatched   reads ${tallies.readOne.latencies.length + tallies.readList.latencies.length} ok   in flight ${inFlight}`,
  );
}
await sleep(deadline - performance.now());
const cpu = process.cpuUsage(cpuStart);
const deadlineWall = Date.now() - (performance.now() - deadline);

// Offering has stopped: wait for what is outstanding, then read the feed up to the deadline.
const outstandingAtDeadline = measured.reduce((sum, kind) => sum + kind.inFlight, 0);
const drainStart = performance.now();
while (performance.now() - drainStart < drainSeconds * 1000) {
  const settled = measured.every((kind) => kind.inFlight === 0) && Date.now() >= deadlineWall + commitHorizonMs;
  if (settled && (await catchUp(deadlineWall))) break;
  await sleep(100);
}
const drained = (performance.now() - drainStart) / 1000;
frozen = true;
const cpuWithDrain = process.cpuUsage(cpuStart);
global.gc?.();
const atEnd = memory();
const endedAt = performance.now();

// Closing waits for the embedded services, which may still be working through the state machine's backlog (and
// its handlers log errors as the stores go away under them): the report is printed after, so it comes last.
const closeStarted = performance.now();
const closed = await Promise.race([runtime.close().then(() => true), sleep(20_000).then(() => false)]);
const closeSeconds = (performance.now() - closeStarted) / 1000;

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const combined = (kinds: Tally[]): Tally => ({
  sent: kinds.reduce((sum, kind) => sum + kind.sent, 0),
  inFlight: kinds.reduce((sum, kind) => sum + kind.inFlight, 0),
  okByDeadline: kinds.reduce((sum, kind) => sum + kind.okByDeadline, 0),
  latencies: kinds.flatMap((kind) => kind.latencies),
  lags: kinds.flatMap((kind) => kind.lags),
  failures: kinds
    .flatMap((kind) => [...kind.failures])
    .reduce((all, [status, count]) => all.set(status, (all.get(status) ?? 0) + count), new Map<string, number>()),
});
const errors = (kind: Tally, outstanding = kind.inFlight) => {
  const listed = [...kind.failures].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status} x${n}`);
  if (outstanding > 0) listed.push(`outstanding x${outstanding}`);
  return listed.length > 0 ? listed.join(', ') : 'none';
};
const row = (name: string, kind: Tally) =>
  `${name.padEnd(22)} ${fixed(kind.sent / seconds).padStart(9)} ${fixed(kind.okByDeadline / seconds).padStart(10)} ${String(kind.latencies.length).padStart(7)} ${fixed(percentile(kind.latencies, 50)).padStart(8)} ${fixed(percentile(kind.latencies, 99)).padStart(8)} ${fixed(largest(kind.latencies)).padStart(8)}  ${errors(kind)}`;
const reads = combined([tallies.readOne, tallies.readList]);
const everything = combined(measured);
const offered = combined([tallies.readOne, tallies.readList, tallies.intakes, tallies.field]);
const dispatches = [...logged.values()].flatMap((entry) =>
  entry.dispatchedWall === undefined
    ? []
    : [{ ms: entry.dispatchedWall - entry.scheduledWall, at: entry.dispatchedWall }],
);
const withinRun = dispatches.filter((d) => d.at <= deadlineWall).length;
const dispatchMs = dispatches.map((d) => d.ms);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const cpuWithDrainSeconds = (cpuWithDrain.user + cpuWithDrain.system) / 1e6;
const intakesDone = tallies.intakes.okByDeadline;
const intakesAll = tallies.intakes.latencies.length;
const perIntake = (cpuS: number, n: number) => (n > 0 ? `${fixed((cpuS * 1000) / n, 0)} ms` : '-');
const readsP99 = percentile(reads.latencies, 99);
const growthMb = (atEnd.rss - atStart.rss) / 1024 / 1024;

console.log(
  [
    `deadline: stopped offering, ${outstandingAtDeadline} outstanding; waited for them and the feed ${fixed(drained)} s, ${everything.inFlight} still outstanding`,
    closed
      ? `runtime closed in ${fixed(closeSeconds)} s`
      : `note: the runtime had not closed after ${fixed(closeSeconds)} s (the state machine's backlog); exiting anyway`,
    '',
    `${'kind'.padEnd(22)} ${'offered/s'.padStart(9)} ${'achieved/s'.padStart(10)} ${'ok'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  errors by status`,
    row('reads', reads),
    row('  one work order', tallies.readOne),
    row('  job list', tallies.readList),
    row('intakes', tallies.intakes),
    row('field updates', tallies.field),
    'offered: sent per second of the run; achieved: answered 2xx by the deadline, per second of the run; ok, latency',
    '(from the scheduled start, of the 2xx) and errors: everything answered until the end of the drain.',
    `field updates: ${fieldNoJob} of ${fieldNoJob + tallies.field.sent} turns found no dispatched job free to work and sent nothing.`,
    `client start lag (the event loop it shares with the server): p50 ${fixed(percentile(offered.lags, 50))} ms, p99 ${fixed(percentile(offered.lags, 99))} ms, max ${fixed(largest(offered.lags))} ms`,
    '',
    `intakes: ${intakesAll} answered 2xx in ${fixed((endedAt - t0) / 1000)} s of run and drain (${fixed(intakesAll / ((endedAt - t0) / 1000))}/s); ${logged.size} logged new work orders, ${linked} were linked to an open one`,
    `time to dispatch (scheduled POST to the dispatched event): p50 ${fixed(percentile(dispatchMs, 50), 0)} ms, p99 ${fixed(percentile(dispatchMs, 99), 0)} ms, max ${fixed(largest(dispatchMs), 0)} ms; ${withinRun} dispatched within the run, ${dispatches.length - withinRun} during the drain, ${logged.size - dispatches.length} not seen dispatched`,
    `the bench's own calls: ${tallies.cancels.sent} cancels of dispatched work orders the field did not take (p50 ${fixed(percentile(tallies.cancels.latencies, 50))} ms, p99 ${fixed(percentile(tallies.cancels.latencies, 99))} ms, errors ${errors(tallies.cancels)}); ${feed.events} feed events read from its live stream and ${tallies.feed.sent} catch-up read${tallies.feed.sent === 1 ? '' : 's'} at the end (errors ${errors(tallies.feed)})`,
    `cpu: ${fixed(cpuSeconds)} s in the ${seconds} s run, ${fixed((cpuSeconds / seconds) * 100, 0)}% of one core (${availableParallelism()} cores), ${perIntake(cpuSeconds, intakesDone)} per intake completed in it; with the drain ${fixed(cpuWithDrainSeconds)} s, ${perIntake(cpuWithDrainSeconds, intakesAll)} per intake. Either includes the reads, the field updates, the state machine, the bench's own calls and its client: all run in this process.`,
    memoryLine('start', atStart),
    memoryLine('end', atEnd),
    ...(collected
      ? []
      : ['note: global.gc is not exposed, so neither figure follows a forced collection (NODE_OPTIONS=--expose-gc)']),
    '',
    `target 25 intakes/s (run with --intakes 40 --reads 0 to find the ceiling): this run achieved ${fixed(intakesDone / seconds)}/s of ${fixed(rates.intakes)}/s offered`,
    `target reads p99 ≤ 50 ms under 100 reads/s with 10 intakes/s: ${
      reads.latencies.length === 0
        ? 'not measured (no reads answered)'
        : `${readsP99 <= 50 ? 'met' : 'not met'} (p99 ${fixed(readsP99)} ms${rates.reads === 100 && rates.intakes === 10 ? '' : `, under ${rates.reads} reads/s with ${rates.intakes} intakes/s`})`
    }`,
    `target RSS growth ≤ 100 MB over a 10-minute run: ${fixed(growthMb, 0)} MB over ${fixed((endedAt - t0) / 1000, 0)} s`,
  ].join('\n'),
);
process.exit(0);
