import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, type ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import type { DeadLetterQueue } from './dead-letters.ts';
import { acknowledgeWildcard, type Fn } from './lambda.ts';

/** Retries, and how long an invocation may wait before it is given up to the dead-letter queue. */
export interface RetryPolicy {
  readonly retryAttempts: number;
  /** @default a day for Scheduler's delivery, six hours for Lambda's queue */
  readonly maxEventAge?: Duration;
}

/** When a scheduled function runs, and where a run that cannot happen is recorded. */
export interface ScheduledInvocationProps {
  readonly schedule: ScheduleExpression;
  readonly description: string;
  /** Scheduler's retries of an invocation Lambda did not accept (throttled, unavailable, not permitted). */
  readonly delivery: RetryPolicy;
  /** Lambda's retries of a run that threw: Scheduler invokes asynchronously, so it never sees the function fail. */
  readonly run: RetryPolicy;
  readonly deadLetters: DeadLetterQueue;
}

/**
 * Invokes `fn` on an EventBridge Scheduler schedule, through a role of the scope's own (`SchedulerRole`) that may
 * invoke this function alone. Both asynchronous hops end in `deadLetters`: Scheduler's delivery, and the function's
 * run in Lambda's event queue.
 */
export function invokeOnSchedule(scope: Construct, id: string, fn: Fn, props: ScheduledInvocationProps): Schedule {
  const role = new Role(scope, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
  acknowledgeWildcard(
    role,
    `${fn.functionArn}:*`,
    "CDK's invoke grant also covers the function's versions; it names this one function only.",
  );
  props.deadLetters.receiveAsyncFailuresOf(fn, props.run);
  return new Schedule(scope, id, {
    schedule: props.schedule,
    target: new LambdaInvoke(fn, {
      role,
      retryAttempts: props.delivery.retryAttempts,
      maxEventAge: props.delivery.maxEventAge,
      deadLetterQueue: props.deadLetters,
    }),
    description: props.description,
  });
}
