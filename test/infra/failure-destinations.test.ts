import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthFieldOps } from './synth.ts';
import { functionsByHandlerFile, resource, resourcesOf, roleStatements } from './template.ts';

let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

type GetAtt = { 'Fn::GetAtt': [string, string] };

/** The logical id of the SQS queue an ARN reference points at, failing loudly when it is anything else. */
function queueOf(arn: GetAtt | undefined): string {
  const [id, attribute] = arn?.['Fn::GetAtt'] ?? [];
  if (!id || attribute !== 'Arn' || resource(template, id).Type !== 'AWS::SQS::Queue') {
    throw new Error(`Not an SQS queue ARN: ${JSON.stringify(arn)}`);
  }
  return id;
}

/** Whether the role may send messages to the queue. */
function maySend(roleArn: GetAtt, queueId: string): boolean {
  return roleStatements(template, roleArn).some(
    (s) =>
      [s.Action].flat().includes('sqs:SendMessage') &&
      [s.Resource].flat().some((r: GetAtt) => r['Fn::GetAtt']?.[0] === queueId),
  );
}

/**
 * Functions S3, EventBridge Scheduler or an EventBridge rule invoke asynchronously, by logical id (a rule that feeds
 * a queue invokes no function: the queue's redrive policy keeps what its consumer fails on).
 */
function asynchronouslyInvoked(): string[] {
  const notified = resourcesOf(template, 'Custom::S3BucketNotifications')
    .flatMap(([, n]) => n.Properties.NotificationConfiguration.LambdaFunctionConfigurations ?? [])
    .map((config: { LambdaFunctionArn: GetAtt }) => config.LambdaFunctionArn['Fn::GetAtt'][0]);
  const scheduled = resourcesOf(template, 'AWS::Scheduler::Schedule').map(
    ([, schedule]) => schedule.Properties.Target.Arn['Fn::GetAtt'][0] as string,
  );
  const ruled = ruleTargets()
    .map(([, target]) => target.Arn['Fn::GetAtt'][0] as string)
    .filter((id) => resource(template, id).Type === 'AWS::Lambda::Function');
  return [...new Set([...notified, ...scheduled, ...ruled])];
}

/** Every target of every EventBridge rule, with its rule's logical id. */
function ruleTargets(): [string, { Arn: GetAtt; RetryPolicy?: unknown; DeadLetterConfig?: { Arn: GetAtt } }][] {
  return resourcesOf(template, 'AWS::Events::Rule').flatMap(([id, rule]) =>
    (rule.Properties.Targets ?? []).map((target: never) => [id, target] as const),
  );
}

/** Every queue a failure destination names, by logical id. */
function deadLetterQueues(): string[] {
  const lambda = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').map(([, config]) =>
    queueOf(config.Properties.DestinationConfig?.OnFailure?.Destination),
  );
  const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(([, schedule]) =>
    queueOf(schedule.Properties.Target.DeadLetterConfig?.Arn),
  );
  const pipes = resourcesOf(template, 'AWS::Pipes::Pipe').map(([, pipe]) =>
    queueOf(pipe.Properties.SourceParameters.DynamoDBStreamParameters?.DeadLetterConfig?.Arn),
  );
  const rules = ruleTargets().map(([, target]) => queueOf(target.DeadLetterConfig?.Arn));
  return [...new Set([...lambda, ...schedules, ...pipes, ...rules])];
}

describe('every asynchronous edge, so that nothing is dropped', () => {
  it('covers the upload verifier, e-mail intake, the planned maintenance run, the reconciler, the live channel and the webhook sweep', () => {
    const handlerFileOf = new Map([...functionsByHandlerFile(template)].map(([file, [id]]) => [id, file]));

    expect(
      asynchronouslyInvoked()
        .map((id) => handlerFileOf.get(id))
        .sort(),
    ).toEqual([
      'functions/attachments/verify-upload.ts',
      'functions/intake/planned-maintenance.ts',
      'functions/intake/receive-email.ts',
      'functions/live/publish.ts',
      'functions/webhooks/retry.ts',
      'functions/workflow/reconcile.ts',
    ]);
  });

  it('each such function retries a set number of times, then records the event in a dead-letter queue it may write', () => {
    for (const fnId of asynchronouslyInvoked()) {
      const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')
        .map(([, config]) => config.Properties)
        .filter((config) => config.FunctionName.Ref === fnId);
      const queueId = queueOf(configs[0]?.DestinationConfig?.OnFailure?.Destination);

      expect(configs, fnId).toHaveLength(1);
      expect(configs[0]?.MaximumRetryAttempts, fnId).toEqual(expect.any(Number));
      expect(maySend(resource(template, fnId).Properties.Role, queueId), fnId).toBe(true);
    }
  });

  it('each schedule retries its delivery, then records it in a dead-letter queue its role may write', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule');

    // The planned maintenance run, the reconciler and the webhook sweep.
    expect(schedules).toHaveLength(3);
    for (const [id, schedule] of schedules) {
      const { RetryPolicy, DeadLetterConfig, RoleArn } = schedule.Properties.Target;
      expect(RetryPolicy, id).toEqual({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      expect(maySend(RoleArn, queueOf(DeadLetterConfig?.Arn)), id).toBe(true);
    }
  });

  it('each rule retries its delivery, then records it in a dead-letter queue that lets that rule alone send to it', () => {
    const targets = ruleTargets();
    const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy').map(([, p]) => p.Properties);

    // The live channel's, the notifications queue's and the webhooks queue's.
    expect(targets).toHaveLength(3);
    for (const [ruleId, target] of targets) {
      const queueId = queueOf(target.DeadLetterConfig?.Arn);
      const statements = policies.find((p) => p.Queues.some((q: { Ref: string }) => q.Ref === queueId))?.PolicyDocument
        .Statement;
      expect(target.RetryPolicy, ruleId).toEqual({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      expect(statements, ruleId).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        }),
      );
    }
  });

  it('the change-stream pipe halves a failing batch, retries a bounded number of times, then records it', () => {
    const [[, pipe] = []] = resourcesOf(template, 'AWS::Pipes::Pipe');
    const stream = pipe?.Properties.SourceParameters.DynamoDBStreamParameters;

    expect(stream).toMatchObject({ OnPartialBatchItemFailure: 'AUTOMATIC_BISECT', MaximumRetryAttempts: 10 });
    expect(maySend(pipe?.Properties.RoleArn, queueOf(stream.DeadLetterConfig?.Arn))).toBe(true);
  });

  it('keeps its dead letters in a queue of its own per capability, encrypted, TLS-only, for 14 days', () => {
    const queues = deadLetterQueues();
    const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy').map(([, p]) => p.Properties);

    expect(queues).toHaveLength(8);
    for (const queueId of queues) {
      const statements = policies.find((p) => p.Queues.some((q: { Ref: string }) => q.Ref === queueId))?.PolicyDocument
        .Statement;
      expect(resource(template, queueId).Properties, queueId).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(statements, queueId).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('outputs the URL of every dead-letter queue', () => {
    const outputs = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    for (const queueId of deadLetterQueues()) expect(outputs, queueId).toContainEqual({ Ref: queueId });
  });
});
