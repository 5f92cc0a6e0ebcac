import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { Fn, repoRoot, type WorkflowRef } from './lambda.ts';
import { type WorkflowTask, workflowTasks } from './routes.ts';

/** What the work order workflow needs from the rest of the stack. */
export interface WorkflowProps {
  readonly table: ITable;
  /**
   * Log every state entered and left, with its input and output. They hold task tokens and customers' names and
   * addresses, so only while debugging (`-c logExecutionData=true`), and then kept a week. @default false: errors
   * only (a failed task or execution), without execution data; every execution's path is in its history
   */
  readonly logExecutionData?: boolean;
}

/**
 * The work order state machine, deployed from statemachines/work-order.asl.json (the same file the local runner
 * executes) with one Lambda per task of `workflowTasks` substituted in as `${<Task>FunctionArn}`.
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  /**
   * The state machine by name-derived ARN. Functions bind to this rather than to `stateMachine`: the machine
   * refers to its task functions, so a task function (AwaitCallback) referring back to the construct would be a
   * dependency cycle.
   */
  readonly ref: WorkflowRef;
  /** The task functions by the key the ASL names them with. */
  readonly tasks: Record<WorkflowTask, Fn>;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-WorkOrder`;
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.ref = {
      stateMachineArn: arn('stateMachine', stateMachineName),
      executionsArn: arn('execution', `${stateMachineName}:*`),
    };

    const entries = Object.entries(workflowTasks) as [WorkflowTask, string][];
    this.tasks = Object.fromEntries(
      entries.map(([task, handlerFile]) => [
        task,
        new Fn(this, task, { handlerFile, timeout: Duration.seconds(30) })
          .bindTable(props.table, 'write')
          .invokedSynchronously('Step Functions runs it as a Task that retries it and catches its errors'),
      ]),
    ) as Record<WorkflowTask, Fn>;
    // Every task may answer a parked human step: AwaitCallback its own token when the work order already moved on,
    // and any task whose change moves the work order out of a waiting status (see WorkOrder.change).
    for (const fn of Object.values(this.tasks)) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [this.ref.stateMachineArn],
        }),
      );
    }

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(join(repoRoot, 'statemachines/work-order.asl.json')),
      definitionSubstitutions: Object.fromEntries(
        entries.map(([task]) => [`${task}FunctionArn`, this.tasks[task].functionArn]),
      ),
      // One trace per execution, which the task functions' segments join (a task function traced on its own would
      // start a trace per invocation instead).
      tracingEnabled: true,
      logs: {
        // The vendedlogs prefix keeps Step Functions from growing the account's log resource policy per machine.
        destination: new LogGroup(this, 'Logs', {
          logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
          retention: props.logExecutionData ? RetentionDays.ONE_WEEK : RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        // Errors only: a work order's path is in its execution history, which Step Functions keeps (90 days after it
        // ends) and GET /v1/work-orders/{id}/execution shows, so logging every state again (a log event per state
        // entered and left, and per task scheduled, started and done) would pay twice for it. While debugging,
        // every state with its data.
        level: props.logExecutionData ? LogLevel.ALL : LogLevel.ERROR,
        includeExecutionData: props.logExecutionData ?? false,
      },
    });
    // Unqualified ARNs only, as the ASL invokes them: `grantInvoke` would add every version and alias (`:*`) too.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: entries.map(([task]) => this.tasks[task].functionArn),
      }),
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs vended delivery (logs:*LogDelivery) and X-Ray writes support no resource-level scope.',
    });
    if (!props.logExecutionData) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          "Errors only: each execution's every state is in its Step Functions history (kept 90 days after it ends, " +
          'served by GET /v1/work-orders/{id}/execution); -c logExecutionData=true logs them all while debugging.',
      });
    }
  }
}
