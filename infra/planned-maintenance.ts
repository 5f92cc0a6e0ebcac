import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letters.ts';
import { Fn, type WorkflowRef } from './lambda.ts';
import { invokeOnSchedule } from './schedule.ts';

/**
 * The daily planned maintenance run: EventBridge Scheduler invokes `functions/intake/planned-maintenance.ts` at
 * 05:00 UTC, before the office opens, and each asset falling due within the horizon gets its work order once.
 */
export class PlannedMaintenance extends Construct {
  readonly fn: Fn;
  readonly schedule: Schedule;
  /** Daily runs that could not be delivered, or still failed after their retries. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: { table: ITable; workflow: WorkflowRef }) {
    super(scope, id);
    this.fn = new Fn(this, 'Run', {
      handlerFile: 'functions/intake/planned-maintenance.ts',
      timeout: Duration.minutes(5),
    })
      .bindTable(props.table, 'write')
      .bindWorkflow(props.workflow);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the planned maintenance schedule and run',
      description: 'Daily planned maintenance runs that were not delivered or failed after their retries',
    });
    // A run books each due asset once, so a retried run only finishes what the failed one left.
    this.schedule = invokeOnSchedule(this, 'Daily', this.fn, {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '5' }),
      description: 'Books the planned services falling due within the horizon.',
      delivery: { retryAttempts: 3 },
      run: { retryAttempts: 2 },
      deadLetters: this.deadLetters,
    });
  }
}
