import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WorkflowTask, workflowTasks } from '#infra/routes.ts';
import { type LocalStepFunctions, startLocalStepFunctions, substituteDefinition } from '#local/stepfunctions.ts';
import { fieldStatuses } from '#shared/work-order/lifecycle.ts';
import { taskStateNames } from '../fixtures/task-states.ts';

/*
 * The committed ASL, run by the local Step Functions service with scripted Lambdas, must enter the states the
 * Amazon States Language says AWS enters, in order. Each expected path below is read off the definition.
 */

const REGION = 'eu-west-2';
const TASKS = Object.keys(workflowTasks) as WorkflowTask[];
const functionArn = (task: WorkflowTask) => `arn:aws:lambda:${REGION}:000000000000:function:fieldops-${task}`;
/** The path of a run that finds its work order completed: closeout, then closed. */
const CLOSES_FROM_COMPLETED = ['LoadWorkOrder', 'RouteByStatus', 'Closeout', 'RouteByStatus', 'Closed'];
/**
 * What the states after dispatch do with a job the engineer no longer holds (refused, cancelled): the wait for
 * completion answers its own token, and closeout, leaving the job as it is, answers its status for the routing pass.
 */
const FALLS_THROUGH_TO_ROUTING = ['WaitForCompletion', 'Closeout', 'RouteByStatus'];
/** A job worked to completion after dispatch, closed out and ended. */
const WORKED_AND_CLOSED = ['WaitForAcknowledgement', 'WaitForCompletion', 'Closeout', 'RouteByStatus', 'Closed'];

// `any`: ASL JSON, edited generically.
type Json = any;

const definition: Json = substituteDefinition(
  readFileSync('statemachines/work-order.asl.json', 'utf8'),
  Object.fromEntries(TASKS.map((task) => [`${task}FunctionArn`, functionArn(task)])),
);

/** The same machine with every human step timing out after a second, so that escalation is quick to reach. */
const withShortWaits: Json = structuredClone(definition);
for (const state of Object.values<Json>(withShortWaits.States)) {
  if (String(state.Resource).endsWith('.waitForTaskToken')) state.TimeoutSeconds = 1;
}

type Status =
  | 'logged'
  | 'pending_approval'
  | 'ready_to_schedule'
  | 'scheduled'
  | 'dispatched'
  | 'acknowledged'
  | 'en_route'
  | 'on_site'
  | 'in_progress'
  | 'paused'
  | 'completed'
  | 'closed'
  | 'rejected'
  | 'cancelled';

type WaitingFor = 'release' | 'approval' | 'assignment' | 'acknowledgement' | 'completion';

/** The statuses each human step waits in, as the product's AwaitCallback parks its token (WorkOrder.waitStatuses). */
const waitStatuses: Record<WaitingFor, readonly string[]> = {
  release: ['logged'],
  approval: ['pending_approval'],
  assignment: ['ready_to_schedule'],
  acknowledgement: ['dispatched'],
  completion: fieldStatuses,
};

/** A work order as the scripted Lambdas see it; they change it as the real ones change the table. */
interface WorkOrder {
  status: Status;
  detailsComplete?: boolean;
  approvalRequired?: boolean;
  /** What MatchEngineer finds on each call, in order: an engineer, or null (none eligible). */
  matches?: Array<string | null>;
  /** What a task throws on its first calls, in order (a dotted code, or an error as it is), before it works. */
  failures?: Partial<Record<WorkflowTask, Array<string | Error>>>;
  /** What the office does when flagged because a human step escalated. */
  onEscalation?: Status;
  /** The office cancels the job the moment it is matched, before the workflow dispatches it. */
  cancelledOnceMatched?: boolean;
}

/** A domain error as Lambda reports it: its dotted `code` becomes the task's Error. */
const domainError = (code: string) => Object.assign(new Error(`${code} (scripted)`), { code });

// Generous: a busy machine must slow these down, not fail them. Each waits on conditions, never on fixed sleeps.
describe('the work order state machine, run locally, takes the path the ASL specifies', { timeout: 30_000 }, () => {
  let server: LocalStepFunctions;
  let sfn: SFNClient;
  const workOrders = new Map<string, WorkOrder>();
  const tokens = new Map<string, string[]>();
  const calls = new Map<string, number>();
  const flagged = new Map<string, Json[]>();
  /** The execution name each task was given, by work order (every task's input carries it). */
  const executionNames = new Map<string, Set<string>>();

  /** The scripted Lambda of each workflow task, doing to the work order what the real one does. */
  const fakes: Record<WorkflowTask, (payload: Json, workOrder: WorkOrder) => unknown> = {
    LoadWorkOrder: (_payload, { status, detailsComplete = true, approvalRequired = false }) => ({
      status,
      detailsComplete,
      approvalRequired,
    }),
    Transition: ({ to }, workOrder) => {
      workOrder.status = to;
    },
    // As the product's: parks the token while the work order is in the status the step waits in, and otherwise
    // answers it at once (the work order has moved on).
    AwaitCallback: async ({ workOrderId, waitingFor, taskToken }: Json, workOrder) => {
      if (!waitStatuses[waitingFor as WaitingFor].includes(workOrder.status)) {
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
        return;
      }
      const key = `${workOrderId} ${waitingFor}`;
      tokens.set(key, [...(tokens.get(key) ?? []), taskToken]);
    },
    FlagForAttention: (payload, workOrder) => {
      flagged.set(payload.workOrderId, [...(flagged.get(payload.workOrderId) ?? []), payload]);
      if (payload.escalation && workOrder.onEscalation) workOrder.status = workOrder.onEscalation;
    },
    // As the product's: matches only a job ready to schedule (and answers no engineer for any other here).
    MatchEngineer: (_payload, workOrder) => {
      if (workOrder.status !== 'ready_to_schedule') return { engineerId: null };
      const engineerId = workOrder.matches?.shift() ?? null;
      if (engineerId) workOrder.status = workOrder.cancelledOnceMatched ? 'cancelled' : 'scheduled';
      return { engineerId };
    },
    // As the product's: sends only a job still scheduled, and leaves any other as it is.
    Dispatch: (_payload, workOrder) => {
      if (workOrder.status === 'scheduled') workOrder.status = 'dispatched';
      return { status: workOrder.status };
    },
    // As the product's: closes out a completed job only, and answers what the routing pass needs either way.
    Closeout: (_payload, workOrder) => {
      if (workOrder.status === 'completed') workOrder.status = 'closed';
      const { status, detailsComplete = true, approvalRequired = false } = workOrder;
      return { status, detailsComplete, approvalRequired };
    },
  };

  const lambdas = Object.fromEntries(
    TASKS.map((task) => [
      functionArn(task),
      async (payload: unknown) => {
        const { workOrderId, executionName } = payload as { workOrderId: string; executionName: string };
        const workOrder = workOrders.get(workOrderId);
        if (!workOrder) throw new Error(`No scripted work order ${workOrderId}`);
        executionNames.set(workOrderId, new Set([...(executionNames.get(workOrderId) ?? []), executionName]));
        calls.set(`${workOrderId} ${task}`, callsOf(workOrderId, task) + 1);
        const failure = workOrder.failures?.[task]?.shift();
        if (failure) throw typeof failure === 'string' ? domainError(failure) : failure;
        return fakes[task](payload, workOrder);
      },
    ]),
  );

  beforeAll(async () => {
    server = await startLocalStepFunctions({
      region: REGION,
      machines: [
        { name: 'WorkOrder', definition, lambdas },
        { name: 'WorkOrderWithShortWaits', definition: withShortWaits, lambdas },
      ],
      // Retries go at once instead of after their jittered backoff; which retrier applies is unchanged.
      retryIntervalOverrides: Object.fromEntries(taskStateNames(definition).map((name) => [name, 0])),
    });
    sfn = new SFNClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    sfn.destroy();
    await server.close();
  });

  const callsOf = (workOrderId: string, task: WorkflowTask) => calls.get(`${workOrderId} ${task}`) ?? 0;

  async function start(workOrderId: string, workOrder: WorkOrder, machine = 'WorkOrder'): Promise<string> {
    workOrders.set(workOrderId, workOrder);
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn(machine),
        name: workOrderId,
        input: JSON.stringify({ workOrderId }),
      }),
    );
    return executionArn;
  }

  /**
   * A person answers the parked step, as the product's API does: the work order moves on (`then`), and the step's
   * token is answered with success, or with the error the ASL catches.
   */
  async function answer(
    workOrderId: string,
    waitingFor: WaitingFor,
    then: Partial<WorkOrder> & { error?: string },
  ): Promise<void> {
    const taskToken = await eventually(
      () => tokens.get(`${workOrderId} ${waitingFor}`)?.shift(),
      `${workOrderId} waiting for ${waitingFor}`,
    );
    const { error, ...changes } = then;
    Object.assign(workOrders.get(workOrderId) ?? {}, changes);
    if (error) await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: 'Scripted.' }));
    else await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
  }

  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    }, `the end of ${executionArn}`);

  const history = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];

  /** The states entered, in order: each one a transition Step Functions bills. */
  const pathOf = async (executionArn: string): Promise<string[]> =>
    (await history(executionArn)).flatMap((event) => event.stateEnteredEventDetails?.name ?? []);

  const failedAttempts = async (executionArn: string) =>
    (await history(executionArn))
      .filter((event) => event.type === 'TaskFailed')
      .map((event) => event.taskFailedEventDetails?.error);

  it('engineer found directly: a request needing no approval is matched, dispatched, worked and closed', async () => {
    const executionArn = await start('wo-matched', { status: 'logged', matches: ['eng_priya'] });

    await answer('wo-matched', 'acknowledgement', { status: 'acknowledged' });
    await answer('wo-matched', 'completion', { status: 'completed' });
    const execution = await finished(executionArn);

    // Eleven transitions: after the first pass, each step follows the one before without reading the work order
    // again, up to closeout, which answers the closed job's status for the routing pass.
    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'MarkReadyToSchedule',
      'MatchEngineer',
      'EngineerFound',
      'Dispatch',
      ...WORKED_AND_CLOSED,
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect(tokens.get('wo-matched assignment')).toBeUndefined();
    expect(workOrders.get('wo-matched')?.status).toBe('closed');
  });

  it('approval: a request that needs approval waits for it and, approved, is matched, worked and closed', async () => {
    const executionArn = await start('wo-approved', {
      status: 'logged',
      approvalRequired: true,
      matches: ['eng_amira'],
    });

    await answer('wo-approved', 'approval', { status: 'ready_to_schedule' });
    await answer('wo-approved', 'acknowledgement', { status: 'acknowledged' });
    await answer('wo-approved', 'completion', { status: 'completed' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'RequestApproval',
      'WaitForApproval',
      'MatchEngineer',
      'EngineerFound',
      'Dispatch',
      ...WORKED_AND_CLOSED,
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('cancellation: a job cancelled while it waits for approval is matched to no one and ends Cancelled', async () => {
    const executionArn = await start('wo-cancelled-pending', { status: 'logged', approvalRequired: true });

    await answer('wo-cancelled-pending', 'approval', { status: 'cancelled' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'RequestApproval',
      'WaitForApproval',
      'MatchEngineer',
      'EngineerFound',
      'WaitForAssignment',
      'LoadWorkOrder',
      'RouteByStatus',
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect(tokens.get('wo-cancelled-pending assignment')).toBeUndefined();
  });

  it('rejection: a rejected request ends Rejected', async () => {
    const executionArn = await start('wo-rejected', { status: 'logged', approvalRequired: true });

    await answer('wo-rejected', 'approval', { status: 'rejected', error: 'WorkOrder.Rejected' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'RequestApproval',
      'WaitForApproval',
      'Rejected',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('release: a request without its details waits for the office before anything else, approval included', async () => {
    const executionArn = await start('wo-released', {
      status: 'logged',
      detailsComplete: false,
      approvalRequired: true,
    });

    await answer('wo-released', 'release', { detailsComplete: true });
    await answer('wo-released', 'approval', { status: 'rejected', error: 'WorkOrder.Rejected' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'WaitForRelease',
      'LoadWorkOrder',
      'RouteByStatus',
      'RequestApproval',
      'WaitForApproval',
      'Rejected',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('cancellation: a job cancelled before the engineer acknowledges it ends Cancelled, routed from the table', async () => {
    const executionArn = await start('wo-cancelled', { status: 'logged', matches: ['eng_priya'] });

    await answer('wo-cancelled', 'acknowledgement', { status: 'cancelled' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'MarkReadyToSchedule',
      'MatchEngineer',
      'EngineerFound',
      'Dispatch',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    // No task failed on the way: closeout answered the cancelled job's status rather than an error.
    expect(await failedAttempts(executionArn)).toEqual([]);
    expect(tokens.get('wo-cancelled completion')).toBeUndefined();
    expect(callsOf('wo-cancelled', 'Closeout')).toBe(1);
    expect(workOrders.get('wo-cancelled')?.status).toBe('cancelled');
    expect(flagged.get('wo-cancelled')).toBeUndefined();
  });

  it('cancellation: a job acknowledged and then cancelled before the engineer is on site ends Cancelled', async () => {
    const executionArn = await start('wo-cancelled-later', { status: 'scheduled' });

    await answer('wo-cancelled-later', 'acknowledgement', { status: 'acknowledged' });
    await answer('wo-cancelled-later', 'completion', { status: 'cancelled' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'Dispatch',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('no engineer found: the work order waits for the office to assign one, then is dispatched', async () => {
    const executionArn = await start('wo-assigned', { status: 'ready_to_schedule', matches: [null] });

    await answer('wo-assigned', 'assignment', { status: 'scheduled' });
    await answer('wo-assigned', 'acknowledgement', { status: 'cancelled' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'MatchEngineer',
      'EngineerFound',
      'WaitForAssignment',
      'LoadWorkOrder',
      'RouteByStatus',
      'Dispatch',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('refusal: an engineer who refuses sends the job back to matching and another is dispatched', async () => {
    const executionArn = await start('wo-refused', { status: 'dispatched', matches: ['eng_tom'] });

    await answer('wo-refused', 'acknowledgement', { status: 'ready_to_schedule' });
    await answer('wo-refused', 'acknowledgement', { status: 'cancelled' });
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'MatchEngineer',
      'EngineerFound',
      'Dispatch',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await failedAttempts(executionArn)).toEqual([]);
  });

  it('a job cancelled between its match and its dispatch is left to the routing pass, and ends Cancelled', async () => {
    const executionArn = await start('wo-matched-cancelled', {
      status: 'ready_to_schedule',
      matches: ['eng_tom'],
      cancelledOnceMatched: true,
    });

    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'MatchEngineer',
      'EngineerFound',
      'Dispatch',
      'WaitForAcknowledgement',
      ...FALLS_THROUGH_TO_ROUTING,
      'Cancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect(tokens.get('wo-matched-cancelled acknowledgement')).toBeUndefined();
  });

  it.each<[Status, string]>([
    ['closed', 'Closed'],
    ['rejected', 'Rejected'],
    ['cancelled', 'Cancelled'],
  ])('a run that finds the work order %s ends %s at once', async (status, end) => {
    const executionArn = await start(`wo-found-${status}`, { status });

    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual(['LoadWorkOrder', 'RouteByStatus', end]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('a status the routing does not know flags the work order and fails the execution', async () => {
    const executionArn = await start('wo-unknown', { status: 'mislaid' as Status });

    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'FlagForAttention',
      'WorkflowFailed',
    ]);
    expect(execution.status).toBe('FAILED');
  });

  it.each<Status>(['acknowledged', 'en_route', 'on_site', 'in_progress', 'paused'])(
    'a run that finds the engineer on the job (%s) waits for completion, then closes out',
    async (status) => {
      const executionArn = await start(`wo-field-${status}`, { status });

      await answer(`wo-field-${status}`, 'completion', { status: 'completed' });
      const execution = await finished(executionArn);

      expect(await pathOf(executionArn)).toEqual([
        'LoadWorkOrder',
        'RouteByStatus',
        'WaitForCompletion',
        'Closeout',
        'RouteByStatus',
        'Closed',
      ]);
      expect(execution.status).toBe('SUCCEEDED');
    },
  );

  it('gives every task the name of its execution, for its logs', async () => {
    const executionArn = await start('wo-named', { status: 'logged', matches: ['eng_priya'] });
    await answer('wo-named', 'acknowledgement', { status: 'acknowledged' });
    await answer('wo-named', 'completion', { status: 'completed' });
    await finished(executionArn);

    expect([...(executionNames.get('wo-named') ?? [])]).toEqual(['wo-named']);
    expect(callsOf('wo-named', 'Closeout')).toBe(1);
  });

  // Concurrent: each waits out a one-second timeout of its own.
  it.concurrent.each<[WaitingFor, WorkOrder, string[]]>([
    ['release', { status: 'logged', detailsComplete: false }, ['WaitForRelease', 'EscalateRelease']],
    ['approval', { status: 'pending_approval' }, ['WaitForApproval', 'EscalateApproval']],
    [
      'assignment',
      { status: 'ready_to_schedule', matches: [null] },
      ['MatchEngineer', 'EngineerFound', 'WaitForAssignment', 'EscalateAssignment'],
    ],
    ['acknowledgement', { status: 'dispatched' }, ['WaitForAcknowledgement', 'EscalateAcknowledgement']],
    ['completion', { status: 'in_progress' }, ['WaitForCompletion', 'EscalateCompletion']],
  ])(
    'a wait for %s that times out escalates to the office and reads the work order again',
    async (waitingFor, workOrder, steps) => {
      const workOrderId = `wo-late-${waitingFor}`;
      const executionArn = await start(
        workOrderId,
        { ...workOrder, onEscalation: 'cancelled' },
        'WorkOrderWithShortWaits',
      );

      const execution = await finished(executionArn);

      expect(await pathOf(executionArn)).toEqual([
        'LoadWorkOrder',
        'RouteByStatus',
        ...steps,
        'LoadWorkOrder',
        'RouteByStatus',
        'Cancelled',
      ]);
      expect(execution.status).toBe('SUCCEEDED');
      const timedOut = (await history(executionArn)).filter((event) => event.type === 'TaskTimedOut');
      expect(timedOut).toHaveLength(1);
      expect(tokens.get(`${workOrderId} ${waitingFor}`)).toHaveLength(1);
      expect(flagged.get(workOrderId)).toEqual([expect.objectContaining({ escalation: true })]);
    },
  );

  it('closeout: a completed job is closed out once, then ends Closed', async () => {
    const executionArn = await start('wo-closeout', { status: 'completed' });

    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual(CLOSES_FROM_COMPLETED);
    expect(execution.status).toBe('SUCCEEDED');
    expect(callsOf('wo-closeout', 'Closeout')).toBe(1);
    expect(workOrders.get('wo-closeout')?.status).toBe('closed');
  });

  it('closeout: throttled by the store a few times, it is retried and the job still closes, unflagged', async () => {
    const executionArn = await start('wo-throttled', {
      status: 'completed',
      failures: { Closeout: ['Store.Throttled', 'Store.Throttled', 'Store.Conflict', 'Store.Throttled'] },
    });

    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual(CLOSES_FROM_COMPLETED);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await failedAttempts(executionArn)).toEqual([
      'Store.Throttled',
      'Store.Throttled',
      'Store.Conflict',
      'Store.Throttled',
    ]);
    expect(callsOf('wo-throttled', 'Closeout')).toBe(5);
    expect(flagged.get('wo-throttled')).toBeUndefined();
  });

  it('a permanent failure flags the work order for attention and ends the execution WorkflowFailed', async () => {
    const executionArn = await start('wo-broken', {
      status: 'completed',
      failures: { Closeout: [new TypeError('Cannot read properties of undefined')] },
    });

    const execution: DescribeExecutionCommandOutput = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual([
      'LoadWorkOrder',
      'RouteByStatus',
      'Closeout',
      'FlagForAttention',
      'WorkflowFailed',
    ]);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'WorkOrder.WorkflowFailed' });
    expect(await failedAttempts(executionArn)).toEqual(['TypeError']);
    expect(flagged.get('wo-broken')).toEqual([
      expect.objectContaining({
        state: expect.objectContaining({ failure: expect.objectContaining({ Error: 'TypeError' }) }),
      }),
    ]);
  });

  it('re-drive: a new run after a failed one carries on from the work order as it stands, and closes it', async () => {
    const failed = await start('wo-redriven', {
      status: 'completed',
      failures: { Closeout: [new TypeError('Cannot read properties of undefined')] },
    });
    expect((await finished(failed)).status).toBe('FAILED');

    // The reconciler and POST /v1/work-orders/{id}/redrive start run n as `<id>-run<n>`, with the same input.
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn('WorkOrder'),
        name: 'wo-redriven-run2',
        input: JSON.stringify({ workOrderId: 'wo-redriven' }),
      }),
    );
    const execution = await finished(executionArn);

    expect(await pathOf(executionArn)).toEqual(CLOSES_FROM_COMPLETED);
    expect(execution.status).toBe('SUCCEEDED');
    expect([...(executionNames.get('wo-redriven') ?? [])]).toEqual(['wo-redriven', 'wo-redriven-run2']);
  });
});

/** Polls until the probe returns a value: executions and callbacks progress asynchronously. */
async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  awaited: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`No sign of ${awaited} within ${timeoutMs} ms.`);
    await sleep(10);
  }
}
