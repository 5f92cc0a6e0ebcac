import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';

/**
 * An App that synthesizes into its own temporary directory, removed by `cleanup()`, without the built-in
 * CloudFormation validation pass (the in-process `CDK_VALIDATION=false`) and, unless `bundle` is set, without
 * bundling assets: together they take a synth from seconds to milliseconds.
 */
export function testApp(options: { bundle?: boolean; context?: AppProps['context'] } = {}): {
  app: App;
  cleanup: () => void;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'fieldops-cdk-test-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
  return { app, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The whole stack, synthesized once per test file without bundling, with its template. */
export function synthFieldOps() {
  const { app, cleanup } = testApp();
  const { stack } = buildApp(app);
  return { stack, template: Template.fromStack(stack), outdir: app.outdir, cleanup };
}
