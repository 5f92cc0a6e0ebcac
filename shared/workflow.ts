import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { clientOverrides } from './client-overrides.ts';
import { config } from './config.ts';
import { isTransient } from './db/service.ts';
import { DomainError, StoreThrottled } from './errors.ts';
import { codeOf, invocation } from './observability.ts';
import { executionSteps, type Step } from './work-order/workflow-graph.ts';

let client: SFNClient | undefined;
const sfn = () => {
  client ??= new SFNClient({ ...clientOverrides.sfn });
  return client;
};

/**
 * The name of a work order's execution: the work order id for its first run, then `<id>-run<n>` for each re-drive
 * (Step Functions keeps a name taken for 90 days, so a new run needs a new one).
 */
export function executionNameOf(workOrderId: string, run = 1): string {
  return run > 1 ? `${workOrderId}-run${run}` : workOrderId;
}

/** The execution ARN of a work order's run. */
export function executionArnOf(workOrderId: string, run = 1): string {
  return `${config.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameOf(workOrderId, run)}`;
}

/**
 * Starts a run of the work order's execution, named after it, so a second start (a retried request, a re-drive
 * racing the reconciler) is harmless: a running execution with the same input is returned by Step Functions, a
 * finished one is left be.
 */
export async function startWorkOrder(workOrderId: string, run = 1): Promise<void> {
  try {
    await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: executionNameOf(workOrderId, run),
        input: JSON.stringify({ workOrderId }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}

/** How a work order's run stands: `MISSING` when it was never started. */
export async function executionStatus(
  workOrderId: string,
  run = 1,
): Promise<{ status: string; error?: string; cause?: string }> {
  try {
    const described = await sfn().send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(workOrderId, run) }),
    );
    return { status: described.status ?? 'UNKNOWN', error: described.error, cause: described.cause };
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return { status: 'MISSING' };
    throw error;
  }
}

/**
 * Executions that ended without finishing their work order (failed, timed out or aborted), newest first, started
 * within `days`: what the reconciler re-drives. Failures are rare, so the pages stay few.
 */
export async function listEndedExecutions(days: number): Promise<Array<{ name: string; status: string }>> {
  const since = Date.now() - days * 86_400_000;
  const ended: Array<{ name: string; status: string }> = [];
  for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await sfn().send(
        new ListExecutionsCommand({
          stateMachineArn: config.stateMachineArn,
          statusFilter,
          nextToken,
          maxResults: 100,
        }),
      );
      const recent = (page.executions ?? []).filter((e) => (e.startDate?.getTime() ?? 0) >= since);
      ended.push(...recent.map((e) => ({ name: e.name ?? '', status: statusFilter })));
      nextToken = recent.length === (page.executions ?? []).length ? page.nextToken : undefined;
    } while (nextToken);
  }
  return ended;
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
  /** Which run of the work order's execution this is (1, then one more for each re-drive). */
  run: number;
  status: string;
  currentState: string | null;
  startedAt: string | undefined;
  stoppedAt?: string;
  error?: string;
  /** Each state entered, in order, with its times and how it ended (shared/work-order/workflow-graph.ts). */
  steps: Step[];
  events: Array<{ at: string; type: string; state?: string; detail?: string }>;
}

/** The work order's execution as an operations person reads it, or undefined if it never started. */
export async function describeWorkOrderExecution(workOrderId: string, run = 1): Promise<ExecutionView | undefined> {
  const executionArn = executionArnOf(workOrderId, run);
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
  const status = described.status ?? 'UNKNOWN';
  const read = events.map((e) => ({
    at: e.timestamp?.toISOString() ?? '',
    type: e.type ?? 'Unknown',
    state: e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name,
    detail: errorOf(e),
  }));
  return {
    executionId: executionArn,
    run,
    status,
    currentState: status === 'RUNNING' ? (entered.at(-1)?.stateEnteredEventDetails?.name ?? null) : null,
    startedAt: described.startDate?.toISOString(),
    stoppedAt: described.stopDate?.toISOString(),
    error: described.error,
    steps: executionSteps(
      read.map(({ detail, ...event }) => ({ ...event, error: detail })),
      status,
    ),
    events: read,
  };
}

/** The error a history event reports: a failed or timed-out attempt, or the execution's failure, stop or timeout. */
function errorOf(event: HistoryEvent): string | undefined {
  return (
    event.executionFailedEventDetails?.error ??
    event.taskFailedEventDetails?.error ??
    event.taskTimedOutEventDetails?.error ??
    event.taskStartFailedEventDetails?.error ??
    event.taskSubmitFailedEventDetails?.error ??
    event.lambdaFunctionFailedEventDetails?.error ??
    event.lambdaFunctionTimedOutEventDetails?.error ??
    event.lambdaFunctionStartFailedEventDetails?.error ??
    event.lambdaFunctionScheduleFailedEventDetails?.error ??
    event.activityFailedEventDetails?.error ??
    event.activityTimedOutEventDetails?.error ??
    event.activityScheduleFailedEventDetails?.error ??
    event.executionAbortedEventDetails?.error ??
    event.executionTimedOutEventDetails?.error
  );
}

/**
 * Wraps a state machine task's handler so a transient store failure (throttling, contention) surfaces as
 * `Store.Throttled`, the error the ASL retries with backoff, rather than as the storage library's generic error,
 * which it would not retry. Every line it logs names the task's work order and execution (`workOrderId` and
 * `executionName` of its input, when there), and its last line says how it ended: `ok`, a domain error's code at
 * WARN (the ASL catches or retries those by name), or anything else at ERROR with its stack (`HandlerErrors`).
 */
export function task<E, R>(run: (event: E) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  return (event, context) =>
    invocation(
      {
        context,
        keys: {
          task: context?.functionName,
          workOrderId: textOf(event, 'workOrderId'),
          executionName: textOf(event, 'executionName'),
        },
      },
      async () => {
        try {
          return await run(event);
        } catch (error) {
          if (isTransient(error)) throw new StoreThrottled();
          throw error;
        }
      },
      {
        ended: () => ({ level: 'info', fields: { outcome: 'ok' } }),
        // A domain error, the store's "not now" (Store.Conflict, Store.Throttled) among them, is the ASL's to catch or
        // retry by name: expected, so WARN. Only what no one expects is an ERROR, with its stack.
        failed: (error) =>
          error instanceof DomainError
            ? { level: 'warn', fields: { outcome: error.code } }
            : { level: 'error', fields: { outcome: codeOf(error) }, error, counts: 'HandlerErrors' },
      },
    );
}

/** A text field of a task's input, if the input has it. */
function textOf(event: unknown, field: string): string | undefined {
  const value = typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}
