import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStepFunctions, startLocalStepFunctions, substituteDefinition } from '#local/stepfunctions.ts';

const REGION = 'eu-west-2';
const functionArn = (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:${name}`;

/** A `lambda:invoke` Task passing the whole state input as the Payload. */
const lambdaTask = (name: string, fields: object) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionArn(name), 'Payload.$': '$' },
  TimeoutSeconds: 5,
  ...fields,
});

const quote = {
  StartAt: 'PriceJob',
  States: {
    PriceJob: lambdaTask('price', {
      ResultSelector: { 'total.$': '$.Payload.total' },
      ResultPath: '$.price',
      Next: 'CheckTotal',
    }),
    CheckTotal: {
      Type: 'Choice',
      // The type test first: unguarded, the local runner would compare a non-number by JavaScript coercion.
      Choices: [
        {
          And: [
            { Variable: '$.price.total', IsNumeric: true },
            { Variable: '$.price.total', NumericGreaterThan: 100 },
          ],
          Next: 'RequireApproval',
        },
      ],
      Default: 'AutoApprove',
    },
    RequireApproval: { Type: 'Pass', Result: { by: 'office' }, ResultPath: '$.approval', Next: 'Done' },
    AutoApprove: lambdaTask('approve', {
      ResultSelector: { 'by.$': '$.Payload.by' },
      ResultPath: '$.approval',
      Next: 'Done',
    }),
    Done: { Type: 'Succeed' },
  },
};

const resilient = {
  StartAt: 'LoadWorkOrder',
  States: {
    LoadWorkOrder: lambdaTask('load', {
      ResultSelector: { 'status.$': '$.Payload.status' },
      ResultPath: '$.workOrder',
      Retry: [{ ErrorEquals: ['Store.Conflict'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'FlagForAttention' }],
      Next: 'Loaded',
    }),
    Loaded: { Type: 'Succeed' },
    FlagForAttention: lambdaTask('flag', { ResultPath: null, Next: 'NeedsAttention' }),
    NeedsAttention: { Type: 'Fail', Error: 'WorkOrder.NeedsAttention', Cause: 'A task failed; see the history.' },
  },
};

const callback = (timeoutSeconds: number) => ({
  StartAt: 'WaitForApproval',
  States: {
    WaitForApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: functionArn('awaitCallback'),
        Payload: { 'taskToken.$': '$$.Task.Token', 'workOrderId.$': '$.workOrderId' },
      },
      ResultPath: '$.decision',
      TimeoutSeconds: timeoutSeconds,
      Catch: [
        { ErrorEquals: ['WorkOrder.Rejected'], ResultPath: '$.rejection', Next: 'Rejected' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Escalated' },
      ],
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Succeed' },
    Escalated: { Type: 'Succeed' },
  },
});

const branch = (stateName: string, lambda: string) => ({
  StartAt: stateName,
  States: { [stateName]: lambdaTask(lambda, { ResultSelector: { 'result.$': '$.Payload' }, End: true }) },
});

const closeout = {
  StartAt: 'CloseOut',
  States: {
    CloseOut: {
      Type: 'Parallel',
      Branches: [
        branch('GenerateInvoice', 'invoice'),
        branch('UpdateAssetHistory', 'assetHistory'),
        branch('CreateNextService', 'nextService'),
      ],
      ResultPath: '$.closeout',
      Next: 'Closed',
    },
    Closed: { Type: 'Succeed' },
  },
};

/** A store write that lost a race, as the domain throws it: a dotted `code` and a class-like `name`. */
class StoreConflict extends Error {
  readonly code = 'Store.Conflict';
  override name = 'StoreConflict';
}

interface WorkOrderPayload {
  workOrderId: string;
  taskToken: string;
}

describe('the local Step Functions service', () => {
  let server: LocalStepFunctions;
  let sfn: SFNClient;
  const loadAttempts = new Map<string, number>();
  const flagged: unknown[] = [];
  const tokens = new Map<string, string>();
  const callbackCalls = new Map<string, number>();

  const lambdas = {
    [functionArn('price')]: async (payload: unknown) => ({ total: (payload as { hours: number }).hours * 40 }),
    [functionArn('approve')]: async () => ({ by: 'system' }),
    [functionArn('load')]: async (payload: unknown) => {
      const { workOrderId } = payload as WorkOrderPayload;
      const attempt = (loadAttempts.get(workOrderId) ?? 0) + 1;
      loadAttempts.set(workOrderId, attempt);
      if (workOrderId.startsWith('conflict') && attempt === 1) throw new StoreConflict('Version changed.');
      if (workOrderId.startsWith('broken')) throw new TypeError('Cannot read the work order.');
      return { status: 'logged' };
    },
    [functionArn('flag')]: async (payload: unknown) => {
      flagged.push(payload);
    },
    [functionArn('awaitCallback')]: async (payload: unknown) => {
      const { workOrderId, taskToken } = payload as WorkOrderPayload;
      tokens.set(workOrderId, taskToken);
      callbackCalls.set(workOrderId, (callbackCalls.get(workOrderId) ?? 0) + 1);
      // Like the product's lambda when the work order needs no human step: it releases its own token at once.
      if (workOrderId.startsWith('nothing-to-wait')) {
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvedBy: 'policy' }) }));
      }
      return { stored: true };
    },
    [functionArn('invoice')]: async (payload: unknown) => ({
      invoiceId: `INV-${(payload as WorkOrderPayload).workOrderId}`,
    }),
    [functionArn('assetHistory')]: async () => ({ assetUpdated: true }),
    [functionArn('nextService')]: async () => ({ nextServiceDue: '2026-01-01' }),
  };

  beforeAll(async () => {
    server = await startLocalStepFunctions({
      region: REGION,
      machines: [
        { name: 'Quote', definition: quote, lambdas },
        { name: 'Resilient', definition: resilient, lambdas },
        { name: 'Approval', definition: callback(60), lambdas },
        { name: 'Escalation', definition: callback(1), lambdas },
        { name: 'Closeout', definition: closeout, lambdas },
      ],
      retryIntervalOverrides: { LoadWorkOrder: 0 },
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

  const start = (machine: string, input: object, name?: string) =>
    sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn(machine),
        input: JSON.stringify(input),
        name,
      }),
    );

  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    });

  const history = async (executionArn: string, reverseOrder = false) =>
    (await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder }))).events ?? [];

  const tokenOf = (workOrderId: string) => eventually(() => tokens.get(workOrderId));

  it('runs lambda tasks and a Choice to SUCCEEDED with the output', async () => {
    const { executionArn } = await start('Quote', { hours: 2 });

    const execution = await finished(executionArn ?? '');

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '')).toEqual({ hours: 2, price: { total: 80 }, approval: { by: 'system' } });
    expect(execution.startDate).toBeInstanceOf(Date);
    expect(execution.stopDate?.getTime()).toBeGreaterThanOrEqual(execution.startDate?.getTime() ?? Infinity);
  });

  it('lists the states entered in order in the execution history, newest first on request', async () => {
    const { executionArn = '' } = await start('Quote', { hours: 5 });
    await finished(executionArn);

    const events = await history(executionArn);

    expect(events.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean)).toEqual([
      'PriceJob',
      'CheckTotal',
      'RequireApproval',
      'Done',
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(events[0]?.executionStartedEventDetails?.input ?? '')).toEqual({ hours: 5 });
    expect((await history(executionArn, true)).map((event) => event.id)).toEqual(
      events.map((event) => event.id).reverse(),
    );
  });

  it('retries a task that throws Store.Conflict (its dotted code) and then succeeds', async () => {
    const { executionArn = '' } = await start('Resilient', { workOrderId: 'conflict-1' });

    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(loadAttempts.get('conflict-1')).toBe(2);
    const failures = (await history(executionArn)).filter((event) => event.type === 'TaskFailed');
    expect(failures.map((event) => event.taskFailedEventDetails?.error)).toEqual(['Store.Conflict']);
  });

  it('catches any task error with States.ALL and ends in the named failure path', async () => {
    const { executionArn = '' } = await start('Resilient', { workOrderId: 'broken-1' });

    const execution = await finished(executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'WorkOrder.NeedsAttention' });
    const flaggedFailure = (flagged.at(-1) as { failure: { Error: string; Cause: string } }).failure;
    expect(flaggedFailure.Error).toBe('TypeError');
    expect(JSON.parse(flaggedFailure.Cause)).toEqual({
      errorType: 'TypeError',
      errorMessage: 'Cannot read the work order.',
    });
    const entered = (await history(executionArn)).map((event) => event.stateEnteredEventDetails?.name).filter(Boolean);
    expect(entered).toEqual(['LoadWorkOrder', 'FlagForAttention', 'NeedsAttention']);
  });

  it('holds a waitForTaskToken task until SendTaskSuccess and continues with its output', async () => {
    const { executionArn = '' } = await start('Approval', { workOrderId: 'approve-1' });
    const taskToken = await tokenOf('approve-1');
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvedBy: 'ops' }) }));
    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '')).toEqual({ workOrderId: 'approve-1', decision: { approvedBy: 'ops' } });
  });

  it('fails a waitForTaskToken task with SendTaskFailure, which the ASL catches by its error name', async () => {
    const { executionArn = '' } = await start('Approval', { workOrderId: 'reject-1' });
    const taskToken = await tokenOf('reject-1');

    await sfn.send(
      new SendTaskFailureCommand({ taskToken, error: 'WorkOrder.Rejected', cause: 'The customer declined the quote.' }),
    );
    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '').rejection).toEqual({
      Error: 'WorkOrder.Rejected',
      Cause: 'The customer declined the quote.',
    });
    expect(lastEnteredState(await history(executionArn))).toBe('Rejected');
  });

  it('accepts a callback that the bound lambda sends on its own token before it returns', async () => {
    const { executionArn = '' } = await start('Approval', { workOrderId: 'nothing-to-wait-1' });

    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '').decision).toEqual({ approvedBy: 'policy' });
  });

  it('gives every callback task a fresh token of its own', async () => {
    await start('Approval', { workOrderId: 'fresh-1' });
    await start('Approval', { workOrderId: 'fresh-2' });

    const [first, second] = await Promise.all([tokenOf('fresh-1'), tokenOf('fresh-2')]);

    expect(first).not.toBe(second);
    expect(first).not.toContain('$$');
  });

  it('times a callback task out after its TimeoutSeconds so the ASL can catch States.Timeout', async () => {
    const { executionArn = '' } = await start('Escalation', { workOrderId: 'late-1' });
    const taskToken = await tokenOf('late-1');

    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '').timeout).toMatchObject({ Error: 'States.Timeout' });
    expect((await history(executionArn)).map((event) => event.type)).toContain('TaskTimedOut');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('treats a same-name StartExecution with the same input as harmless, a different input as a conflict', async () => {
    const first = await start('Approval', { workOrderId: 'dup-1' }, 'wo-dup-1');

    const again = await start('Approval', { workOrderId: 'dup-1' }, 'wo-dup-1');
    const conflicting = start('Approval', { workOrderId: 'dup-2' }, 'wo-dup-1');

    expect(again.executionArn).toBe(first.executionArn);
    expect(again.executionArn).toBe(`arn:aws:states:${REGION}:000000000000:execution:Approval:wo-dup-1`);
    expect(again.startDate).toEqual(first.startDate);
    await expect(conflicting).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: server.stateMachineArn('Approval'), statusFilter: 'RUNNING' }),
    );
    expect(executions.filter((execution) => execution.name === 'wo-dup-1')).toHaveLength(1);
  });

  it('aborts an execution on StopExecution and drops its pending callback', async () => {
    const { executionArn = '' } = await start('Approval', { workOrderId: 'stop-1' });
    const taskToken = await tokenOf('stop-1');

    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'WorkOrder.Cancelled', cause: 'Customer cancelled.' }),
    );

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'WorkOrder.Cancelled', cause: 'Customer cancelled.' });
    expect(execution.stopDate).toBeInstanceOf(Date);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
    const last = await eventually(async () => {
      const [event] = await history(executionArn, true);
      return event?.type === 'ExecutionAborted' ? event : undefined;
    });
    expect(last.executionAbortedEventDetails).toEqual({ error: 'WorkOrder.Cancelled', cause: 'Customer cancelled.' });
    expect(callbackCalls.get('stop-1')).toBe(1);
  });

  it('answers TaskDoesNotExist to a used-up task token and InvalidToken to a malformed one', async () => {
    const { executionArn = '' } = await start('Approval', { workOrderId: 'used-1' });
    const taskToken = await tokenOf('used-1');
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    await finished(executionArn);

    const reused = sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    const malformed = sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }));

    await expect(reused).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(malformed).rejects.toBeInstanceOf(InvalidToken);
  });

  it('answers unknown executions and state machines with the exceptions the SDK names', async () => {
    const executionArn = `arn:aws:states:${REGION}:000000000000:execution:Quote:never-started`;

    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(start('Unknown', {})).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('runs a Parallel state with three lambda branches and collects their results in branch order', async () => {
    const { executionArn = '' } = await start('Closeout', { workOrderId: 'wo-7' });

    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '').closeout).toEqual([
      { result: { invoiceId: 'INV-wo-7' } },
      { result: { assetUpdated: true } },
      { result: { nextServiceDue: '2026-01-01' } },
    ]);
    const entered = (await history(executionArn)).map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(
      expect.arrayContaining(['CloseOut', 'GenerateInvoice', 'UpdateAssetHistory', 'CreateNextService']),
    );
  });
});

describe('the local Step Functions service over many executions', () => {
  const machines = [
    {
      name: 'Quote',
      definition: quote,
      lambdas: {
        [functionArn('price')]: async (payload: unknown) => ({ total: (payload as { hours: number }).hours * 40 }),
        [functionArn('approve')]: async () => ({ by: 'system' }),
      },
    },
  ];
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'fieldops-sfn-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const clientOf = (server: LocalStepFunctions) =>
    new SFNClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });

  it('holds no finished execution in memory, and still describes, lists and serves the history of each', async () => {
    const server = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(server);
    try {
      const started = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          sfn.send(
            new StartExecutionCommand({
              stateMachineArn: server.stateMachineArn('Quote'),
              name: `quote-${index}`,
              input: JSON.stringify({ hours: index }),
            }),
          ),
        ),
      );
      await server.settled();

      expect(server.executionsInMemory()).toBe(0);
      for (const [index, { executionArn }] of started.entries()) {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        expect(execution).toMatchObject({ status: 'SUCCEEDED', name: `quote-${index}` });
        expect(JSON.parse(execution.output ?? '').price).toEqual({ total: index * 40 });
        const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
        expect(events.map((event) => event.type)).toContain('ExecutionSucceeded');
      }
      const { executions = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: server.stateMachineArn('Quote'), statusFilter: 'SUCCEEDED' }),
      );
      expect(executions.map((execution) => execution.name).sort()).toEqual(
        started.map((_, index) => `quote-${index}`).sort(),
      );
    } finally {
      sfn.destroy();
      await server.close();
    }
  });

  it('keeps finished executions across a restart, and their names taken, as Step Functions keeps them', async () => {
    const server = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(server);
    try {
      const executionArn = `${server.stateMachineArn('Quote').replace(':stateMachine:', ':execution:')}:quote-7`;

      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const again = sfn.send(
        new StartExecutionCommand({
          stateMachineArn: server.stateMachineArn('Quote'),
          name: 'quote-7',
          input: JSON.stringify({ hours: 7 }),
        }),
      );

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.stopDate).toBeInstanceOf(Date);
      await expect(again).rejects.toBeInstanceOf(ExecutionAlreadyExists);
      expect(server.executionsInMemory()).toBe(0);
    } finally {
      sfn.destroy();
      await server.close();
    }
  });
});

describe('the local Step Functions service stopped mid-run', () => {
  const tokens = new Map<string, string>();
  const machines = [
    {
      name: 'Approval',
      definition: callback(60),
      lambdas: {
        [functionArn('awaitCallback')]: async (payload: unknown) => {
          const { workOrderId, taskToken } = payload as WorkOrderPayload;
          tokens.set(workOrderId, taskToken);
          return { stored: true };
        },
      },
    },
  ];
  const directories: string[] = [];
  const folder = async () => {
    directories.push(await mkdtemp(join(tmpdir(), 'fieldops-sfn-')));
    return directories.at(-1) as string;
  };
  afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

  const clientOf = (server: LocalStepFunctions) =>
    new SFNClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  const arnOf = (server: LocalStepFunctions, name: string) =>
    `${server.stateMachineArn('Approval').replace(':stateMachine:', ':execution:')}:${name}`;
  const startOn = (sfn: SFNClient, server: LocalStepFunctions, name: string, input: object) =>
    sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn('Approval'),
        name,
        input: JSON.stringify(input),
      }),
    );
  const historyOf = async (sfn: SFNClient, executionArn: string) =>
    (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
  /** A new token for the work order, once its wait has stored one other than `old`. */
  const newToken = (workOrderId: string, old?: string) =>
    eventually(() => (tokens.get(workOrderId) !== old ? tokens.get(workOrderId) : undefined));

  it('journals a running execution as it goes: after a crash its history reads back, a torn last line cut', async () => {
    const directory = await folder();
    const crashed = await folder();
    const first = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(first);
    const executionArn = arnOf(first, 'crash-1');
    let before: HistoryEvent[];
    try {
      await startOn(sfn, first, 'crash-1', { workOrderId: 'crash-1' });
      await newToken('crash-1');
      before = await historyOf(sfn, executionArn);
      // What a process killed now leaves on disk, with a last write cut short.
      await cp(directory, crashed, { recursive: true });
    } finally {
      sfn.destroy();
      await first.close();
    }
    const [journal] = await readdir(join(crashed, 'running'));
    await appendFile(join(crashed, 'running', journal as string), '{"timestamp":17');

    const second = await startLocalStepFunctions({ directory: crashed, region: REGION, machines });
    const again = clientOf(second);
    try {
      const described = await again.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.status).toBe('RUNNING');
      expect(await historyOf(again, executionArn)).toEqual(before);
      const { executions = [] } = await again.send(
        new ListExecutionsCommand({ stateMachineArn: second.stateMachineArn('Approval'), statusFilter: 'RUNNING' }),
      );
      expect(executions.map((execution) => execution.name)).toEqual(['crash-1']);
      expect((await readFile(join(crashed, 'running', journal as string), 'utf8')).endsWith('\n')).toBe(true);

      // Resumed: the same execution runs again from its first state, its history going on from where it was.
      const token = tokens.get('crash-1');
      expect(second.resumeInterrupted()).toBe(1);
      const taskToken = await newToken('crash-1', token);
      await again.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvedBy: 'ops' }) }));
      const execution = await eventually(async () => {
        const state = await again.send(new DescribeExecutionCommand({ executionArn }));
        return state.status === 'RUNNING' ? undefined : state;
      });
      expect(execution).toMatchObject({ status: 'SUCCEEDED', startDate: described.startDate });
      const after = await historyOf(again, executionArn);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.map((event) => event.id)).toEqual(after.map((_, index) => index + 1));
      expect(after.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
      expect(after.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean)).toEqual([
        'WaitForApproval',
        'WaitForApproval',
        'Approved',
      ]);
      // Once ended, it is kept whole and its journal goes.
      await second.settled();
      expect(await readdir(join(crashed, 'running'))).toEqual([]);
    } finally {
      again.destroy();
      await second.close();
    }
  });

  it('keeps what was running when it closed: resumed by a start with the same input, or aborted by a stop', async () => {
    const directory = await folder();
    const first = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(first);
    const before = new Map<string, HistoryEvent[]>();
    try {
      for (const name of ['closed-1', 'closed-2']) {
        await startOn(sfn, first, name, { workOrderId: name });
        await newToken(name);
        before.set(name, await historyOf(sfn, arnOf(first, name)));
      }
    } finally {
      sfn.destroy();
      await first.close();
    }

    const second = await startLocalStepFunctions({ directory, region: REGION, machines });
    const again = clientOf(second);
    try {
      // Nothing of the close is in the history: it stops where the execution was.
      expect(await historyOf(again, arnOf(second, 'closed-1'))).toEqual(before.get('closed-1'));
      await expect(startOn(again, second, 'closed-1', { workOrderId: 'another' })).rejects.toBeInstanceOf(
        ExecutionAlreadyExists,
      );
      const token = tokens.get('closed-1');
      const resumed = await startOn(again, second, 'closed-1', { workOrderId: 'closed-1' });
      const described = await again.send(new DescribeExecutionCommand({ executionArn: arnOf(second, 'closed-1') }));
      expect(resumed.startDate).toEqual(described.startDate);
      expect(await newToken('closed-1', token)).not.toBe(token);
      expect(second.executionsInMemory()).toBe(1);

      await again.send(
        new StopExecutionCommand({ executionArn: arnOf(second, 'closed-2'), error: 'Operator.Stopped' }),
      );
      const stopped = await again.send(new DescribeExecutionCommand({ executionArn: arnOf(second, 'closed-2') }));
      expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Operator.Stopped' });
      const history = await historyOf(again, arnOf(second, 'closed-2'));
      expect(history.slice(0, -1)).toEqual(before.get('closed-2'));
      expect(history.at(-1)?.type).toBe('ExecutionAborted');
      expect(second.resumeInterrupted()).toBe(0);
    } finally {
      again.destroy();
      await second.close();
    }
  });

  it('finishes at start what a process stopped half done: an ended journal is kept finished, a torn start dropped', async () => {
    const directory = await folder();
    const stateMachineArn = `arn:aws:states:${REGION}:000000000000:stateMachine:Approval`;
    const arn = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const journalOf = (name: string) =>
      join(directory, 'running', `${createHash('sha256').update(arn(name)).digest('hex')}.jsonl`);
    const event = (id: number, type: string, details: object = {}) => ({
      timestamp: 1_700_000_000 + id,
      id,
      previousEventId: id - 1,
      type,
      ...details,
    });
    await mkdir(join(directory, 'running'), { recursive: true });
    const start = { arn: arn('ended-1'), stateMachineArn, name: 'ended-1', input: '{}', startDate: 1_700_000_000_000 };
    const lines = [
      start,
      event(1, 'ExecutionStarted', { executionStartedEventDetails: { input: '{}' } }),
      event(2, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: '{"done":true}' } }),
    ];
    await writeFile(journalOf('ended-1'), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await writeFile(journalOf('torn-1'), `{"arn":"${arn('torn-1')}","stateMa`);

    const server = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(server);
    try {
      const ended = await sfn.send(new DescribeExecutionCommand({ executionArn: arn('ended-1') }));
      expect(ended).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
      expect(ended.stopDate?.getTime()).toBe(1_700_000_002_000);
      const { executions = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }),
      );
      expect(executions.map((execution) => execution.name)).toEqual(['ended-1']);
      const torn = sfn.send(new DescribeExecutionCommand({ executionArn: arn('torn-1') }));
      await expect(torn).rejects.toBeInstanceOf(ExecutionDoesNotExist);
      expect(await readdir(join(directory, 'running'))).toEqual([]);
      expect(server.resumeInterrupted()).toBe(0);
    } finally {
      sfn.destroy();
      await server.close();
    }
  });

  it('serves a long history a page at a time, either way, as GetExecutionHistory pages', async () => {
    const directory = await folder();
    const server = await startLocalStepFunctions({ directory, region: REGION, machines });
    const sfn = clientOf(server);
    try {
      await startOn(sfn, server, 'paged-1', { workOrderId: 'paged-1' });
      const taskToken = await newToken('paged-1');
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
      const executionArn = arnOf(server, 'paged-1');
      await eventually(async () => {
        const state = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return state.status === 'SUCCEEDED' || undefined;
      });
      const whole = await historyOf(sfn, executionArn);
      for (const reverseOrder of [false, true]) {
        const pages: HistoryEvent[][] = [];
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn, reverseOrder, maxResults: 2, nextToken }),
          );
          pages.push(page.events ?? []);
          nextToken = page.nextToken;
        } while (nextToken);
        expect(pages.every((page) => page.length <= 2)).toBe(true);
        expect(pages.flat()).toEqual(reverseOrder ? whole.toReversed() : whole);
      }
      const bad = sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'not-a-token' }));
      await expect(bad).rejects.toMatchObject({ name: 'InvalidToken' });
    } finally {
      sfn.destroy();
      await server.close();
    }
  });
});

describe('substituteDefinition', () => {
  /** CDK's `${Name}` placeholder, written so that it does not read as a mistyped template literal. */
  const placeholder = (name: string) => `\${${name}}`;

  it('replaces placeholders in string values as CDK definitionSubstitutions does', () => {
    const asl = JSON.stringify({
      StartAt: 'Load',
      States: {
        Load: {
          Type: 'Task',
          Parameters: { FunctionName: placeholder('LoadFunctionArn'), Payload: { note: `a ${placeholder('Kind')}` } },
        },
      },
    });

    const definition = substituteDefinition(asl, { LoadFunctionArn: functionArn('load'), Kind: 'boiler' });

    expect(definition).toEqual({
      StartAt: 'Load',
      States: {
        Load: { Type: 'Task', Parameters: { FunctionName: functionArn('load'), Payload: { note: 'a boiler' } } },
      },
    });
  });

  it('refuses a definition with a placeholder left unresolved', () => {
    const asl = {
      States: { A: { Parameters: { FunctionName: placeholder('Missing'), Other: placeholder('Known') } } },
    };

    expect(() => substituteDefinition(asl, { Known: 'x' })).toThrow(placeholder('Missing'));
  });
});

function lastEnteredState(events: HistoryEvent[]): string | undefined {
  return events
    .map((event) => event.stateEnteredEventDetails?.name)
    .filter(Boolean)
    .at(-1);
}

/** Polls until the probe returns a value: executions and callbacks progress asynchronously. */
async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Nothing came within ${timeoutMs} ms.`);
    await sleep(10);
  }
}
