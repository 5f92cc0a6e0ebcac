import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { acknowledgeWildcard, Fn, type WorkflowRef } from './lambda.ts';

/**
 * The daily planned maintenance run: EventBridge Scheduler invokes `functions/intake/planned-maintenance.ts` at
 * 05:00 UTC, before the office opens, and each asset falling due within the horizon gets its work order once.
 */
export class PlannedMaintenance extends Construct {
  readonly fn: Fn;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: { table: ITable; workflow: WorkflowRef }) {
    super(scope, id);
    this.fn = new Fn(this, 'Run', {
      handlerFile: 'functions/intake/planned-maintenance.ts',
      timeout: Duration.minutes(5),
    })
      .bindTable(props.table, 'write')
      .bindWorkflow(props.workflow);
    const role = new Role(this, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeWildcard(
      role,
      `${this.fn.functionArn}:*`,
      "CDK's invoke grant also covers the function's versions; it names this one function only.",
    );
    this.schedule = new Schedule(this, 'Daily', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '5' }),
      target: new LambdaInvoke(this.fn, { retryAttempts: 3, role }),
      description: 'Books the planned services falling due within the horizon.',
    });
  }
}
