/**
 * `npm run -s vrptw -- <instance-file> --seconds <s> [--seed <n>]`: solves one Solomon/Homberger-format file (fixed
 * fleet of K, minimise distance) and prints one JSON object, `{ "routes": [[3, 17, 5], ...], "distance": 828.94,
 * "vehicles": 10 }`: customer numbers as in the file in visit order, depot implicit, distance and vehicles from the
 * independent evaluator, nothing rounded. Errors go to stderr with a non-zero exit; a plan that breaks a rule is
 * still printed, with its violations on stderr and exit code 1, so a comparison harness cannot mistake it for a
 * valid result.
 */
import { parseArgs } from 'node:util';
import { solve } from '#shared/scheduling/solver/index.ts';
import { evaluate } from './evaluate.ts';
import { customerRoutes, readInstance, toProblem } from './instance.ts';

const usage = 'usage: npm run -s vrptw -- <instance-file> --seconds <s> [--seed <n>]';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seconds: { type: 'string' }, seed: { type: 'string', default: '1' } },
  });
  const [file] = positionals;
  const seconds = Number(values.seconds);
  const seed = Number(values.seed);
  if (file === undefined || positionals.length > 1 || !(seconds > 0) || !Number.isInteger(seed)) {
    console.error(usage);
    process.exit(2);
  }

  const instance = readInstance(file);
  const problem = toProblem(instance);
  const plan = solve(problem, { timeLimitMs: seconds * 1000, seed });
  const routes = customerRoutes(problem, plan).filter((route) => route.length > 0);
  const { distance, vehicles, violations } = evaluate(instance, routes);
  console.log(JSON.stringify({ routes, distance, vehicles }));
  if (violations.length > 0) {
    console.error(`${instance.name}: the plan breaks ${violations.length} rule(s):\n${violations.join('\n')}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
