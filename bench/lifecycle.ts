/**
 * `npm run bench [-- <work orders>]`: the embedded default's figures, printed, never asserted. Logs work orders
 * through the API and measures the request latency, the time until the state machine has matched and dispatched
 * each one, and the whole lifecycle (dispatch to closed) of each, with the process's memory afterwards.
 */
import { startRuntime } from '#local/runtime.ts';
import { apiClient } from './client.ts';

const count = Number(process.argv[2] ?? 20);
const runtime = await startRuntime({ port: 0 });

/** Every call must succeed. */
const { call, token } = apiClient(runtime.url);
const customer = await token({ role: 'customer', customerId: 'cus_northwest_homes' });
const office = await token({ role: 'dispatcher' });

async function until(id: string, done: (wo: any) => boolean) {
  for (;;) {
    const wo = await call('GET', `/v1/work-orders/${id}`, office);
    if (done(wo)) return wo;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const report = (name: string, values: number[]) =>
  console.log(
    `${name.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms   n=${values.length}`,
  );

const submitMs: number[] = [];
const dispatchMs: number[] = [];
const closeMs: number[] = [];
const started = performance.now();
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  const logged = await call(
    'POST',
    '/v1/requests',
    customer,
    {
      siteId: 'site_salford',
      category: 'leak',
      description: `Dripping pipe under the sink #${i}`,
      contact: { name: 'Jo' },
    },
    `bench-${Date.now()}-${i}`,
  );
  submitMs.push(performance.now() - t0);
  const dispatched = await until(logged.id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
  dispatchMs.push(performance.now() - t0);

  const t1 = performance.now();
  const engineer = await token({ role: 'engineer', engineerId: dispatched.engineerId });
  await call('POST', `/v1/work-orders/${logged.id}/acknowledge`, engineer, { accept: true });
  await until(logged.id, (wo) => wo.waitingFor === 'completion');
  for (const status of ['en_route', 'on_site', 'in_progress']) {
    const at = new Date().toISOString();
    await call('POST', `/v1/work-orders/${logged.id}/status`, engineer, { eventId: `b-${i}-${status}`, status, at });
  }
  await call('POST', `/v1/work-orders/${logged.id}/complete`, engineer, {
    eventId: `b-${i}-done`,
    outcome: 'fixed',
    findings: 'Perished washer',
    workDone: 'Replaced the compression fitting',
    partsUsed: [{ sku: 'COMP-FITTING-15', qty: 1 }],
  });
  await until(logged.id, (wo) => wo.status === 'closed');
  closeMs.push(performance.now() - t1);
}
const seconds = (performance.now() - started) / 1000;

console.log(`embedded default, ${count} work orders one after another (Node ${process.version})`);
report('POST /v1/requests', submitMs);
report('logged -> dispatched (matched)', dispatchMs);
report('acknowledge -> closed (invoiced)', closeMs);
console.log(`${'throughput'.padEnd(34)} ${(count / seconds).toFixed(2)} full lifecycles/s`);
console.log(`${'memory (rss)'.padEnd(34)} ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
await runtime.close();
