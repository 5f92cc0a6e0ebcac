import { Duration, Validations } from 'aws-cdk-lib';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { notifierEventTypes } from '#shared/notify/own-events.ts';
import type { DeadLetterQueue } from './dead-letters.ts';
import { eventSource } from './events.ts';
import type { Fn } from './lambda.ts';

/** How a queue's consumer takes it, and when a message it keeps failing on becomes a dead letter. */
export interface Consumption {
  /** The consuming function's timeout: the queue hides a batch six times as long. */
  readonly timeout: Duration;
  readonly deadLetters: DeadLetterQueue;
  readonly maxReceiveCount: number;
}

/**
 * A queue a function consumes: SQS-managed encryption, TLS only, a batch hidden for six times the function's timeout
 * (Lambda's advice for an SQS event source, so a batch still being worked on never reappears for a second
 * instance), and a message failed on `maxReceiveCount` times moved to the dead-letter queue.
 */
export function consumedQueue(scope: Construct, id: string, consumption: Consumption): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: Duration.seconds(consumption.timeout.toSeconds() * 6),
    deadLetterQueue: { queue: consumption.deadLetters, maxReceiveCount: consumption.maxReceiveCount },
  });
}

/**
 * Every new change-feed event on the deployment's bus but the notifier's own timeline entries, into a queue. Only a
 * queue that is gone or refuses the rule fails this hop: retried for an hour, then the event is a dead letter.
 */
export function feedIntoQueue(
  scope: Construct,
  id: string,
  props: { bus: IEventBus; queue: Queue; deadLetters: DeadLetterQueue; description: string },
): Rule {
  return new Rule(scope, id, {
    eventBus: props.bus,
    description: props.description,
    eventPattern: { source: [eventSource], detailType: Match.anythingBut(...notifierEventTypes) },
    targets: [
      new SqsQueue(props.queue, {
        retryAttempts: 10,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: props.deadLetters,
      }),
    ],
  });
}

/**
 * The function takes the queue in batches of 10, at most `maxConcurrency` at once, and reports the messages it failed
 * on (`batchItemFailures`) to be received again; the queue's redrive policy is then its dead-letter queue.
 */
export function consume(
  fn: Fn,
  queue: Queue,
  props: { id: string; maxConcurrency: number; maxReceiveCount: number },
): EventSourceMapping {
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason:
      'Its SQS event source invokes it synchronously with each batch: a message it fails on returns to the queue, ' +
      `whose redrive policy moves it to the dead-letter queue after ${props.maxReceiveCount} receives, so a ` +
      'dead-letter queue of the function would never receive an event.',
  });
  queue.grantConsumeMessages(fn);
  const mapping = fn.addEventSourceMapping(props.id, {
    eventSourceArn: queue.queueArn,
    batchSize: 10,
    reportBatchItemFailures: true,
    maxConcurrency: props.maxConcurrency,
  });
  Validations.of(mapping).acknowledge({
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason:
      'Lambda takes on-failure destinations for stream and Kafka sources only; for this SQS source the queue’s ' +
      `redrive policy moves a message failed on ${props.maxReceiveCount} times to its dead-letter queue.`,
  });
  return mapping;
}
