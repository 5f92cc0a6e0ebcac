import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { Fn } from '#infra/lambda.ts';
import { workflowTasks } from '#infra/routes.ts';
import { Storage } from '#infra/storage.ts';
import { testApp } from './synth.ts';
import {
  allowedActions,
  functionsByHandlerFile,
  isSpecificReason,
  nagAcknowledgements,
  nagFindings,
  roleStatements,
} from './template.ts';

const noopHandler = 'test/infra/fixtures/noop-handler.ts';
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function stackWithFn(handlerFile = noopHandler, options: { bundle?: boolean } = {}) {
  const { app, cleanup } = testApp(options);
  cleanups.push(cleanup);
  const stack = new Stack(app, 'Test');
  return { app, stack, storage: new Storage(stack, 'Storage'), fn: new Fn(stack, 'Handler', { handlerFile }) };
}

describe('Fn', () => {
  it('grants each bucket action on the keys under its own prefix alone, paired with BUCKET_NAME', () => {
    const { stack, storage, fn } = stackWithFn();

    fn.bindBucket(storage.bucket, [
      { prefix: 'work-orders/', actions: ['s3:GetObject', 's3:ListBucket'] },
      { prefix: 'quarantine/', actions: ['s3:PutObject'] },
    ]);

    const template = Template.fromStack(stack);
    const [, resource = { Type: '', Properties: {} }] = functionsByHandlerFile(template).get(noopHandler) ?? [];
    const bucketArn = { 'Fn::GetAtt': [stack.getLogicalId(storage.bucket.node.defaultChild as CfnElement), 'Arn'] };
    const keysUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    expect(resource.Properties.Environment.Variables).toHaveProperty('BUCKET_NAME', { Ref: expect.any(String) });
    expect(
      roleStatements(template, resource.Properties.Role).filter((s) => String(s.Action).startsWith('s3:')),
    ).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: keysUnder('work-orders/') }),
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': 'work-orders/*' } },
      },
      expect.objectContaining({ Action: 's3:PutObject', Resource: keysUnder('quarantine/') }),
    ]);
  });

  it('pairs the read-only table grant with TABLE_NAME, and writes nothing', () => {
    const { stack, storage, fn } = stackWithFn();

    fn.bindTable(storage.table, 'read');

    const template = Template.fromStack(stack);
    const [, resource = { Type: '', Properties: {} }] = functionsByHandlerFile(template).get(noopHandler) ?? [];
    const actions = allowedActions(template, resource);
    expect(resource.Properties.Environment.Variables).toHaveProperty('TABLE_NAME', { Ref: expect.any(String) });
    expect(actions).toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:PutItem');
  });

  it('pairs the workflow grants with STATE_MACHINE_ARN: start, list and answer on the machine, read its executions', () => {
    const { stack, fn } = stackWithFn();
    const workflow = {
      stateMachineArn: 'arn:aws:states:eu-west-2:111111111111:stateMachine:Test-WorkOrder',
      executionsArn: 'arn:aws:states:eu-west-2:111111111111:execution:Test-WorkOrder:*',
    };

    fn.bindWorkflow(workflow);

    const template = Template.fromStack(stack);
    const [, resource = { Type: '', Properties: {} }] = functionsByHandlerFile(template).get(noopHandler) ?? [];
    const byResource = Object.fromEntries(
      roleStatements(template, resource.Properties.Role)
        .filter((s) => [s.Action].flat().some((action: string) => action.startsWith('states:')))
        .map((s) => [s.Resource, [s.Action].flat().sort()]),
    );
    expect(resource.Properties.Environment.Variables).toHaveProperty('STATE_MACHINE_ARN', workflow.stateMachineArn);
    expect(byResource).toEqual({
      [workflow.stateMachineArn]: [
        'states:ListExecutions',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
        'states:StartExecution',
      ],
      [workflow.executionsArn]: ['states:DescribeExecution', 'states:GetExecutionHistory'],
    });
  });

  it('acknowledges exactly the wildcards its bindings bring, each with a specific reason', () => {
    const { stack, storage, fn } = stackWithFn();

    fn.bindTable(storage.table, 'write')
      .bindBucket(storage.bucket, [{ prefix: 'work-orders/', actions: ['s3:GetObject', 's3:DeleteObject'] }])
      .bindWorkflow({
        stateMachineArn: 'arn:aws:states:eu-west-2:111111111111:stateMachine:Test-WorkOrder',
        executionsArn: 'arn:aws:states:eu-west-2:111111111111:execution:Test-WorkOrder:*',
      });

    const raw = nagFindings(stack, { ignoreAcknowledgements: true });
    expect(
      nagFindings(stack).filter((finding) => finding.severity === 'error' && finding.id.startsWith('AwsSolutions-')),
    ).toEqual([]);
    for (const ack of nagAcknowledgements(stack)) {
      expect(
        raw.some((f) => f.id === ack.id && f.path.startsWith(ack.path)),
        `${ack.id} at ${ack.path}`,
      ).toBe(true);
      expect(isSpecificReason(ack.reason), ack.reason).toBe(true);
    }
  });

  // Bundles for real (esbuild, a few seconds): the one test that proves the deployed code is complete ESM.
  it('bundles a workflow handler into one ESM file with its #shared imports, the SDK and a source map', () => {
    const { app, stack } = stackWithFn(workflowTasks.LoadWorkOrder, { bundle: true });

    const [, resource] = functionsByHandlerFile(Template.fromStack(stack)).get(workflowTasks.LoadWorkOrder) ?? [];
    const assetDir = join(app.outdir, `asset.${String(resource?.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\s*\}/);
    expect(code).not.toMatch(/["']#shared\//);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
  });
});
