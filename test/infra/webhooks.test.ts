import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSource } from '#infra/events.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { webhookMaxReceiveCount, webhookTimeout } from '#infra/webhooks.ts';
import { synthFieldOps } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  functionOf,
  logicalIdOf,
  resource,
  resourcesOf,
  roleStatements,
  scheduleOf,
} from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

const idOf = (construct: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(stack, construct);

describe('outgoing webhooks, deployed', () => {
  it('queue every feed event from the bus but the notifier’s own for the deliverer', () => {
    const rule = resource(template, idOf(stack.webhooks.rule));
    expect(rule.Properties.EventPattern).toEqual({
      source: [eventSource],
      'detail-type': [{ 'anything-but': ['workorder.message_sent', 'workorder.message_skipped'] }],
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [idOf(stack.webhooks.queue), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(stack.webhooks.deadLetters), 'Arn'] } },
      }),
    ]);
  });

  it('wake the retrier from a queue of its own, each wake-up delayed by its sender, with a sweep every five minutes', () => {
    const [deliverId, deliverer] = functionOf(template, 'functions/webhooks/deliver.ts');
    const [retryId, retrier] = functionOf(template, 'functions/webhooks/retry.ts');
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
    const mappingOf = (fnId: string) => mappings.find((m) => m.FunctionName.Ref === fnId);

    expect(mappingOf(deliverId)).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack.webhooks.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mappingOf(retryId)).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack.webhooks.retryQueue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(scheduleOf(template, retryId).Properties.ScheduleExpression).toBe('rate(5 minutes)');
    for (const fn of [deliverer, retrier]) {
      expect(boundEnvironment(fn)).toContain('WEBHOOK_RETRY_QUEUE_URL');
      expect(fn.Properties.Environment.Variables.WEBHOOK_RETRY_QUEUE_URL).toEqual({
        Ref: idOf(stack.webhooks.retryQueue),
      });
      expect(fn.Properties.Timeout).toBe(webhookTimeout.toSeconds());
    }
  });

  it('keep both queues encrypted and TLS-only, each failed message a dead letter after five receives, under an alarm', () => {
    for (const queue of [stack.webhooks.queue, stack.webhooks.retryQueue]) {
      const properties = resource(template, idOf(queue)).Properties;
      expect(properties).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: webhookTimeout.toSeconds() * 6,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [idOf(stack.webhooks.deadLetters), 'Arn'] },
          maxReceiveCount: webhookMaxReceiveCount,
        },
      });
    }
    const watched = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.AlarmName === `${stack.stackName}-dead-letters-webhooks`,
    );
    expect(watched).toHaveLength(1);
  });

  it('let the functions send wake-ups to the retry queue (and the sweep’s failures to its dead letters) alone, and reach no bucket', () => {
    for (const file of ['functions/webhooks/deliver.ts', 'functions/webhooks/retry.ts']) {
      const [, fn] = functionOf(template, file);
      const sends = roleStatements(template, fn.Properties.Role).filter((s) =>
        [s.Action].flat().includes('sqs:SendMessage'),
      );
      const retryQueue = { 'Fn::GetAtt': [idOf(stack.webhooks.retryQueue), 'Arn'] };
      const deadLetters = { 'Fn::GetAtt': [idOf(stack.webhooks.deadLetters), 'Arn'] };
      const targets = sends.map((s) => s.Resource);
      expect(targets).toContainEqual(retryQueue);
      for (const target of targets) expect([retryQueue, deadLetters]).toContainEqual(target);
      expect([...allowedActions(template, fn)].filter((action) => action.startsWith('s3:'))).toEqual([]);
    }
  });
});
