import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps } from './synth.ts';
import { boundEnvironment, functionOf, logicalIdOf, resourcesOf, roleStatements, scheduleOf } from './template.ts';

const runFile = 'functions/intake/planned-maintenance.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

const runFn = () => functionOf(template, runFile);
const schedule = () => scheduleOf(template, runFn()[0]);

const deadLetters = () => ({ 'Fn::GetAtt': [logicalIdOf(stack, stack.plannedMaintenance.deadLetters), 'Arn'] });

describe('the planned maintenance run', () => {
  it('is scheduled daily at 05:00 UTC, invoking its function with retries, then its dead-letter queue', () => {
    const [fnId] = runFn();

    expect(schedule().Properties.ScheduleExpression).toBe('cron(0 5 * * ? *)');
    expect(schedule().Properties.Target).toMatchObject({
      Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 3 },
      DeadLetterConfig: { Arn: deadLetters() },
    });
  });

  it('retries a run that failed twice, then records it in the same dead-letter queue', () => {
    const [fnId] = runFn();
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, config]) => config.Properties)
      .filter((config) => config.FunctionName.Ref === fnId);

    expect(configs).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: deadLetters() } },
      }),
    ]);
  });

  it("lets the scheduler's role invoke that function and write its dead letters, and nothing else", () => {
    const statements = roleStatements(template, schedule().Properties.Target.RoleArn);

    expect(statements.map((s: { Action: string | string[]; Resource: unknown }) => [s.Action, s.Resource])).toEqual([
      ['lambda:InvokeFunction', expect.arrayContaining([{ 'Fn::GetAtt': [runFn()[0], 'Arn'] }])],
      ['sqs:SendMessage', deadLetters()],
    ]);
  });

  it('gives the run write access to the table and the right to start executions', () => {
    const [, fn] = runFn();

    expect(boundEnvironment(fn)).toEqual(['STATE_MACHINE_ARN', 'TABLE_NAME']);
  });

  it('outputs the URL of its dead-letter queue', () => {
    const values = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(values).toContainEqual({ Ref: logicalIdOf(stack, stack.plannedMaintenance.deadLetters) });
  });
});
