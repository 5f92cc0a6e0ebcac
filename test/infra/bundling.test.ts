import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleFileOf, bundleHandlers } from '#infra/bundling.ts';
import { Fn, repoRoot } from '#infra/lambda.ts';
import { testApp } from './synth.ts';
import { functionOf, logicalIdOf, resource } from './template.ts';

const noopHandler = 'test/infra/fixtures/noop-handler.ts';
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function stackWith(options: { bundle?: boolean } = {}) {
  const { app, cleanup } = testApp(options);
  cleanups.push(cleanup);
  return { app, stack: new Stack(app, 'Test') };
}

describe('bundling', () => {
  // Bundles for real, twice (esbuild, a few seconds). The mail handler has all the options at work: CommonJS
  // dependencies, packages with ESM builds, the SDK (its credentials chain aliased), and text beyond ASCII.
  it('builds for npm run bench:cold, byte for byte, the bundle CDK deploys', async () => {
    const handlerFile = 'functions/intake/receive-email.ts';
    const { app, stack } = stackWith({ bundle: true });
    new Fn(stack, 'Handler', { handlerFile });
    const outdir = mkdtempSync(join(tmpdir(), 'fieldops-bundling-test-'));
    cleanups.push(() => rmSync(outdir, { recursive: true, force: true }));

    const [, deployed] = functionOf(Template.fromStack(stack), handlerFile);
    await bundleHandlers(repoRoot, [handlerFile], outdir);

    const assetDir = join(app.outdir, `asset.${String(deployed.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const benched = bundleFileOf(outdir, handlerFile);
    expect(readFileSync(benched).equals(readFileSync(join(assetDir, 'index.mjs')))).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(existsSync(`${benched}.map`)).toBe(true);
  });

  // The workflow's route reads the ASL, a JSON file imported with its type: the bundle carries it, nothing read from disk.
  it('bundles the state machine’s definition into the function that draws it', async () => {
    const handlerFile = 'functions/work-orders/workflow.ts';
    const outdir = mkdtempSync(join(tmpdir(), 'fieldops-bundling-test-'));
    cleanups.push(() => rmSync(outdir, { recursive: true, force: true }));
    await bundleHandlers(repoRoot, [handlerFile], outdir);

    const bundled = await import(pathToFileURL(bundleFileOf(outdir, handlerFile)).href);
    const reply = await bundled.handler(
      {
        routeKey: 'GET /v1/workflow',
        rawPath: '/v1/workflow',
        headers: {},
        requestContext: {
          requestId: 'bundled',
          authorizer: { jwt: { claims: { sub: 'office', role: 'dispatcher' } } },
        },
      },
      { awsRequestId: 'bundled', functionName: 'workflow' },
    );

    expect(reply.statusCode).toBe(200);
    const asl = JSON.parse(readFileSync(join(repoRoot, 'statemachines/work-order.asl.json'), 'utf8'));
    expect(JSON.parse(reply.body).states.map((state: { name: string }) => state.name)).toEqual(Object.keys(asl.States));
  });

  it('leaves the source map unread at cold start unless the function asks for it', () => {
    const { stack } = stackWith();
    const functions = {
      quiet: new Fn(stack, 'Quiet', { handlerFile: noopHandler }),
      asks: new Fn(stack, 'Asks', { handlerFile: noopHandler, sourceMaps: true }),
      later: new Fn(stack, 'Later', { handlerFile: noopHandler }).enableSourceMaps(),
    };

    const template = Template.fromStack(stack);
    const nodeOptions = Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [
        name,
        resource(template, logicalIdOf(stack, fn)).Properties.Environment.Variables.NODE_OPTIONS,
      ]),
    );
    expect(nodeOptions).toEqual({ quiet: undefined, asks: '--enable-source-maps', later: '--enable-source-maps' });
  });
});
