/**
 * `npm run fuzz [-- --requests 10000 --seed 1 --concurrency 8]`: every operation of `openapi.json` with every kind of
 * caller, sent hostile input through the embedded default, printed, never asserted: the status histogram, the 5xx
 * count, every other kind of failure (see test/fixtures/fuzz-report.ts) with one reproduction per distinct failure,
 * and the latency. Target: 0 5xx, p99 under 200 ms. The seed fixes the requests, not the order in which concurrent
 * ones land; the server's log (stderr) names each failed request's id.
 */
import { parseArgs } from 'node:util';
import { startRuntime } from '#local/runtime.ts';
import {
  describeFailure,
  distinctFailures,
  type Failure,
  type Finding,
  findings,
  listsStatuses,
  percentile,
} from '../test/fixtures/fuzz-report.ts';
import { callerRoles, fuzzRequests, readContract } from '../test/fixtures/fuzz-requests.ts';
import { fuzzTarget } from '../test/fixtures/fuzz-target.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    // Modest, so that the local server's 429 (its queue full) stays the exception it is meant to be.
    concurrency: { type: 'string', default: '8' },
    show: { type: 'string', default: '5' },
  },
});
const count = Number(values.requests);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const show = Number(values.show);

const runtime = await startRuntime({ port: 0 });
const target = await fuzzTarget(runtime.url);
const contract = readContract();
const requests = fuzzRequests({ operations: contract.operations, known: target.known, seed, count });
await target.warmUp(contract.operations);
const started = performance.now();
const outcomes = await target.sendAll(requests, concurrency);
const seconds = (performance.now() - started) / 1000;

const line = (name: string, value: string | number) => console.log(`${name.padEnd(52)} ${value}`);
const operations = contract.operations.length;
console.log(
  `fuzz: ${count} requests over ${operations} operations x ${callerRoles.length} callers, seed ${seed}, ` +
    `${concurrency} at a time, after one warm-up call of each (Node ${process.version})`,
);
const histogram = new Map<number, number>();
for (const { status } of outcomes) histogram.set(status, (histogram.get(status) ?? 0) + 1);
for (const [status, times] of [...histogram].sort(([a], [b]) => a - b)) line(`status ${status || 'none'}`, times);
line('5xx', outcomes.filter(({ status }) => status >= 500).length);
line('429 (the local server busy)', histogram.get(429) ?? 0);
const failures = Object.fromEntries(
  Object.keys(findings).map((finding) => [finding, distinctFailures(outcomes, finding as Finding, contract)]),
) as Record<Finding, Failure[]>;
const listing = contract.operations.filter(listsStatuses).length;
for (const [finding, label] of Object.entries(findings) as Array<[Finding, string]>) {
  const total = failures[finding].reduce((sum, failure) => sum + failure.times, 0);
  const scope = finding === 'undocumented status' ? ` (${listing} of ${operations} operations list theirs)` : '';
  line(`${label}${scope}`, `${total} (${failures[finding].length} distinct)`);
}
const latencies = outcomes.map(({ ms }) => ms);
line(
  'latency',
  `p50 ${percentile(latencies, 50).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms   ` +
    `max ${percentile(latencies, 100).toFixed(1)} ms`,
);
const byOperation = new Map<string, number[]>();
for (const { request, ms } of outcomes) {
  byOperation.set(request.operation.key, [...(byOperation.get(request.operation.key) ?? []), ms]);
}
const slowest = [...byOperation]
  .map(([key, times]) => ({ key, p99: percentile(times, 99) }))
  .sort((a, b) => b.p99 - a.p99)
  .slice(0, 5);
for (const { key, p99 } of slowest) line(`  p99 of ${key}`, `${p99.toFixed(1)} ms`);
line('throughput', `${(count / seconds).toFixed(0)} requests/s`);
line('memory (rss)', `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

for (const [finding, label] of Object.entries(findings) as Array<[Finding, string]>) {
  const distinct = failures[finding];
  if (distinct.length === 0) continue;
  console.log(`\n${label}: ${distinct.length} distinct, the first ${Math.min(show, distinct.length)}:`);
  for (const failure of distinct.slice(0, show)) console.log(describeFailure(failure));
}
target.close();
await runtime.close();
