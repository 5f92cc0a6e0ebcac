/**
 * `npm run bench:vrptw [-- --seconds 1 --seed 1 --only C1,R2 --instances solomon|homberger|all --homberger]`:
 * solves the Solomon (and optionally Homberger) VRPTW instances with the scheduling solver, fixed fleet, minimising
 * distance, re-checks every plan with the independent evaluator and prints the gap to the best known distance, per
 * instance, per class and overall. Figures are printed, never asserted: only a crash exits non-zero.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { solve } from '#shared/scheduling/solver/index.ts';
import { evaluate } from './evaluate.ts';
import { type Bks, customerRoutes, dataDirectory, readBks, readInstance, toProblem } from './instance.ts';

const usage =
  'usage: npm run bench:vrptw -- [--seconds <s>] [--seed <n>] [--only <names or classes, e.g. C101,R2>] ' +
  '[--instances solomon|homberger|all] [--homberger]';

const fail = (message: string): never => {
  console.error(`${message}\n${usage}`);
  process.exit(2);
};

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        seconds: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        only: { type: 'string' },
        instances: { type: 'string' },
        homberger: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (!(seconds > 0)) fail(`--seconds must be a positive number, not ${values.seconds}`);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, not ${values.seed}`);
if (values.instances !== undefined && !['solomon', 'homberger', 'all'].includes(values.instances)) {
  fail(`--instances must be solomon, homberger or all, not ${values.instances}`);
}
// --homberger alone runs just the 1,000-customer type-1 pair; with --instances it adds them to that set.
const set = values.instances ?? (values.homberger ? '' : 'solomon');

interface Entry {
  name: string;
  path: string;
  bks: Bks | undefined;
}

const solomonBks = readBks(`${dataDirectory}solomon-bks-distance.csv`);
const hombergerBks = readBks(`${dataDirectory}homberger/bks-hierarchical.csv`);
const solomon: Entry[] = readdirSync(`${dataDirectory}solomon`)
  .filter((file) => file.endsWith('.txt'))
  .sort()
  .map((file) => {
    const name = file.slice(0, -'.txt'.length);
    return { name, path: `${dataDirectory}solomon/${file}`, bks: solomonBks.get(name) };
  });
// The table's own order: the 200-customer instances, then the 1,000-customer ones, class by class.
const homberger: Entry[] = [...hombergerBks].map(([name, bks]) => ({
  name,
  path: `${dataDirectory}homberger/${name}.txt`,
  bks,
}));
// The type-1 (short-horizon) 1,000-customer set has about ten stops a route, the shape of a field service day.
const typeOne = homberger.filter((entry) => entry.name === 'c1_10_1' || entry.name === 'rc1_10_1');

const classOf = (name: string) => /^(RC|R|C)[12]/i.exec(name)?.[0].toUpperCase() ?? '?';

const chosen = [
  ...(set === 'solomon' || set === 'all' ? solomon : []),
  ...(set === 'homberger' || set === 'all' ? homberger : []),
  ...(values.homberger ? typeOne : []),
];
let entries = chosen.filter((entry, index) => chosen.findIndex((other) => other.name === entry.name) === index);
if (values.only !== undefined) {
  const wanted = values.only.split(',').map((token) => token.trim().toUpperCase());
  const matches = (entry: Entry, token: string) => entry.name.toUpperCase() === token || classOf(entry.name) === token;
  const unknown = wanted.filter((token) => !entries.some((entry) => matches(entry, token)));
  if (unknown.length > 0) {
    fail(`--only: nothing called ${unknown.join(', ')} in the selected instances`);
  }
  entries = entries.filter((entry) => wanted.some((token) => matches(entry, token)));
}

interface Result {
  name: string;
  feasible: boolean;
  gap: number | undefined;
  seconds: number;
}

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(
  `# VRPTW bench: Node ${process.version}, ${os.cpus().length} CPUs (${cpu}), one thread; ` +
    `${seconds} s per instance, seed ${seed}; fixed fleet, minimise distance`,
);
console.log('# BKS: solomon-bks-distance.csv (Solomon), homberger/bks-hierarchical.csv (Homberger)');
console.log(
  `${'instance'.padEnd(9)} ${'feasible'.padEnd(8)} ${'vehicles'.padStart(8)} ${'distance'.padStart(10)} ` +
    `${'BKS'.padStart(10)} ${'gap %'.padStart(7)} ${'seconds'.padStart(7)}`,
);

// Rounded before the sign is chosen, so a gap of -0.001 reads +0.00, not -0.00.
const signed = (value: number) => {
  const rounded = Number(value.toFixed(2)) || 0;
  return `${rounded >= 0 ? '+' : ''}${rounded.toFixed(2)}`;
};

const results: Result[] = [];
for (const entry of entries) {
  const instance = readInstance(entry.path);
  const problem = toProblem(instance);
  const started = performance.now();
  const plan = solve(problem, { timeLimitMs: seconds * 1000, seed });
  const elapsed = (performance.now() - started) / 1000;
  const evaluation = evaluate(instance, customerRoutes(problem, plan));
  // A plan that drops customers is shorter for it: its gap would flatter the solver, so it gets none.
  const gap = evaluation.feasible && entry.bks ? 100 * (evaluation.distance / entry.bks.distance - 1) : undefined;
  results.push({ name: entry.name, feasible: evaluation.feasible, gap, seconds: elapsed });
  const why = evaluation.feasible
    ? ''
    : `  ${evaluation.violations.length} violation(s), first: ${evaluation.violations[0]}`;
  console.log(
    `${entry.name.padEnd(9)} ${(evaluation.feasible ? 'yes' : 'NO').padEnd(8)} ` +
      `${String(evaluation.vehicles).padStart(8)} ${evaluation.distance.toFixed(2).padStart(10)} ` +
      `${(entry.bks?.distance.toFixed(2) ?? '-').padStart(10)} ` +
      `${(gap === undefined ? '-' : signed(gap)).padStart(7)} ` +
      `${elapsed.toFixed(2).padStart(7)}${why}`,
  );
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const summarise = (label: string, group: Result[]) => {
  const gaps = group.flatMap((result) => (result.gap === undefined ? [] : [result.gap]));
  const gap = gaps.length === 0 ? '-' : `${signed(mean(gaps))} %`;
  console.log(
    `${label.padEnd(9)} feasible ${`${group.filter((result) => result.feasible).length}/${group.length}`.padStart(5)}` +
      `   mean gap ${gap.padStart(9)}   mean time ${mean(group.map((result) => result.seconds)).toFixed(2)} s`,
  );
};

console.log('');
for (const name of ['C1', 'C2', 'R1', 'R2', 'RC1', 'RC2']) {
  const group = results.filter((result) => classOf(result.name) === name);
  if (group.length > 0) summarise(name, group);
}
if (results.length > 0) summarise('overall', results);
