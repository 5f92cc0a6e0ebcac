import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  functionOf,
  isSpecificReason,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  resourcesOf,
  roleStatements,
  scheduleOf,
} from './template.ts';

const reconcileFile = 'functions/workflow/reconcile.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

const reconcileFn = () => functionOf(template, reconcileFile);
const schedule = () => scheduleOf(template, reconcileFn()[0]);

const deadLetters = () => ({ 'Fn::GetAtt': [logicalIdOf(stack, stack.reconciler.deadLetters), 'Arn'] });

describe('the reconciler', () => {
  it('runs every minute, a delivery retried within that minute and then recorded in its dead-letter queue', () => {
    const [fnId] = reconcileFn();

    expect(schedule().Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(schedule().Properties.Target).toMatchObject({
      Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
      DeadLetterConfig: { Arn: deadLetters() },
    });
  });

  it('never runs a minute late or twice: a failed or stale run is recorded, the next minute is the retry', () => {
    const [fnId] = reconcileFn();
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, config]) => config.Properties)
      .filter((config) => config.FunctionName.Ref === fnId);

    expect(configs).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: deadLetters() } },
      }),
    ]);
  });

  it('has two minutes to write the table and start, list, answer and read work order executions', () => {
    const [, fn] = reconcileFn();
    const [[, machine] = []] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
    const listing = roleStatements(template, fn.Properties.Role).filter((s) =>
      [s.Action].flat().includes('states:ListExecutions'),
    );

    expect(fn.Properties.Timeout).toBe(120);
    expect(boundEnvironment(fn)).toEqual(['STATE_MACHINE_ARN', 'TABLE_NAME']);
    expect([...allowedActions(template, fn)]).toEqual(
      expect.arrayContaining([
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'states:StartExecution',
        'states:ListExecutions',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ]),
    );
    // ListExecutions is authorised on the state machine, not on its executions.
    expect(listing).toHaveLength(1);
    expect(JSON.stringify(listing[0]?.Resource)).toContain(`:stateMachine:${machine?.Properties.StateMachineName}"`);
  });

  it("lets the scheduler's role invoke the reconciler and write its dead letters, and nothing else", () => {
    const [fnId] = reconcileFn();
    const statements = roleStatements(template, schedule().Properties.Target.RoleArn);

    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [{ 'Fn::GetAtt': [fnId, 'Arn'] }, expect.anything()],
      }),
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: deadLetters() }),
    ]);
  });

  it('outputs the URL of its dead-letter queue', () => {
    const values = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(values).toContainEqual({ Ref: logicalIdOf(stack, stack.reconciler.deadLetters) });
  });

  it('passes the AWS Solutions checks, each acknowledgement answering a real finding with a specific reason', () => {
    const findings = nagFindings(stack.reconciler, { ignoreAcknowledgements: true });
    const acknowledgements = nagAcknowledgements(stack.reconciler);

    expect(nagFindings(stack.reconciler)).toEqual([]);
    expect(acknowledgements.map((ack) => ack.id)).toContain('AwsSolutions-SQS3');
    for (const ack of acknowledgements) {
      const answered = findings.some(
        (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(isSpecificReason(ack.reason), `${ack.id}: ${ack.reason}`).toBe(true);
      expect(answered, `${ack.id} at ${ack.path}`).toBe(true);
    }
  });
});
