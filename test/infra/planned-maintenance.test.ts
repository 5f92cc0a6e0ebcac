import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthFieldOps } from './synth.ts';
import { functionsByHandlerFile, resourcesOf, roleStatements } from './template.ts';

let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

describe('the planned maintenance run', () => {
  it('is scheduled daily at 05:00 UTC, invoking its function with retries', () => {
    const [[, schedule] = []] = resourcesOf(template, 'AWS::Scheduler::Schedule');
    const [fnId] = functionsByHandlerFile(template).get('functions/intake/planned-maintenance.ts') ?? [];

    expect(schedule?.Properties.ScheduleExpression).toBe('cron(0 5 * * ? *)');
    expect(schedule?.Properties.Target).toMatchObject({
      Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 3 },
    });
  });

  it("lets the scheduler's role invoke that function and nothing else", () => {
    const [[, schedule] = []] = resourcesOf(template, 'AWS::Scheduler::Schedule');
    const statements = roleStatements(template, schedule?.Properties.Target.RoleArn);

    expect(statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat())).toEqual([
      'lambda:InvokeFunction',
    ]);
  });

  it('gives the run write access to the table and the right to start executions', () => {
    const [, fn] = functionsByHandlerFile(template).get('functions/intake/planned-maintenance.ts') ?? [];

    expect(Object.keys(fn?.Properties.Environment.Variables).sort()).toEqual([
      'NODE_OPTIONS',
      'STATE_MACHINE_ARN',
      'TABLE_NAME',
    ]);
  });
});
