import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { config } from './config.ts';

let client: SFNClient | undefined;
const sfn = () => {
  client ??= new SFNClient({});
  return client;
};

/** The execution ARN of a work order's execution: its name is the work order id. */
export function executionArnOf(workOrderId: string): string {
  return `${config.stateMachineArn.replace(':stateMachine:', ':execution:')}:${workOrderId}`;
}

/**
 * Starts the work order's execution, named after it, so a second start (a retried request, a re-drive) is
 * harmless: a running execution with the same input is returned by Step Functions, a finished one is left be.
 */
export async function startWorkOrder(workOrderId: string): Promise<void> {
  try {
    await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: workOrderId,
        input: JSON.stringify({ workOrderId }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}

/**
 * Answers a parked human step. A token that is no longer valid (the step timed out and escalated, or the
 * execution ended) is not an error for the caller: the state machine re-reads the work order on its next pass.
 */
export async function resumeTask(taskToken: string, outcome: { error: string; cause: string } | object = {}) {
  try {
    if ('error' in outcome && 'cause' in outcome && typeof outcome.error === 'string') {
      await sfn().send(new SendTaskFailureCommand({ taskToken, error: outcome.error, cause: String(outcome.cause) }));
    } else {
      await sfn().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(outcome) }));
    }
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskDoesNotExist' || name === 'TaskTimedOut' || name === 'InvalidToken') return;
    throw error;
  }
}

export interface ExecutionView {
  executionId: string;
  status: string;
  currentState: string | null;
  startedAt: string | undefined;
  stoppedAt?: string;
  error?: string;
  events: Array<{ at: string; type: string; state?: string; detail?: string }>;
}

/** The work order's execution as an operations person reads it, or undefined if it never started. */
export async function describeWorkOrderExecution(workOrderId: string): Promise<ExecutionView | undefined> {
  const executionArn = executionArnOf(workOrderId);
  let described: DescribeExecutionCommandOutput;
  try {
    described = await sfn().send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn().send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const entered = events.filter((e) => e.stateEnteredEventDetails?.name);
  return {
    executionId: executionArn,
    status: described.status ?? 'UNKNOWN',
    currentState: described.status === 'RUNNING' ? (entered.at(-1)?.stateEnteredEventDetails?.name ?? null) : null,
    startedAt: described.startDate?.toISOString(),
    stoppedAt: described.stopDate?.toISOString(),
    error: described.error,
    events: events.map((e) => ({
      at: e.timestamp?.toISOString() ?? '',
      type: e.type ?? 'Unknown',
      state: e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name,
      detail: e.executionFailedEventDetails?.error ?? e.taskFailedEventDetails?.error,
    })),
  };
}
