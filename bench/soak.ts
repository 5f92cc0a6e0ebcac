/**
 * `npm run bench:soak [-- <queries> <executions>]`: the embedded default's memory over a long run, printed, never
 * asserted. Reads the job list (a DynamoDB query each) 20,000 times and runs 300 work orders from creation to their
 * end (rejected), in two halves, and prints RSS and heap at the start, the middle and the end, with the executions
 * the local Step Functions holds in memory and the LevelDB iterators left open. Target: flat.
 */
import { liveLevelIterators } from '#local/dynalite-store.ts';
import { startLocalApi } from '../test/fixtures/local-api.ts';

const queries = Number(process.argv[2] ?? 20_000);
const executions = Number(process.argv[3] ?? 300);
const api = await startLocalApi();
const { runtime } = api;
const office = await api.token({ role: 'dispatcher' });
const approver = await api.token({ role: 'approver' });

/** Runs `count` tasks, `lanes` at a time. */
async function inLanes(count: number, lanes: number, task: (index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let index = next++; index < count; index = next++) await task(index);
    }),
  );
}

async function listJobs() {
  const reply = await api.call('GET', '/v1/work-orders?limit=20', { token: office });
  if (reply.status !== 200) throw new Error(`The job list answered ${reply.status}`);
}

/** One work order from creation to its end: it waits for approval, is rejected, and its execution finishes. */
async function rejectedWorkOrder(label: string) {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': `soak-${label}` },
    body: { customerId: 'cus_okafor', siteId: 'site_didsbury', jobType: 'boiler_replacement', description: label },
  });
  const { id } = await api.waitFor(created.body.id, (wo) => wo.status === 'pending_approval');
  await api.call('POST', `/v1/work-orders/${id}/reject`, { token: approver, body: { reason: 'Soak run' } });
  while ((await api.call('GET', `/v1/work-orders/${id}/execution`, { token: office })).body.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0).padStart(5)} MB`;
function report(moment: string) {
  // Counting iterators walks the heap after a full collection, so the figures after it are what is really held.
  const iterators = liveLevelIterators();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(
    `${moment.padEnd(8)} rss ${mb(rss)}   heap ${mb(heapUsed)}   executions in memory ${String(runtime.executionsInMemory()).padStart(4)}   LevelDB iterators alive ${iterators}`,
  );
}

console.log(`embedded default, ${queries} job-list queries and ${executions} executions (Node ${process.version})`);
report('start');
const started = performance.now();
for (const half of [1, 2]) {
  await inLanes(queries / 2, 8, listJobs);
  await inLanes(executions / 2, 5, (index) => rejectedWorkOrder(`Soak ${half}-${index}-${Date.now()}`));
  report(half === 1 ? 'middle' : 'end');
}
const seconds = (performance.now() - started) / 1000;
console.log(`${'took'.padEnd(8)} ${seconds.toFixed(0)} s, ${((queries + executions) / seconds).toFixed(0)} calls/s`);
await api.close();
