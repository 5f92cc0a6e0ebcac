import './polyfills.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import * as z from 'zod';
import { clientOverrides } from '#shared/client-overrides.ts';
import { ExecutionArchive, type ExecutionSummary, type Journal } from './execution-archive.ts';
import { inProcessClient, type JsonAnswer, type JsonService } from './in-process.ts';

/** A state machine the local service runs, with the Lambda handlers its Task states call in process. */
export interface LocalStateMachine {
  /** e.g. 'WorkOrder'; the ARN is arn:aws:states:<region>:000000000000:stateMachine:<name> */
  name: string;
  /** The ASL definition as plain JSON (already substituted: Lambda FunctionName values are plain ARNs). */
  definition: object;
  /** Lambda function ARN -> the handler to call in process with the task's Payload; returns the Lambda's result. */
  lambdas: Record<string, (payload: unknown) => Promise<unknown>>;
}

/** The running local Step Functions endpoint. */
export interface LocalStepFunctions {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SFN` or a client's `endpoint`. */
  url: string;
  port: number;
  /** The ARN of a machine passed to `startLocalStepFunctions`, by name. */
  stateMachineArn(name: string): string;
  /** Resolves when every execution started so far has settled (for tests; one waiting for a callback never does). */
  settled(): Promise<void>;
  /** How many executions the service holds in memory: the running ones (a finished one is on disk). */
  executionsInMemory(): number;
  /**
   * Runs again the executions that were running when the service last stopped, each from its first state with its
   * input, under its own ARN and start date, its history going on from where it was (see `LocalService.resume`).
   * Call it once what their tasks need is up; a StartExecution of one of them with its input resumes it too.
   */
  resumeInterrupted(): number;
  /** Stops the server and the running executions, which keep their journal, to be resumed by the next service. */
  close(): Promise<void>;
}

/** State name -> pause in ms before each Retry attempt (or one pause per retrier), instead of IntervalSeconds. */
export type RetryIntervalOverrides = NonNullable<NonNullable<RunOptions['overrides']>['retryIntervalOverrides']>;

/** Options of {@link startLocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The region in the ARNs; defaults to eu-west-2. */
  region?: string;
  machines: LocalStateMachine[];
  /**
   * Where executions are kept (local/execution-archive.ts): running ones as a journal of their history, finished
   * ones whole, so that they leave memory and stay readable across restarts; absent, a temporary folder removed on
   * close.
   */
  directory?: string;
  /** Shortens Retry intervals in tests. */
  retryIntervalOverrides?: RetryIntervalOverrides;
}

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = Parameters<TaskHandlers[string]>[0];
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

/** The Step Functions resource names (as in history events) of the Task resources the local runner can run. */
type TaskResource = 'invoke' | 'invoke.waitForTaskToken';

interface TaskBinding {
  resource: TaskResource;
  timeoutSeconds: number;
}

interface Machine {
  name: string;
  arn: string;
  stateMachine: StateMachine;
  lambdas: LocalStateMachine['lambdas'];
  /** Task state name -> how it runs; the library binds local handlers by state name. */
  tasks: Map<string, TaskBinding>;
}

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event in the Step Functions wire shape, before it is numbered. */
interface HistoryEntry {
  type: string;
  [details: string]: unknown;
}

interface HistoryEvent extends HistoryEntry {
  timestamp: number;
  id: number;
  previousEventId: number;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  machine: Machine;
  stateMachineArn: string;
  /** As given to StartExecution, so a repeated start can be compared with it. */
  input: string;
  startDate: number;
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** Stopped because the service closes: its history ends where it was, to go on when it is resumed. */
  interrupted?: true;
}

interface Execution extends ExecutionRecord {
  abort: () => void;
  settled: Promise<void>;
}

/** A finished execution as it is kept on disk: all of its record but the machine it ran on. */
type ArchivedExecution = Omit<ExecutionRecord, 'machine' | 'interrupted'>;

interface PendingTask {
  execution: ExecutionRecord;
  resolve: (output: JSONValue) => void;
  reject: (error: unknown) => void;
  expiry: NodeJS.Timeout;
}

const ACCOUNT = '000000000000';
const DEFAULT_REGION = 'eu-west-2';
const TARGET_PREFIX = 'AWSStepFunctions.';
/** How many timed-out task tokens are remembered, to answer a late callback TaskTimedOut rather than TaskDoesNotExist. */
const REMEMBERED_TIMED_OUT_TOKENS = 10_000;
/** Node fires a setTimeout longer than 2^31-1 ms after 1 ms, and the library arms one per Task and per execution. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** What `$$.Task.Token` resolves to; each callback task swaps it for a fresh token of its own. */
const TOKEN_PLACEHOLDER = 'local-stepfunctions:task-token';
const TOKEN_FORMAT = /^[\w-]{64}$/;
const TASK_RESOURCES = new Map<unknown, TaskResource>([
  ['arn:aws:states:::lambda:invoke', 'invoke'],
  ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'invoke.waitForTaskToken'],
]);
// Step Functions' naming rule: 1-80 characters, no whitespace, brackets, wildcards, punctuation or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

const ExecutionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const StartExecutionRequest = z.object({
  stateMachineArn: z.string(),
  name: z.string().optional(),
  input: z.string().optional(),
});
const ExecutionRequest = z.object({ executionArn: z.string() });
const ListExecutionsRequest = z.object({ stateMachineArn: z.string(), statusFilter: ExecutionStatus.optional() });
const GetExecutionHistoryRequest = z.object({
  executionArn: z.string(),
  reverseOrder: z.boolean().optional(),
  maxResults: z.number().int().min(0).max(1000).optional(),
  nextToken: z.string().max(1024).optional(),
});
const SendTaskSuccessRequest = z.object({ taskToken: z.string(), output: z.string() });
const SendTaskFailureRequest = z.object({
  taskToken: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
const StopExecutionRequest = z.object({
  executionArn: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

/** A Step Functions API error: answered with HTTP 400 and `__type`, which the SDK turns into the named exception. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A task failure as the library reads it: Retry and Catch match `name`, and `message` becomes the Cause. */
class TaskError extends Error {
  constructor(
    name: string,
    cause: string,
    readonly isRetryable = true,
    readonly isCatchable = true,
  ) {
    super(cause);
    this.name = name;
  }
}

/** Ends a task of an execution that no longer runs, past any Retry or Catch, so the library goes no further. */
const abandoned = () => new TaskError('States.Runtime', 'The execution is no longer running.', false, false);

/**
 * Starts an in-process Step Functions endpoint (the AWS JSON 1.0 protocol) that runs the given machines with
 * aws-local-stepfunctions, so unchanged `@aws-sdk/client-sfn` code works locally: the clients of this process call it
 * directly (`clientOverrides`), others on its port. Running executions live in memory, each event of their history
 * journalled to `options.directory` as it happens; a finished one moves there whole. From there they are still
 * described, listed and their history served after the process stops, and those it stopped mid-run go on when
 * `resumeInterrupted` is called.
 */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'fieldops-executions-')));
  const archive = new ExecutionArchive<ArchivedExecution, HistoryEvent>(directory);
  const service = new LocalService(
    options.region ?? DEFAULT_REGION,
    options.machines,
    archive,
    options.retryIntervalOverrides,
  );
  await service.load(await archive.interrupted());
  const server = createServer((request, response) => void answer(service, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const call: JsonService = (target, body) => respond(service, target, body);
  runningService = call;
  clientOverrides.sfn = inProcessService;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stateMachineArn: (name) => service.stateMachineArn(name),
    settled: () => service.settled(),
    executionsInMemory: () => service.executionsInMemory(),
    resumeInterrupted: () => service.resumeInterrupted(),
    async close() {
      if (runningService === call) runningService = undefined;
      service.stopAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SDK clients keep connections alive, which would hold close() open.
        server.closeAllConnections();
      });
      await service.settled();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves `${Name}` placeholders in the string values of a definition, as CDK's `definitionSubstitutions` does
 * when it deploys the ASL. Throws when a placeholder has no substitution, so a local run never sees one.
 */
export function substituteDefinition(asl: object | string, substitutions: Record<string, string>): object {
  const missing = new Set<string>();
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([^}]*)\}/g, (placeholder, name: string) => {
        if (Object.hasOwn(substitutions, name)) return substitutions[name] ?? placeholder;
        missing.add(name);
        return placeholder;
      });
    }
    if (Array.isArray(value)) return value.map(substitute);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item)]));
    return value;
  };
  const definition = substitute(typeof asl === 'string' ? JSON.parse(asl) : asl);
  if (missing.size > 0) throw new Error(`No substitution for: ${[...missing].map((name) => `\${${name}}`).join(', ')}`);
  if (!isRecord(definition)) throw new Error('A state machine definition must be a JSON object.');
  return definition;
}

class LocalService {
  private readonly machines = new Map<string, Machine>();
  /** Running executions, and finished ones until they are on disk. */
  private readonly executions = new Map<string, Execution>();
  /**
   * Executions that were running when the service last stopped, as their journals read back: described, listed and
   * their history served from here until they are resumed (or stopped).
   */
  private readonly interrupted = new Map<string, ArchivedExecution>();
  private readonly pendingTasks = new Map<string, PendingTask>();
  /** In the order they timed out, the oldest forgotten first. */
  private readonly timedOutTokens = new Set<string>();

  private readonly operations = new Map<string, (body: unknown) => object | Promise<object>>([
    ['StartExecution', (body) => this.startExecution(parse(StartExecutionRequest, body))],
    ['DescribeExecution', (body) => this.describeExecution(parse(ExecutionRequest, body))],
    ['ListExecutions', (body) => this.listExecutions(parse(ListExecutionsRequest, body))],
    ['GetExecutionHistory', (body) => this.getExecutionHistory(parse(GetExecutionHistoryRequest, body))],
    ['SendTaskSuccess', (body) => this.sendTaskSuccess(parse(SendTaskSuccessRequest, body))],
    ['SendTaskFailure', (body) => this.sendTaskFailure(parse(SendTaskFailureRequest, body))],
    ['StopExecution', (body) => this.stopExecution(parse(StopExecutionRequest, body))],
  ]);

  constructor(
    private readonly region: string,
    machines: LocalStateMachine[],
    private readonly archive: ExecutionArchive<ArchivedExecution, HistoryEvent>,
    private readonly retryIntervalOverrides: RetryIntervalOverrides | undefined,
  ) {
    for (const spec of machines) {
      const { definition, tasks } = prepareDefinition(spec);
      const arn = this.stateMachineArn(spec.name);
      // Validation makes construction slow (hundreds of ms), so each machine is built once and run many times.
      this.machines.set(arn, {
        name: spec.name,
        arn,
        stateMachine: new StateMachine(definition),
        lambdas: spec.lambdas,
        tasks,
      });
    }
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${ACCOUNT}:stateMachine:${name}`;
  }

  /**
   * Takes in the journals of the executions running when the service last stopped. One whose history ends with the
   * execution's end (the process stopped before it was moved) is kept finished, as it would have been; the others
   * wait to be resumed.
   */
  async load(journals: Journal<HistoryEvent>[]): Promise<void> {
    for (const { start, history } of journals) {
      const execution: ArchivedExecution = { ...start, status: 'RUNNING', history };
      const end = endOf(history.at(-1));
      if (end) await this.archive.put({ ...execution, ...end });
      else this.interrupted.set(start.arn, execution);
    }
  }

  /** Resumes every interrupted execution whose machine this service runs; answers how many. */
  resumeInterrupted(): number {
    let resumed = 0;
    for (const execution of [...this.interrupted.values()]) {
      const machine = this.machines.get(execution.stateMachineArn);
      if (!machine) continue;
      this.resume(machine, execution);
      resumed++;
    }
    return resumed;
  }

  async call(target: unknown, body: unknown): Promise<object> {
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? this.operations.get(target.slice(TARGET_PREFIX.length))
        : undefined;
    if (!operation) throw new ServiceError('UnknownOperationException', `Unknown operation: ${String(target)}`);
    return operation(body);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.executions.values()].map((execution) => execution.settled));
  }

  executionsInMemory(): number {
    return this.executions.size;
  }

  /**
   * Stops every running execution as the service closes. They are not ended: each keeps its journal, its history up
   * to here, and goes on when the service is started again on the same directory and resumes it. Of what the stop
   * itself sets off (the run's abort, its tasks given up), nothing is recorded.
   */
  stopAll(): void {
    for (const execution of this.executions.values()) {
      if (execution.status !== 'RUNNING') continue;
      execution.interrupted = true;
      this.stop(execution);
    }
  }

  private startExecution(request: z.infer<typeof StartExecutionRequest>) {
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    const parsedInput = parseJson(input, 'InvalidExecutionInput');
    const arn = `arn:aws:states:${this.region}:${ACCOUNT}:execution:${machine.name}:${name}`;
    // As in AWS, starting a running execution again with the same input is a no-op that answers the original: one
    // the service was stopped in the middle of is running too, and this resumes it.
    const existing = this.executions.get(arn) ?? this.interrupted.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        if (this.interrupted.has(arn)) this.resume(machine, existing);
        return { executionArn: arn, startDate: existing.startDate / 1000 };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    // Checked in the same tick as memory: a finished execution is on disk before it leaves memory.
    if (this.archive.has(arn)) throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);

    const startDate = Date.now();
    this.archive.begin({ arn, stateMachineArn: machine.arn, name, input, startDate });
    this.run(
      { arn, name, machine, stateMachineArn: machine.arn, input, startDate, status: 'RUNNING', history: [] },
      parsedInput,
    );
    return { executionArn: arn, startDate: startDate / 1000 };
  }

  /**
   * Goes on with an execution the service was stopped in the middle of. The runner cannot pick a run up inside a
   * state, so it runs the machine again from its first state with the same input, under the same ARN and start
   * date; its history goes on from the last event recorded, without a second ExecutionStarted. The work order
   * machine's first pass reads the work order and routes by its status, so the run carries on where the job is; the
   * step it was in shows entered and never left.
   */
  private resume(machine: Machine, execution: ArchivedExecution): void {
    this.interrupted.delete(execution.arn);
    this.run({ ...execution, machine, status: 'RUNNING' }, parseJson(execution.input, 'InvalidExecutionInput'));
  }

  /** Runs an execution whose record (and journal) exists, from the machine's first state. */
  private run(record: ExecutionRecord, input: JSONValue): void {
    const { machine } = record;
    const run = machine.stateMachine.run(input, {
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.arn, Name: record.name },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(record),
        retryIntervalOverrides: this.retryIntervalOverrides,
      },
    });
    // Status, output and error come from the event log, so DescribeExecution never runs ahead of the history; the
    // result is only awaited so that a failed execution is not an unhandled rejection.
    const settled = Promise.allSettled([run.result, this.record(record, run.eventLogs)]).then(() =>
      this.putAway(record),
    );
    this.executions.set(record.arn, Object.assign(record, { abort: run.abort, settled }));
  }

  /** Moves a finished execution from memory to disk, unless the service stopped it to close. */
  private async putAway(execution: ExecutionRecord): Promise<void> {
    if (execution.interrupted) return;
    try {
      await this.archive.put(archived(execution));
      this.executions.delete(execution.arn);
    } catch (failure) {
      // It stays in memory, and is served from there.
      console.error(`[local stepfunctions] could not keep ${execution.arn} on disk`, failure);
    }
  }

  private async describeExecution({ executionArn }: z.infer<typeof ExecutionRequest>) {
    const execution = await this.execution(executionArn);
    const { input, output, error, cause } = execution;
    return { ...summary(execution), input, output, error, cause };
  }

  private async listExecutions({ stateMachineArn, statusFilter }: z.infer<typeof ListExecutionsRequest>) {
    this.machine(stateMachineArn);
    const inMemory = [...this.executions.values(), ...this.interrupted.values()].filter(
      (execution) =>
        execution.stateMachineArn === stateMachineArn && (!statusFilter || execution.status === statusFilter),
    );
    const finishedStatuses = ExecutionStatus.options.filter((status) => status !== 'RUNNING');
    const onDisk = await this.archive.list(stateMachineArn, statusFilter ? [statusFilter] : finishedStatuses);
    // One being put away is in both for a moment.
    const executions = [...inMemory, ...onDisk.filter((execution) => !this.executions.has(execution.arn))];
    return { executions: executions.sort((a, b) => b.startDate - a.startDate).map(summary) };
  }

  /**
   * A page of the history, oldest first (newest first with `reverseOrder`), of at most `maxResults` events (100
   * when 0 or absent, as in AWS); `nextToken` goes on from where the page ended.
   */
  private async getExecutionHistory(request: z.infer<typeof GetExecutionHistoryRequest>) {
    const { history } = await this.execution(request.executionArn);
    const size = request.maxResults || DEFAULT_HISTORY_PAGE;
    const from = request.nextToken === undefined ? 0 : historyOffset(request);
    const ordered = request.reverseOrder ? history.toReversed() : history;
    const events = ordered.slice(from, from + size);
    const next = from + events.length;
    return {
      events,
      nextToken: next < ordered.length ? historyToken(request, next) : undefined,
    };
  }

  private sendTaskSuccess({ taskToken, output }: z.infer<typeof SendTaskSuccessRequest>) {
    this.assertPending(taskToken);
    this.settle(taskToken, { output: parseJson(output, 'InvalidOutput') });
    return {};
  }

  private sendTaskFailure({ taskToken, error, cause }: z.infer<typeof SendTaskFailureRequest>) {
    this.assertPending(taskToken);
    this.settle(taskToken, { error: new TaskError(error ?? '', cause ?? '') });
    return {};
  }

  private async stopExecution({ executionArn, error, cause }: z.infer<typeof StopExecutionRequest>) {
    const running = this.executions.get(executionArn);
    if (running) this.stop(running, error, cause);
    const interrupted = this.interrupted.get(executionArn);
    if (interrupted) await this.abortInterrupted(interrupted, error, cause);
    const execution = running ?? interrupted ?? (await this.execution(executionArn));
    return { stopDate: (execution.stopDate ?? Date.now()) / 1000 };
  }

  /** Ends an interrupted execution that is stopped before it is resumed, as AWS ends a running one: aborted. */
  private async abortInterrupted(execution: ArchivedExecution, error?: string, cause?: string): Promise<void> {
    this.interrupted.delete(execution.arn);
    const stopDate = Date.now();
    const id = execution.history.length + 1;
    const aborted: HistoryEvent = {
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error, cause },
      timestamp: stopDate / 1000,
      id,
      previousEventId: id - 1,
    };
    Object.assign(execution, { status: 'ABORTED', stopDate, error, cause, history: [...execution.history, aborted] });
    this.archive.append(execution.arn, [aborted]);
    await this.archive.put(execution);
  }

  private machine(arn: string): Machine {
    const machine = this.machines.get(arn);
    if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** The execution from memory (running, or interrupted and not resumed yet) or, once finished, from disk. */
  private async execution(arn: string): Promise<ArchivedExecution> {
    const execution = this.executions.get(arn) ?? this.interrupted.get(arn) ?? (await this.archive.get(arn));
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private taskHandlers(execution: ExecutionRecord): TaskHandlers {
    return Object.fromEntries(
      [...execution.machine.tasks].map(([stateName, task]) => [
        stateName,
        (parameters: JSONValue) =>
          task.resource === 'invoke.waitForTaskToken'
            ? this.waitForCallback(execution, task, parameters)
            : this.invoke(execution, parameters),
      ]),
    );
  }

  /** `lambda:invoke` answers with the Invoke API's response, so `$.Payload...` paths read as they do in AWS. */
  private async invoke(execution: ExecutionRecord, parameters: unknown): Promise<JSONValue> {
    return { StatusCode: 200, Payload: await this.callLambda(execution, parameters), ExecutedVersion: '$LATEST' };
  }

  /**
   * `lambda:invoke.waitForTaskToken`, which the library lacks: the task waits on a promise that SendTaskSuccess or
   * SendTaskFailure settles, with its result the callback's output. The token is registered before the Lambda runs
   * because the Lambda may send the callback itself before it returns.
   */
  private async waitForCallback(
    execution: ExecutionRecord,
    task: TaskBinding,
    parameters: unknown,
  ): Promise<JSONValue> {
    if (execution.status !== 'RUNNING') throw abandoned();
    const token = randomBytes(48).toString('base64url');
    const callback = new Promise<JSONValue>((resolve, reject) => {
      // The library fails the task with States.Timeout on its own timer, armed in this same tick with the same delay;
      // this one only forgets the token, so that a late callback is answered TaskTimedOut as in AWS.
      const expiry = setTimeout(() => {
        this.pendingTasks.delete(token);
        this.rememberTimedOut(token);
      }, task.timeoutSeconds * 1000).unref();
      this.pendingTasks.set(token, { execution, resolve, reject, expiry });
    });
    // A callback may fail the task before this function gets to return the promise.
    callback.catch(() => {});
    try {
      await this.callLambda(execution, replaceToken(parameters, token));
    } catch (error) {
      this.settle(token, { error });
    }
    return callback;
  }

  private async callLambda(execution: ExecutionRecord, parameters: unknown): Promise<JSONValue> {
    // The library may still retry a task after an abort: the Lambda must not run again.
    if (execution.status !== 'RUNNING') throw abandoned();
    const functionName = isRecord(parameters) ? parameters.FunctionName : undefined;
    const lambda =
      typeof functionName === 'string' && Object.hasOwn(execution.machine.lambdas, functionName)
        ? execution.machine.lambdas[functionName]
        : undefined;
    if (!lambda) {
      throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${String(functionName)}`);
    }
    try {
      // Lambda hands back its result as JSON: undefined becomes null, a Date becomes a string.
      return JSON.parse(JSON.stringify((await lambda(isRecord(parameters) ? parameters.Payload : undefined)) ?? null));
    } catch (error) {
      throw lambdaFailure(error);
    }
  }

  private rememberTimedOut(token: string): void {
    this.timedOutTokens.add(token);
    const oldest = this.timedOutTokens.values().next().value;
    if (this.timedOutTokens.size > REMEMBERED_TIMED_OUT_TOKENS && oldest !== undefined) {
      this.timedOutTokens.delete(oldest);
    }
  }

  private assertPending(token: string): void {
    if (!TOKEN_FORMAT.test(token)) throw new ServiceError('InvalidToken', 'Invalid Token');
    if (this.timedOutTokens.has(token)) throw new ServiceError('TaskTimedOut', 'Task Timed Out');
    if (!this.pendingTasks.has(token)) throw new ServiceError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private settle(token: string, outcome: { output: JSONValue } | { error: unknown }): void {
    const task = this.pendingTasks.get(token);
    if (!task) return;
    this.pendingTasks.delete(token);
    clearTimeout(task.expiry);
    if ('output' in outcome) task.resolve(outcome.output);
    else task.reject(outcome.error);
  }

  private stop(execution: Execution, error?: string, cause?: string): void {
    if (execution.status !== 'RUNNING') return;
    this.finish(execution, 'ABORTED', { error, cause });
    execution.abort();
  }

  private finish(execution: ExecutionRecord, status: ExecutionStatus, details: Partial<ExecutionRecord>): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, details, { status, stopDate: Date.now() });
    // Also drops tasks still waiting in Parallel branches that the library abandoned when a sibling failed.
    for (const [token, task] of this.pendingTasks) {
      if (task.execution === execution) this.settle(token, { error: abandoned() });
    }
  }

  /** Turns the library's event log into the execution's history and final status, from the first event. */
  private async record(execution: ExecutionRecord, events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      // A resumed run's history goes on from where it was: it started once.
      if (event.type === 'ExecutionStarted' && execution.history.length > 0) continue;
      if (execution.interrupted && echoesTheStop(event)) continue;
      const recorded: HistoryEvent[] = [];
      for (const entry of historyEntries(event, execution)) {
        const id = execution.history.length + 1;
        const historyEvent = { timestamp: event.timestamp / 1000, id, previousEventId: id - 1, ...entry };
        execution.history.push(historyEvent);
        recorded.push(historyEvent);
      }
      this.journal(execution, recorded);
      if (event.type === 'ExecutionSucceeded') {
        this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(event.output) });
      } else if (event.type === 'ExecutionFailed') {
        this.finish(execution, 'FAILED', { error: event.Error, cause: causeText(event.Cause) });
      } else if (event.type === 'ExecutionTimeout') {
        this.finish(execution, 'TIMED_OUT', { error: 'States.Timeout' });
      }
    }
  }

  /** Appends to the execution's journal; the history in memory goes on whatever the disk answers. */
  private journal(execution: ExecutionRecord, events: HistoryEvent[]): void {
    try {
      this.archive.append(execution.arn, events);
    } catch (failure) {
      console.error(`[local stepfunctions] could not journal ${execution.arn}`, failure);
    }
  }
}

/**
 * What the runner reports of a run the service stopped to close: its abort, and a task given up with `States.Runtime`
 * (the runner takes no event once it is aborted, so nothing else of the stop arrives). None of it is the execution's
 * history, which goes on when it is resumed. An end the run reached just before the stop is kept: the next service
 * finds the journal ended and keeps the execution finished.
 */
function echoesTheStop(event: EventLog): boolean {
  return event.type === 'ExecutionAborted' || (event.type === 'StateFailed' && event.Error === 'States.Runtime');
}

/** How a history ends, when its last event ends the execution: what DescribeExecution then says. */
function endOf(event: HistoryEvent | undefined): Partial<ArchivedExecution> | undefined {
  if (!event) return undefined;
  const stopDate = event.timestamp * 1000;
  const details = (key: string) => (isRecord(event[key]) ? (event[key] as Record<string, string | undefined>) : {});
  switch (event.type) {
    case 'ExecutionSucceeded':
      return { status: 'SUCCEEDED', stopDate, output: details('executionSucceededEventDetails').output };
    case 'ExecutionFailed': {
      const { error, cause } = details('executionFailedEventDetails');
      return { status: 'FAILED', stopDate, error, cause };
    }
    case 'ExecutionTimedOut':
      return { status: 'TIMED_OUT', stopDate, error: 'States.Timeout' };
    case 'ExecutionAborted': {
      const { error, cause } = details('executionAbortedEventDetails');
      return { status: 'ABORTED', stopDate, error, cause };
    }
    default:
      return undefined;
  }
}

/** Events in a page of GetExecutionHistory when the caller asks for no number, as in AWS. */
const DEFAULT_HISTORY_PAGE = 100;

/** The `nextToken` of a history page: where the next page starts, bound to the execution and the order. */
function historyToken(request: z.infer<typeof GetExecutionHistoryRequest>, next: number): string {
  return Buffer.from(JSON.stringify([request.executionArn, Boolean(request.reverseOrder), next])).toString('base64url');
}

/** Where the page a `nextToken` names starts; a token of another execution or order, or none of ours, is refused. */
function historyOffset(request: z.infer<typeof GetExecutionHistoryRequest>): number {
  try {
    const [arn, reverse, next] = JSON.parse(Buffer.from(request.nextToken ?? '', 'base64url').toString('utf8'));
    if (arn === request.executionArn && reverse === Boolean(request.reverseOrder) && Number.isSafeInteger(next)) {
      return Math.max(0, next);
    }
  } catch {
    // Not a token of ours.
  }
  throw new ServiceError('InvalidToken', 'Invalid Token');
}

async function answer(service: LocalService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { status, body } = await respond(
    service,
    String(request.headers['x-amz-target']),
    Buffer.concat(chunks).toString(),
  );
  response
    .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() })
    .end(body);
}

/** The service's answer to one call, as the JSON 1.0 protocol carries it: a status and a JSON body. */
async function respond(service: LocalService, target: string, text: string): Promise<JsonAnswer> {
  try {
    const body = await service.call(target, text === '' ? {} : parseJson(text, 'SerializationException'));
    return { status: 200, body: JSON.stringify(body) };
  } catch (error) {
    return {
      status: error instanceof ServiceError ? 400 : 500,
      body: JSON.stringify({
        __type: error instanceof ServiceError ? error.type : 'InternalFailure',
        message: error instanceof Error ? error.message : String(error),
      }),
    };
  }
}

/** The runner running in this process, which the handlers' clients here call directly. */
let runningService: JsonService | undefined;
const inProcessService = inProcessClient('The local Step Functions', () => runningService);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ServiceError('ValidationException', z.prettifyError(result.error));
  return result.data;
}

function parseJson(text: string, errorType: string): JSONValue {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceError(errorType, `Invalid JSON: ${(error as Error).message}`);
  }
}

/** What is kept of a finished execution: its record without the machine it ran on or its handles on the run. */
function archived(execution: ExecutionRecord): ArchivedExecution {
  const { arn, name, stateMachineArn, input, startDate, status, stopDate, output, error, cause, history } = execution;
  return { arn, name, stateMachineArn, input, startDate, status, stopDate, output, error, cause, history };
}

/** The fields ListExecutions and DescribeExecution share; dates are epoch seconds, the JSON protocol's timestamps. */
function summary(execution: ExecutionSummary) {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate / 1000,
    stopDate: execution.stopDate === undefined ? undefined : execution.stopDate / 1000,
  };
}

/**
 * Copies a definition into what the library runs and lists its Task states. Every Task must be a Lambda invoke,
 * because the library would call AWS for anything else. Timeouts are capped so that Node does not fire them after
 * 1 ms, and a Task without one gets the cap instead of the library's 60 s default (Step Functions applies none).
 * A Choice rule the library would evaluate otherwise than AWS is refused, so a local run never takes another path.
 */
function prepareDefinition(spec: LocalStateMachine): {
  definition: StateMachineDefinition;
  tasks: Map<string, TaskBinding>;
} {
  const definition = structuredClone(spec.definition) as Record<string, unknown>;
  const tasks = new Map<string, TaskBinding>();
  function refuse(reason: string): never {
    throw new Error(`State machine ${spec.name}: ${reason}`);
  }
  // The library accepts JSONata and ignores it, which would run the machine with the wrong data.
  if (definition.QueryLanguage === 'JSONata') refuse('JSONata is not supported locally; write JSONPath.');
  if (typeof definition.TimeoutSeconds === 'number') {
    definition.TimeoutSeconds = Math.min(definition.TimeoutSeconds, MAX_TIMER_SECONDS);
  }
  forEachState(definition, (stateName, state) => {
    if (state.QueryLanguage === 'JSONata') refuse(`state ${stateName} uses JSONata, which is not supported locally.`);
    const divergences = state.Type === 'Choice' ? choiceDivergences(state) : [];
    if (divergences.length > 0) refuse(`Choice ${stateName} would not run locally as in AWS: ${divergences.join(' ')}`);
    if (state.Type !== 'Task') return;
    const resource = TASK_RESOURCES.get(state.Resource);
    if (!resource) {
      refuse(`Task ${stateName} calls ${String(state.Resource)}; only lambda:invoke(.waitForTaskToken) runs locally.`);
    }
    if (tasks.has(stateName)) refuse(`two Task states are named ${stateName}; local handlers are bound by name.`);
    const functionName = isRecord(state.Parameters) ? state.Parameters.FunctionName : undefined;
    if (typeof functionName === 'string' && !Object.hasOwn(spec.lambdas, functionName)) {
      refuse(`Task ${stateName} calls ${functionName}, which has no local handler.`);
    }
    if (state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = Math.min(
        typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : MAX_TIMER_SECONDS,
        MAX_TIMER_SECONDS,
      );
    }
    tasks.set(stateName, {
      resource,
      // With TimeoutSecondsPath only the library knows the timeout: the token is then forgotten at the cap.
      timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : MAX_TIMER_SECONDS,
    });
  });
  // The library validates the definition when the StateMachine is built.
  return { definition: definition as unknown as StateMachineDefinition, tasks };
}

/**
 * The Choice rules of a definition that aws-local-stepfunctions 3.0.0 evaluates otherwise than the Amazon States
 * Language and AWS do, one message per rule naming its state, for the local guard and the definition tests.
 */
export function unfaithfulChoiceRules(definition: unknown): string[] {
  const findings: string[] = [];
  forEachState(definition, (stateName, state) => {
    if (state.Type !== 'Choice') return;
    for (const divergence of choiceDivergences(state)) findings.push(`Choice ${stateName}: ${divergence}`);
  });
  return findings;
}

/** The type test a comparison's operands need first, by the comparison's data type. */
const TYPE_TESTS = {
  String: 'IsString',
  Numeric: 'IsNumeric',
  Boolean: 'IsBoolean',
  Timestamp: 'IsTimestamp',
} as const;
type ComparedType = keyof typeof TYPE_TESTS;

const ORDERINGS = ['LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'];
const comparisons = (type: ComparedType, names: string[], why: string) =>
  names.map((name) => [`${type}${name}`, { type, why }] as const);

/**
 * The comparisons the library evaluates with JavaScript operators that coerce: each gives true for some Variable of
 * another type (`5 < "10"`, `null < 1`, `new Date(0)`) where AWS answers false, or, for StringMatches, fails the
 * execution. Equality (StringEquals, NumericEquals, BooleanEquals) uses `===` and agrees.
 */
const COERCING_COMPARISONS = new Map<string, { type: ComparedType; why: string }>([
  ...comparisons('String', ORDERINGS, 'orders a non-string by JavaScript coercion (5 < "10" holds)'),
  ...comparisons('String', ['Matches'], 'fails the execution on a non-string'),
  ...comparisons('Numeric', ORDERINGS, 'orders a non-number by JavaScript coercion (null < 1 holds)'),
  ...comparisons('Timestamp', ['Equals', ...ORDERINGS], 'reads a number or a date without a time as a timestamp'),
]);

/**
 * What one Choice state's rules would do differently locally. A comparison is faithful once an earlier rule of the
 * same `And` tests its operands' type: both runners then compare only values of the right type. `*Path` comparisons
 * need the compared path tested too, because the library fails the execution when it holds another type.
 */
function choiceDivergences(state: Record<string, unknown>): string[] {
  const findings: string[] = [];
  const visit = (rule: unknown, typed: ReadonlySet<string>): void => {
    if (!isRecord(rule)) return;
    if (Array.isArray(rule.And)) {
      const known = new Set(typed);
      for (const inner of rule.And) {
        visit(inner, known);
        const test = typeTestOf(inner);
        if (test) known.add(test);
      }
      return;
    }
    if (Array.isArray(rule.Or)) {
      for (const inner of rule.Or) visit(inner, typed);
      return;
    }
    if ('Not' in rule) {
      visit(rule.Not, typed);
      return;
    }
    const variable = String(rule.Variable);
    for (const [operator, value] of Object.entries(rule)) {
      if (operator === 'Variable' || operator === 'Next' || operator === 'Comment') continue;
      if (operator.startsWith('Is') && value === false) {
        findings.push(
          `{"Variable": "${variable}", "${operator}": false} never matches locally; write ` +
            `{"Not": {"Variable": "${variable}", "${operator}": true}}.`,
        );
        continue;
      }
      if (operator === 'StringMatches' && typeof value === 'string' && value.includes('?')) {
        findings.push(`StringMatches "${value}" treats ? as a wildcard locally; in AWS only * is one.`);
      }
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        findings.push(`${operator} ${value} is outside ±(2^53-1), where comparisons are not exact.`);
      }
      const isPath = operator.endsWith('Path');
      const comparison = isPath ? operator.slice(0, -'Path'.length) : operator;
      const coercing = COERCING_COMPARISONS.get(comparison);
      const type = coercing?.type ?? (/^(String|Numeric|Boolean)Equals$/.exec(comparison)?.[1] as ComparedType);
      if (coercing && !typed.has(`${TYPE_TESTS[coercing.type]} ${variable}`)) {
        findings.push(
          `${operator} on ${variable} ${coercing.why} where AWS answers false; put ` +
            `{"Variable": "${variable}", "${TYPE_TESTS[coercing.type]}": true} before it in an And.`,
        );
      }
      if (isPath && type && !typed.has(`${TYPE_TESTS[type]} ${String(value)}`)) {
        findings.push(
          `${operator} ${String(value)} fails the execution locally when that path holds another type; put ` +
            `{"Variable": "${String(value)}", "${TYPE_TESTS[type]}": true} before it in an And.`,
        );
      }
    }
  };
  for (const rule of Array.isArray(state.Choices) ? state.Choices : []) visit(rule, new Set());
  return findings;
}

/** `IsString /$.path` for a rule `{"Variable": "$.path", "IsString": true}` (any type test), else undefined. */
function typeTestOf(rule: unknown): string | undefined {
  if (!isRecord(rule) || typeof rule.Variable !== 'string') return undefined;
  const test = Object.values(TYPE_TESTS).find((name) => rule[name] === true);
  return test && `${test} ${rule.Variable}`;
}

function forEachState(machine: unknown, visit: (name: string, state: Record<string, unknown>) => void): void {
  if (!isRecord(machine) || !isRecord(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isRecord(state)) continue;
    visit(name, state);
    for (const branch of Array.isArray(state.Branches) ? state.Branches : []) forEachState(branch, visit);
    forEachState(state.Iterator, visit);
    forEachState(state.ItemProcessor, visit);
  }
}

/** Puts the task's own token wherever the Parameters used `$$.Task.Token`. */
function replaceToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
  }
  return value;
}

/**
 * A thrown error surfaces as Lambda reports one to Step Functions: the Error is its type and the Cause a JSON object
 * with errorType and errorMessage. A dotted `code` (the domain errors' stable name) wins over `name`.
 */
function lambdaFailure(error: unknown): TaskError {
  const code = isRecord(error) ? error.code : undefined;
  const errorType =
    typeof code === 'string' && code.includes('.') ? code : error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage }));
}

const MAP_ITERATION_DETAILS = {
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
} as const;

/**
 * The Step Functions history events for one library event. The library has no TaskScheduled/Started/Succeeded,
 * Parallel/MapStateStarted or Succeeded events, so the history goes without them.
 */
function historyEntries(event: EventLog, execution: ExecutionRecord): HistoryEntry[] {
  switch (event.type) {
    case 'ExecutionStarted':
      return [{ type: event.type, executionStartedEventDetails: { input: JSON.stringify(event.input) } }];
    case 'ExecutionSucceeded':
      return [{ type: event.type, executionSucceededEventDetails: { output: JSON.stringify(event.output) } }];
    case 'ExecutionFailed':
      return [{ type: event.type, executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } }];
    case 'ExecutionAborted':
      return [{ type: event.type, executionAbortedEventDetails: { error: execution.error, cause: execution.cause } }];
    case 'ExecutionTimeout':
      return [{ type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } }];
    case 'StateEntered': {
      const { name, type, input } = event.state;
      return [{ type: `${type}StateEntered`, stateEnteredEventDetails: { name, input: JSON.stringify(input) } }];
    }
    case 'StateExited': {
      const { name, type, output } = event.state;
      return [{ type: `${type}StateExited`, stateExitedEventDetails: { name, output: JSON.stringify(output) } }];
    }
    case 'StateFailed':
      return stateFailure(event, execution.machine);
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return [
        { type: event.type, [MAP_ITERATION_DETAILS[event.type]]: { name: event.parentState.name, index: event.index } },
      ];
    default:
      // StateRetried, StateCaught and ParallelBranch* have no counterpart in a Step Functions history.
      return [];
  }
}

function stateFailure(event: Extract<EventLog, { type: 'StateFailed' }>, machine: Machine): HistoryEntry[] {
  switch (event.state.type) {
    case 'Task': {
      const details = {
        resourceType: 'lambda',
        resource: machine.tasks.get(event.state.name)?.resource,
        error: event.Error,
        cause: causeText(event.Cause),
      };
      return event.Error === 'States.Timeout'
        ? [{ type: 'TaskTimedOut', taskTimedOutEventDetails: details }]
        : [{ type: 'TaskFailed', taskFailedEventDetails: details }];
    }
    case 'Parallel':
      return [{ type: 'ParallelStateFailed' }];
    case 'Map':
      return [{ type: 'MapStateFailed' }];
    default:
      // A Fail or Choice state fails the execution itself: ExecutionFailed follows.
      return [];
  }
}

function causeText(cause: unknown): string | undefined {
  return typeof cause === 'string' || cause === undefined ? cause : JSON.stringify(cause);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
