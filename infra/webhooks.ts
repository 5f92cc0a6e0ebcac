import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { type Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letters.ts';
import { Fn } from './lambda.ts';
import { consume, consumedQueue, feedIntoQueue } from './queues.ts';
import { invokeOnSchedule } from './schedule.ts';

/** An attempt waits at most 10 s for a receiver; a batch sends to every subscription of its events at once. */
export const webhookTimeout = Duration.seconds(60);

/** Receives of a queued event or wake-up the functions fail on (a store fault) before it is a dead letter. */
export const webhookMaxReceiveCount = 5;

/**
 * Outgoing webhooks (shared/webhooks): every new change-feed event on the bus is queued for
 * `functions/webhooks/deliver.ts`, which writes a delivery for each subscription that wants it and makes its first
 * attempt at once. A delivery that failed is due again by the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, ... for a day); its due time is kept in the table, and a wake-up message goes to the retry queue with
 * that delay (SQS delays a message 15 minutes at most: a longer wait is the wake-up sent on again), so the retry is
 * made by `functions/webhooks/retry.ts` within seconds of falling due, not by a loop in a function. The same function
 * sweeps the due deliveries every five minutes, in case a wake-up was lost (a crash between the attempt and the send).
 *
 * Receivers' failures are the deliveries' own, logged on each (`GET /v1/webhooks/{id}/deliveries`): only the store's
 * failures hand a message back to its queue, and after five receives it waits in the dead-letter queue under an alarm.
 */
export class Webhooks extends Construct {
  readonly queue: Queue;
  readonly retryQueue: Queue;
  readonly deadLetters: DeadLetterQueue;
  readonly deliverer: Fn;
  readonly retrier: Fn;
  readonly rule: Rule;
  readonly deliverSource: EventSourceMapping;
  readonly retrySource: EventSourceMapping;
  readonly sweep: Schedule;

  constructor(scope: Construct, id: string, props: { bus: IEventBus; table: ITable }) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the webhook queues (after five receives), the rule feeding them and the sweep schedule',
      description: 'Feed events and retry wake-ups the webhook functions failed on five times (redrive to their queue)',
      redriveTarget: true,
    });
    const consumption = {
      timeout: webhookTimeout,
      deadLetters: this.deadLetters,
      maxReceiveCount: webhookMaxReceiveCount,
    };
    this.queue = consumedQueue(this, 'Queue', consumption);
    this.retryQueue = consumedQueue(this, 'RetryQueue', consumption);
    this.rule = feedIntoQueue(this, 'FeedEvents', {
      bus: props.bus,
      queue: this.queue,
      deadLetters: this.deadLetters,
      description: 'Every new change-feed event but the notifier’s own, to the webhooks queue',
    });

    const fn = (name: string, handlerFile: string) => {
      const made = new Fn(this, name, { handlerFile, timeout: webhookTimeout }).bindTable(props.table, 'write');
      made.addEnvironment('WEBHOOK_RETRY_QUEUE_URL', this.retryQueue.queueUrl);
      this.retryQueue.grantSendMessages(made);
      return made;
    };
    this.deliverer = fn('Deliver', 'functions/webhooks/deliver.ts');
    this.retrier = fn('Retry', 'functions/webhooks/retry.ts');
    const taking = { maxConcurrency: 5, maxReceiveCount: webhookMaxReceiveCount };
    this.deliverSource = consume(this.deliverer, this.queue, { id: 'Queue', ...taking });
    this.retrySource = consume(this.retrier, this.retryQueue, { id: 'RetryQueue', ...taking });

    // The backstop: a wake-up lost to a crash is found by its due time within five minutes.
    this.sweep = invokeOnSchedule(this, 'Sweep', this.retrier, {
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      description: 'Makes the webhook attempts that are due and were not woken (a lost wake-up)',
      delivery: { retryAttempts: 2, maxEventAge: Duration.minutes(5) },
      run: { retryAttempts: 0, maxEventAge: Duration.minutes(5) },
      deadLetters: this.deadLetters,
    });
  }
}
