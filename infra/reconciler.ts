import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letters.ts';
import { Fn, type WorkflowRef } from './lambda.ts';
import { invokeOnSchedule } from './schedule.ts';

/**
 * The reconciler: every minute EventBridge Scheduler invokes `functions/workflow/reconcile.ts`, which answers task
 * tokens a crashed caller left unanswered, starts work orders that have no execution and re-drives failed ones. It
 * is the safety net under every other edge, so a work order is never left stuck for more than about a minute.
 */
export class Reconciler extends Construct {
  readonly fn: Fn;
  readonly schedule: Schedule;
  /** Minutes whose run could not be delivered or failed. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: { table: ITable; workflow: WorkflowRef }) {
    super(scope, id);
    this.fn = new Fn(this, 'Reconcile', {
      handlerFile: 'functions/workflow/reconcile.ts',
      timeout: Duration.minutes(2),
    })
      .bindTable(props.table, 'write')
      .bindWorkflow(props.workflow);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the reconciler schedule and run',
      description: 'Reconciler minutes that were not delivered or failed',
    });
    // The next minute's run is the retry: an invocation older than a minute is recorded, never run late, and a
    // failed run is not run again.
    this.schedule = invokeOnSchedule(this, 'EveryMinute', this.fn, {
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      description: 'Sets going again the work orders the workflow should be running and is not.',
      delivery: { retryAttempts: 2, maxEventAge: Duration.minutes(1) },
      run: { retryAttempts: 0, maxEventAge: Duration.minutes(1) },
      deadLetters: this.deadLetters,
    });
  }
}
