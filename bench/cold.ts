/**
 * `npm run bench:cold [-- <runs>] [-- --analyze <handler file>]`: the cold start of every function the stack
 * deploys, printed, never asserted. Each function's bundle is built as the stack builds it (infra/bundling.ts, the
 * options `Fn` gives CDK, here in one esbuild run), then imported `runs` times (default 5) in a fresh Node process
 * with the environment the stack sets on that function (its NODE_OPTIONS included, references as dummy values) and
 * the variables Lambda itself sets. Prints each bundle's size (minified, its .map left out) and import time (wall
 * clock, min and median; CPU, median), the max of each column, and whether the targets hold: 500 KB and 250 ms
 * (median). A bundle that fails to import, or exports no handler, stops the run with its error: that is a broken
 * build, not a figure. `--analyze` prints what one bundle holds, module by module (esbuild's analyzeMetafile).
 *
 * On a machine shared with other work the wall clock varies from run to run; the minimum and the CPU time vary less.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { analyzeMetafile, version as esbuildVersion, type Metafile } from 'esbuild';
import { buildApp } from '#infra/app.ts';
import { bundleFileOf, bundleHandlers } from '#infra/bundling.ts';
import { Fn, repoRoot } from '#infra/lambda.ts';

const targets = { kb: 500, ms: 250 };
const { values, positionals } = parseArgs({ options: { analyze: { type: 'string' } }, allowPositionals: true });
const runs = Number(positionals[0] ?? 5);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`Runs must be a whole number from 1, not ${positionals[0]}.`);

interface Deployed {
  handlerFile: string;
  /** The function's environment as the stack sets it, with references (table name, ARNs) as dummy values. */
  environment: Record<string, string>;
}

/** Every function the stack deploys, read from the stack itself (built without bundling, in a second). */
function deployedFunctions(outdir: string): Deployed[] {
  const { stack } = buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }));
  return stack.node
    .findAll()
    .filter((construct): construct is Fn => construct instanceof Fn)
    .map((fn) => {
      const cfn = fn.node.defaultChild as CfnFunction;
      // Fn describes each function by its handler file.
      const handlerFile = String(cfn.description);
      const variables: Record<string, unknown> = Stack.of(fn).resolve(cfn.environment)?.variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `dummy-${name}`]),
      );
      return { handlerFile, environment };
    })
    .sort((a, b) => a.handlerFile.localeCompare(b.handlerFile));
}

/** What Lambda sets in every function's environment (credentials as dummies: nothing should call AWS at import). */
const lambdaEnvironment = {
  AWS_REGION: 'eu-west-2',
  AWS_DEFAULT_REGION: 'eu-west-2',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'FieldOps-cold',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_ACCESS_KEY_ID: 'AKIDCOLDSTART',
  AWS_SECRET_ACCESS_KEY: 'cold-start',
  AWS_SESSION_TOKEN: 'cold-start',
  TZ: ':UTC',
};

/** Imports the bundle and prints its import time and CPU, failing if it exports no handler. */
const importOnce = `
const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(process.argv[1]);
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
if (typeof module.handler !== 'function') throw new Error('The bundle exports no handler function.');
console.log(JSON.stringify({ ms, cpuMs: (user + system) / 1000 }));
`;

const run = promisify(execFile);
async function importTime(file: string, environment: Record<string, string>) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', importOnce, pathToFileURL(file).href], {
    env: { PATH: process.env.PATH, ...lambdaEnvironment, ...environment },
  });
  return JSON.parse(stdout) as { ms: number; cpuMs: number };
}

/** The bytes of a bundle by package (or project folder), largest first. */
function holdings(metafile: Metafile, file: string): [string, number][] {
  const output = Object.entries(metafile.outputs).find(([path]) => join(repoRoot, path) === file)?.[1];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? path.split('/').slice(0, 2).join('/');
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => bytes / 1024;
const fixed = (value: number, width: number) => value.toFixed(0).padStart(width);

const workdir = mkdtempSync(join(tmpdir(), 'fieldops-cold-'));
try {
  const functions = deployedFunctions(join(workdir, 'cdk.out'));
  const outdir = join(workdir, 'bundles');
  const bundlingStarted = performance.now();
  const metafile = await bundleHandlers(
    repoRoot,
    functions.map((fn) => fn.handlerFile),
    outdir,
  );
  const bundlingMs = performance.now() - bundlingStarted;

  if (values.analyze) {
    const file = bundleFileOf(outdir, values.analyze);
    const output = Object.keys(metafile.outputs).find((path) => join(repoRoot, path) === file);
    if (!output) throw new Error(`${values.analyze} is not the handler file of a deployed function.`);
    const only = { inputs: metafile.inputs, outputs: { [output]: metafile.outputs[output] } } as Metafile;
    console.log(await analyzeMetafile(only));
  }

  // Run by run across every function rather than function by function, so that a busy moment of the machine
  // spreads over all of them instead of landing on one.
  const samples = new Map(functions.map((fn) => [fn.handlerFile, [] as { ms: number; cpuMs: number }[]]));
  for (let round = 0; round < runs; round++) {
    for (const fn of functions) {
      samples.get(fn.handlerFile)?.push(await importTime(bundleFileOf(outdir, fn.handlerFile), fn.environment));
    }
  }

  const rows = functions.map((fn) => {
    const times = samples.get(fn.handlerFile) ?? [];
    const file = bundleFileOf(outdir, fn.handlerFile);
    return {
      handlerFile: fn.handlerFile,
      kb: kb(statSync(file).size),
      min: Math.min(...times.map((time) => time.ms)),
      median: median(times.map((time) => time.ms)),
      cpu: median(times.map((time) => time.cpuMs)),
      file,
    };
  });
  const width = Math.max(...rows.map((row) => row.handlerFile.length));
  const nodeOptions = [...new Set(functions.map((fn) => fn.environment.NODE_OPTIONS ?? 'none'))].join(', ');
  console.log(
    `${functions.length} functions, bundled as deployed in ${(bundlingMs / 1000).toFixed(1)} s (esbuild ${esbuildVersion}), ` +
      `each imported ${runs} times in a fresh Node ${process.version} process; NODE_OPTIONS as deployed: ${nodeOptions}`,
  );
  console.log(`${''.padEnd(width)}  ${'size'.padStart(6)}  ${'import ms'.padStart(13)}  ${'CPU ms'.padStart(7)}`);
  console.log(`${'function'.padEnd(width)}  ${'KB'.padStart(6)}  ${'min'.padStart(5)} ${'median'.padStart(7)}  median`);
  for (const row of rows) {
    console.log(
      `${row.handlerFile.padEnd(width)}  ${fixed(row.kb, 6)}  ${fixed(row.min, 5)} ${fixed(row.median, 7)}  ${fixed(row.cpu, 6)}`,
    );
  }
  const max = (pick: (row: (typeof rows)[number]) => number) => Math.max(...rows.map(pick));
  console.log(
    `${'max'.padEnd(width)}  ${fixed(
      max((row) => row.kb),
      6,
    )}  ${fixed(
      max((row) => row.min),
      5,
    )} ` +
      `${fixed(
        max((row) => row.median),
        7,
      )}  ${fixed(
        max((row) => row.cpu),
        6,
      )}`,
  );

  const tooBig = rows.filter((row) => row.kb > targets.kb);
  const tooSlow = rows.filter((row) => row.median > targets.ms);
  const verdict = (over: typeof rows, what: string) =>
    over.length === 0 ? 'met' : `not met by ${over.length} of ${rows.length} (${what})`;
  console.log(
    `\ntarget ${targets.kb} KB a bundle: ${verdict(
      tooBig,
      `largest ${fixed(
        max((row) => row.kb),
        0,
      )} KB`,
    )}`,
  );
  console.log(
    `target ${targets.ms} ms to import (median): ${verdict(
      tooSlow,
      `slowest ${fixed(
        max((row) => row.median),
        0,
      )} ms`,
    )}`,
  );
  const largest = rows.reduce((a, b) => (b.kb > a.kb ? b : a));
  const top = holdings(metafile, largest.file)
    .slice(0, 8)
    .map(([name, bytes]) => `${name} ${fixed(kb(bytes), 0)}`);
  console.log(`largest, ${largest.handlerFile} (KB): ${top.join(', ')}`);
} finally {
  rmSync(workdir, { recursive: true, force: true });
}
