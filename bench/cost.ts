/**
 * `npm run cost [-- --detail]`: what one work order costs deployed, at list prices (bench/prices.ts), printed, never
 * asserted. Work orders go through the embedded default in this process, as the benchmarks run them, and what each
 * would use deployed is counted from the run itself:
 * - Step Functions transitions: the states the execution entered, from its history;
 * - Lambda: the API requests and the task states entered, at each function's memory as the synthesized stack sets it;
 * - DynamoDB: every request the store client sends, priced from the sizes of the items it reads and writes (before
 *   and after, read from the store around each write) and from the table's indexes and their projections;
 * - HTTP API requests, domain events (the pipe and the bus), the office's live channel (a publisher run and an
 *   AppSync publish per feed event, delivered to the consoles open, assumed), logs (the functions' output, the API's access log lines,
 *   the state machine's log events at its level), X-Ray traces and S3 requests.
 * Then the same for the other paths (approval, rejection, cancellation), and what the deployment costs a month idle.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { WorkflowTask } from '#infra/routes.ts';
import { freeTiersLeftOut, prices } from './prices.ts';

// The functions log as deployed (INFO, with their metrics), which the local runtime quietens by default; set before
// any of the product's modules load, because the logger reads its level once.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const { routes, workflowTasks } = await import('#infra/routes.ts');
const { startRuntime } = await import('#local/runtime.ts');
const { s3 } = await import('#shared/attachments/storage.ts');
const { db } = await import('#shared/db/service.ts');
const { tableKeys } = await import('#shared/db/table.ts');
const { getWorkOrder } = await import('#shared/db/work-orders.ts');
const { reconcile } = await import('#shared/work-order/reconcile.ts');
const { executionArnOf } = await import('#shared/workflow.ts');
const { synthFieldOps } = await import('../test/infra/synth.ts');

const detail = process.argv.includes('--detail');
const workOrdersPerMonth = 10_000;
/**
 * Cold starts are not measurable in one process: assumed. At 10,000 work orders a month each function runs every few
 * minutes, so about one invocation in three finds no warm instance; a bundled Node 22 handler initialises in about
 * 400 ms. Both are assumptions, printed as such.
 */
const coldStartShare = 1 / 3;
const initMs = 400;
/** One JSON line a Powertools logger writes per invocation (at least): assumed when the run logs less. */
const logLineBytesPerInvocation = 300;
/**
 * The live channel's publisher is not run locally: a run is assumed to take 100 ms (one signed HTTPS post to AppSync),
 * and each event to reach 3 office consoles, each delivery an AppSync operation of its own.
 */
const livePublishMs = 100;
const officeConsoles = 3;

// ---------------------------------------------------------------------------------------------------------------
// What the deployed stack sets: from a synthesis of infra/app.ts without bundling (test/infra/synth.ts).

type Json = any;

interface Deployment {
  /** Handler file → memory in MB and whether X-Ray tracing is active. */
  functions: Map<string, { memoryMb: number; tracing: boolean }>;
  stateMachine: { logLevel: string; includeExecutionData: boolean; tracing: boolean };
  accessLogFormat?: string;
  pipes: number;
  /** Whether the office's live channel is deployed (an AppSync Event API). */
  liveChannel: boolean;
  fixed: Array<{ item: string; count: number; monthly: number }>;
  schedules: Array<{ expression: string; handlerFile?: string; perMonth: number }>;
  note?: string;
}

function readDeployment(): Deployment {
  const defaults: Deployment = {
    functions: new Map(),
    stateMachine: { logLevel: 'ALL', includeExecutionData: false, tracing: true },
    pipes: 1,
    liveChannel: true,
    fixed: [],
    schedules: [],
  };
  let template: Json;
  let cleanup = () => {};
  try {
    const synth = synthFieldOps();
    template = synth.template.toJSON();
    cleanup = synth.cleanup;
  } catch (error) {
    return { ...defaults, note: `the stack did not synthesize (${(error as Error).message.split('\n')[0]})` };
  }
  try {
    const resources = Object.entries<Json>(template.Resources ?? {});
    const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
    const functions = new Map<string, { memoryMb: number; tracing: boolean }>();
    const handlerFileById = new Map<string, string>();
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const file = fn.Properties.Description;
      if (typeof file !== 'string' || !file.startsWith('functions/')) continue;
      handlerFileById.set(id, file);
      functions.set(file, {
        memoryMb: fn.Properties.MemorySize ?? 128,
        tracing: fn.Properties.TracingConfig?.Mode === 'Active',
      });
    }
    const [[, machine] = []] = ofType('AWS::StepFunctions::StateMachine');
    const logging = machine?.Properties.LoggingConfiguration;
    const [[, stage] = []] = ofType('AWS::ApiGatewayV2::Stage');
    const count = (type: string) => ofType(type).length;
    const secrets = count('AWS::SecretsManager::Secret');
    const alarms = count('AWS::CloudWatch::Alarm');
    // CloudWatch bills an alarm per metric it reads: a metric-math alarm's every MetricStat, a plain alarm's one.
    const alarmMetrics = ofType('AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties.Metrics?.filter((metric: { MetricStat?: unknown }) => metric.MetricStat))
      .reduce((sum, read) => sum + Math.max(1, read?.length ?? 1), 0);
    const dashboards = count('AWS::CloudWatch::Dashboard');
    const keys = count('AWS::KMS::Key');
    const schedules = [
      ...ofType('AWS::Scheduler::Schedule').map(([, schedule]) => ({
        expression: String(schedule.Properties.ScheduleExpression),
        handlerFile: handlerFileById.get(schedule.Properties.Target?.Arn?.['Fn::GetAtt']?.[0]),
      })),
      ...ofType('AWS::Events::Rule')
        .filter(([, rule]) => rule.Properties.ScheduleExpression)
        .map(([, rule]) => ({
          expression: String(rule.Properties.ScheduleExpression),
          handlerFile: handlerFileById.get(rule.Properties.Targets?.[0]?.Arn?.['Fn::GetAtt']?.[0]),
        })),
    ].map((schedule) => ({ ...schedule, perMonth: runsPerMonth(schedule.expression) }));
    return {
      functions,
      stateMachine: {
        logLevel: logging?.Level ?? 'OFF',
        includeExecutionData: logging?.IncludeExecutionData === true,
        tracing: machine?.Properties.TracingConfiguration?.Enabled === true,
      },
      accessLogFormat: stage?.Properties.AccessLogSettings?.Format,
      pipes: count('AWS::Pipes::Pipe'),
      liveChannel: count('AWS::AppSync::Api') > 0,
      fixed: [
        { item: 'Secrets Manager secrets', count: secrets, monthly: secrets * prices.secretMonth },
        {
          item: `CloudWatch alarms (${alarms}), by the metrics they read`,
          count: alarmMetrics,
          monthly: alarmMetrics * prices.alarmMonth,
        },
        { item: 'CloudWatch dashboards', count: dashboards, monthly: dashboards * prices.dashboardMonth },
        { item: 'KMS customer managed keys', count: keys, monthly: keys * prices.kmsKeyMonth },
      ],
      schedules,
    };
  } finally {
    cleanup();
  }
}

/** How often a schedule expression fires in a 30-day month (`rate(1 minute)`, `cron(0 5 * * ? *)`). */
function runsPerMonth(expression: string): number {
  const minutes = 30 * 24 * 60;
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) return minutes / (Number(rate[1]) * { minute: 1, hour: 60, day: 1440 }[rate[2] as 'minute']);
  const cron = /^cron\((\S+) (\S+) /.exec(expression);
  if (cron) {
    const per = (field: string, span: number) => (field === '*' ? span : field.split(',').length);
    return 30 * per(cron[2] as string, 24) * (cron[1] === '*' ? 60 : per(cron[1] as string, 60));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB: request units from item sizes, as DynamoDB bills them.

/** A DynamoDB item or value in the wire format (`{ S: '...' }`). */
type Wire = Record<string, any>;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
/** A number's size: one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}
function wireValueSize(value: Wire): number {
  if ('S' in value) return utf8(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return (value.B as Uint8Array).length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return (value.SS as string[]).reduce((sum, s) => sum + utf8(s), 0);
  if ('NS' in value) return (value.NS as string[]).reduce((sum, n) => sum + numberSize(n), 0);
  if ('L' in value) return 3 + (value.L as Wire[]).reduce((sum, v) => sum + wireValueSize(v) + 1, 0);
  if ('M' in value) return 3 + wireItemSize(value.M) + Object.keys(value.M).length;
  return 0;
}
/** An item's size as DynamoDB counts it: each attribute's name and value. */
function wireItemSize(item: Wire | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + wireValueSize(value), 0);
}
/** The same for an item as the document client hands it back (plain values). */
function plainValueSize(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.length;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + plainValueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + plainValueSize(v) + 1, 0);
  if (typeof value === 'object' && value)
    return 3 + plainItemSize(value as Record<string, unknown>) + Object.keys(value).length;
  return 0;
}
function plainItemSize(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + plainValueSize(value), 0);
}

interface Index {
  name: string;
  keys: string[];
  projection: string;
  include: string[];
}

interface DynamoTally {
  wru: number;
  rru: number;
  requests: number;
  /** Entity → units, for --detail. */
  byEntity: Map<string, { tableWru: number; indexWru: number; rru: number; writes: number; reads: number }>;
  /** Index → write units, for --detail. */
  byIndex: Map<string, number>;
  /** Feed events written (each one the pipe forwards to the bus). */
  domainEvents: number;
}

const emptyTally = (): DynamoTally => ({
  wru: 0,
  rru: 0,
  requests: 0,
  byEntity: new Map(),
  byIndex: new Map(),
  domainEvents: 0,
});

/** Calls made while this holds true (the benchmark's own polling) are not the product's and are not counted. */
const unmetered = new AsyncLocalStorage<boolean>();

class DynamoMeter {
  tally = emptyTally();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly raw: DynamoDBClient,
    private readonly table: string,
    private readonly indexes: Index[],
  ) {}

  private entity(name: string | undefined) {
    const key = name ?? '(none)';
    let entry = this.tally.byEntity.get(key);
    if (!entry) {
      entry = { tableWru: 0, indexWru: 0, rru: 0, writes: 0, reads: 0 };
      this.tally.byEntity.set(key, entry);
    }
    return entry;
  }

  private async image(key: Wire): Promise<Wire | undefined> {
    const { Item } = await this.raw.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** Runs a write with the items it touches read before and after it, one write at a time. */
  async write(operation: string, input: Wire, send: () => Promise<unknown>): Promise<unknown> {
    const targets = writeTargets(operation, input);
    let release = () => {};
    const previous = this.writing;
    this.writing = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      const before = await Promise.all(targets.map((target) => this.image(target.key)));
      let failure: unknown;
      let result: unknown;
      try {
        result = await send();
      } catch (error) {
        failure = error;
      }
      const after = await Promise.all(targets.map((target) => this.image(target.key)));
      this.tally.requests++;
      targets.forEach((target, i) => {
        this.charge(target, before[i], after[i]);
      });
      if (failure) throw failure;
      return result;
    } finally {
      release();
    }
  }

  private charge(target: WriteTarget, before: Wire | undefined, after: Wire | undefined): void {
    const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
    const proposed = target.item ? wireItemSize(target.item) : 0;
    const base =
      target.kind === 'ConditionCheck' || target.kind === 'Delete'
        ? kb(wireItemSize(before))
        : kb(Math.max(wireItemSize(before), wireItemSize(after), proposed));
    // A transactional write is two writes of the item (prepare and commit); the indexes are written once.
    const tableWru = base * (target.transactional ? 2 : 1);
    let indexWru = 0;
    if (target.kind !== 'ConditionCheck') {
      for (const index of this.indexes) {
        const was = indexEntry(index, before);
        const is = indexEntry(index, after);
        let units = 0;
        if (was && is) {
          if (was.keys !== is.keys) units = kb(was.size) + kb(is.size);
          else if (was.projected !== is.projected) units = kb(is.size);
        } else if (was) units = kb(was.size);
        else if (is) units = kb(is.size);
        this.tally.byIndex.set(index.name, (this.tally.byIndex.get(index.name) ?? 0) + units);
        indexWru += units;
      }
    }
    const entityName = (after ?? before ?? target.item)?.__edb_e__?.S as string | undefined;
    if (entityName === 'domainEvent' && !before && after) this.tally.domainEvents++;
    const entry = this.entity(entityName);
    entry.tableWru += tableWru;
    entry.indexWru += indexWru;
    entry.writes++;
    this.tally.wru += tableWru + indexWru;
  }

  /** Charges a read from what it returned (for a filtered query: from what it read, by asking again unfiltered). */
  async read(operation: string, input: Wire, output: Wire): Promise<void> {
    this.tally.requests++;
    const units = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
    const charge = (entityName: string | undefined, rru: number) => {
      const entry = this.entity(entityName);
      entry.rru += rru;
      entry.reads++;
      this.tally.rru += rru;
    };
    switch (operation) {
      case 'GetItem':
        charge(output.Item?.__edb_e__, units(plainItemSize(output.Item), input.ConsistentRead === true));
        return;
      case 'Query':
      case 'Scan': {
        const items: Wire[] = output.Items ?? [];
        let bytes = items.reduce((sum, item) => sum + plainItemSize(item), 0);
        if (input.FilterExpression) bytes = await this.unfilteredBytes(operation, input);
        charge(items[0]?.__edb_e__ ?? 'query', units(bytes, input.ConsistentRead === true));
        return;
      }
      case 'BatchGetItem':
        for (const [table, items] of Object.entries<Wire[]>(output.Responses ?? {})) {
          const consistent = input.RequestItems?.[table]?.ConsistentRead === true;
          for (const item of items) charge(item.__edb_e__, units(plainItemSize(item), consistent));
        }
        return;
      case 'TransactGetItems':
        for (const response of output.Responses ?? []) {
          charge(response.Item?.__edb_e__, 2 * units(plainItemSize(response.Item), true));
        }
        return;
    }
  }

  /** The bytes a filtered query or scan read: the same request without its filter, past the meter. */
  private async unfilteredBytes(operation: string, input: Wire): Promise<number> {
    const { FilterExpression: _filter, ...rest } = input;
    const used = new Set(
      `${rest.KeyConditionExpression ?? ''} ${rest.ProjectionExpression ?? ''}`.match(/[#:][\w]+/g) ?? [],
    );
    const names = Object.fromEntries(
      Object.entries<string>(rest.ExpressionAttributeNames ?? {}).filter(([name]) => used.has(name)),
    );
    const values = Object.fromEntries(
      Object.entries<Wire>(rest.ExpressionAttributeValues ?? {}).filter(([name]) => used.has(name)),
    );
    const request = {
      ...rest,
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
    } as QueryCommandInput & ScanCommandInput;
    const { Items = [] } = await this.raw.send(
      operation === 'Query' ? new QueryCommand(request) : new ScanCommand(request),
    );
    return Items.reduce((sum, item) => sum + wireItemSize(item), 0);
  }
}

interface WriteTarget {
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  key: Wire;
  item?: Wire;
  transactional: boolean;
}

const keyOf = (item: Wire): Wire => ({
  [tableKeys.partitionKey]: item[tableKeys.partitionKey],
  [tableKeys.sortKey]: item[tableKeys.sortKey],
});

function writeTargets(operation: string, input: Wire): WriteTarget[] {
  switch (operation) {
    case 'PutItem':
      return [{ kind: 'Put', key: keyOf(input.Item), item: input.Item, transactional: false }];
    case 'UpdateItem':
      return [{ kind: 'Update', key: input.Key, transactional: false }];
    case 'DeleteItem':
      return [{ kind: 'Delete', key: input.Key, transactional: false }];
    case 'TransactWriteItems':
      return (input.TransactItems as Wire[]).map((entry) => {
        const [kind, request] = Object.entries(entry)[0] as [WriteTarget['kind'], Wire];
        return { kind, key: request.Key ?? keyOf(request.Item), item: request.Item, transactional: true };
      });
    case 'BatchWriteItem':
      return Object.values<Wire[]>(input.RequestItems).flatMap((requests) =>
        requests.map((request) =>
          request.PutRequest
            ? {
                kind: 'Put' as const,
                key: keyOf(request.PutRequest.Item),
                item: request.PutRequest.Item,
                transactional: false,
              }
            : { kind: 'Delete' as const, key: request.DeleteRequest.Key, transactional: false },
        ),
      );
    default:
      return [];
  }
}

/** An item's entry in an index (its keys, what it projects and its size), or undefined when it has no keys there. */
function indexEntry(index: Index, item: Wire | undefined) {
  if (!item || !index.keys.every((key) => item[key])) return undefined;
  const tableKeyNames = [tableKeys.partitionKey, tableKeys.sortKey];
  const names =
    index.projection === 'ALL'
      ? Object.keys(item)
      : [...new Set([...tableKeyNames, ...index.keys, ...(index.projection === 'INCLUDE' ? index.include : [])])];
  const projected = Object.fromEntries(names.filter((name) => item[name]).map((name) => [name, item[name]]));
  return {
    keys: JSON.stringify(index.keys.map((key) => item[key])),
    projected: JSON.stringify(Object.entries(projected).sort(([a], [b]) => a.localeCompare(b))),
    size: wireItemSize(projected),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Step Functions: transitions, task invocations and the log events AWS would write, from the execution's history.

interface Asl {
  States: Record<string, { Type: string; Resource?: string; Parameters?: Json; Branches?: Asl[] }>;
}
const asl: Asl = JSON.parse(readFileSync(new URL('../statemachines/work-order.asl.json', import.meta.url), 'utf8'));
/** Every state of the definition (branches included): its type, and the task function a Task calls. */
const stateInfo = new Map<string, { type: string; task?: WorkflowTask; callback: boolean }>();
(function visit(machine: Asl) {
  for (const [name, state] of Object.entries(machine.States)) {
    const functionName = String(state.Parameters?.FunctionName ?? '');
    const task = /^\$\{(\w+)FunctionArn\}$/.exec(functionName)?.[1] as WorkflowTask | undefined;
    stateInfo.set(name, { type: state.Type, task, callback: String(state.Resource).endsWith('.waitForTaskToken') });
    for (const branch of state.Branches ?? []) visit(branch);
  }
})(asl);

/**
 * The events of an AWS history for the states a local history entered: the local runner has no TaskScheduled,
 * TaskStarted, TaskSubmitted, TaskSucceeded, ParallelStateStarted or ParallelStateSucceeded, which AWS writes.
 */
function awsEventTypes(history: HistoryEvent[]): string[] {
  const types: string[] = [];
  for (const event of history) {
    const type = event.type ?? '';
    types.push(type);
    if (type === 'TaskStateEntered') {
      const info = stateInfo.get(event.stateEnteredEventDetails?.name ?? '');
      types.push('TaskScheduled', 'TaskStarted', ...(info?.callback ? ['TaskSubmitted'] : []));
    }
    if (type === 'TaskStateExited') types.push('TaskSucceeded');
    if (type === 'ParallelStateEntered') types.push('ParallelStateStarted');
    if (type === 'ParallelStateExited') types.push('ParallelStateSucceeded');
  }
  return types;
}

/** The event types each Step Functions log level writes (https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html). */
function loggedAt(level: string, type: string): boolean {
  if (level === 'ALL') return true;
  const fatal = ['ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut'];
  if (level === 'FATAL') return fatal.includes(type);
  if (level === 'ERROR') return fatal.includes(type) || /Failed$|TimedOut$|Aborted$/.test(type);
  return false;
}

/** The bytes of one log event as Step Functions writes it without execution data (the documented shape). */
function sfnLogEventBytes(type: string, id: number, executionArn: string, stateName?: string): number {
  return utf8(
    JSON.stringify({
      id: String(id),
      type,
      details: stateName ? { name: stateName } : {},
      previous_event_id: String(id - 1),
      event_timestamp: String(Date.now()),
      execution_arn: executionArn.replace(/:\d{12}:/, ':123456789012:').replace(':eu-west-2:', ':us-east-1:'),
      redrive_count: '0',
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The run.

const deployment = readDeployment();
const runtime = await startRuntime({ port: 0 });
const sfn = new SFNClient({});
const raw = new DynamoDBClient({});
const tableName = process.env.TABLE_NAME as string;
const { Table } = await raw.send(new DescribeTableCommand({ TableName: tableName }));
const indexes: Index[] = (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
  name: index.IndexName ?? '',
  keys: (index.KeySchema ?? []).map((key) => key.AttributeName ?? ''),
  projection: index.Projection?.ProjectionType ?? 'ALL',
  include: index.Projection?.NonKeyAttributes ?? [],
}));
const dynamo = new DynamoMeter(raw, tableName, indexes);
const s3Requests = { reads: 0, writes: 0 };
let metering = false;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
// The store client ElectroDB was given (shared/db/service.ts): the wrapper ElectroDB puts around it holds it.
const storeClient = (db() as unknown as { client: { client: DynamoDBClient } }).client.client;
storeClient.middlewareStack.add(
  (next, context) => async (args) => {
    if (!metering || unmetered.getStore()) return next(args);
    const operation = String(context.commandName).replace(/Command$/, '');
    const input = args.input as Wire;
    if (WRITES.has(operation)) return (await dynamo.write(operation, input, () => next(args))) as never;
    const result = await next(args);
    await dynamo.read(operation, input, result.output as Wire);
    return result;
  },
  { step: 'build', name: 'costMeter' },
);
s3().middlewareStack.add(
  (next, context) => async (args) => {
    if (metering && !unmetered.getStore()) {
      const operation = String(context.commandName);
      if (/^(Put|Post|Copy|List|CreateMultipart|UploadPart|CompleteMultipart)/.test(operation)) s3Requests.writes++;
      else s3Requests.reads++;
    }
    return next(args);
  },
  { step: 'build', name: 'costMeter' },
);

/**
 * What the functions write to stdout and stderr while a path runs (locally, as Lambda would send it to Logs): counted,
 * and kept off the screen until the figures are printed.
 */
let loggedBytes = 0;
/** Custom metrics the functions published (metric, namespace and dimension values), from their EMF lines. */
const customMetrics = new Set<string>();
const restoreOutput = [process.stdout, process.stderr].map((stream) => {
  const write = stream.write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (metering) {
      loggedBytes += typeof chunk === 'string' ? utf8(chunk) : chunk.length;
      for (const metric of emfMetricsOf(String(chunk))) customMetrics.add(metric);
    }
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
  return () => {
    stream.write = write;
  };
});
// A failure of the benchmark itself is shown, not swallowed with the product's output.
process.on('uncaughtException', (error) => {
  for (const restore of restoreOutput) restore();
  console.error(error);
  process.exit(0);
});
process.on('unhandledRejection', (error) => {
  for (const restore of restoreOutput) restore();
  console.error(error);
  process.exit(0);
});

/** The metrics an EMF log line publishes, each as namespace, name and dimension values. */
function emfMetricsOf(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    if (!line.includes('"CloudWatchMetrics"')) return [];
    try {
      const record = JSON.parse(line);
      return (record._aws?.CloudWatchMetrics ?? []).flatMap((directive: Json) =>
        (directive.Metrics ?? []).flatMap((metric: Json) =>
          (directive.Dimensions ?? [[]]).map(
            (dimensions: string[]) =>
              `${directive.Namespace} ${metric.Name} ${dimensions.map((d) => `${d}=${record[d]}`).join(',')}`,
          ),
        ),
      );
    } catch {
      return [];
    }
  });
}

interface ApiRequest {
  route: string;
  status: number;
  ms: number;
  responseBytes: number;
}
let apiRequests: ApiRequest[] = [];

async function call(method: string, path: string, token?: string, body?: unknown, route = path) {
  const started = performance.now();
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      'idempotency-key': `cost-${Date.now()}-${Math.random()}`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (metering) {
    apiRequests.push({
      route: `${method} ${route}`,
      status: response.status,
      ms: performance.now() - started,
      responseBytes: utf8(text),
    });
  }
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const token = async (claims: object) => {
  const wasMetering = metering;
  metering = false;
  const { token } = await call('POST', '/local/token', undefined, claims);
  metering = wasMetering;
  return token as string;
};

/** Waits for the work order to satisfy `done`, reading the table past the meter. */
async function until(id: string, done: (wo: any) => boolean) {
  for (;;) {
    const wo = await unmetered.run(true, () => getWorkOrder(id));
    if (wo && done(wo)) return wo;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function finishedExecution(workOrderId: string) {
  const executionArn = executionArnOf(workOrderId);
  for (;;) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return { executionArn, status, events };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface PathRun {
  name: string;
  executionArn: string;
  status: string | undefined;
  events: HistoryEvent[];
  api: ApiRequest[];
  dynamo: DynamoTally;
  s3: { reads: number; writes: number };
  loggedBytes: number;
}

async function measure(name: string, walk: () => Promise<string>): Promise<PathRun> {
  dynamo.tally = emptyTally();
  apiRequests = [];
  s3Requests.reads = 0;
  s3Requests.writes = 0;
  loggedBytes = 0;
  metering = true;
  const workOrderId = await walk();
  const execution = await finishedExecution(workOrderId);
  await runtime.settled();
  metering = false;
  return {
    name,
    ...execution,
    api: apiRequests,
    dynamo: dynamo.tally,
    s3: { ...s3Requests },
    loggedBytes,
  };
}

const customer = await token({ role: 'customer', customerId: 'cus_northwest_homes' });
const office = await token({ role: 'dispatcher' });
const approver = await token({ role: 'approver' });
const now = () => new Date().toISOString();

/** A customer's request, matched, dispatched and worked to the end: the path most work orders take. */
async function workToClose(id: string) {
  const dispatched = await until(id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
  const engineer = await token({ role: 'engineer', engineerId: dispatched.engineerId });
  const wo = `/v1/work-orders/${id}`;
  const route = '/v1/work-orders/{id}';
  await call('POST', `${wo}/acknowledge`, engineer, { accept: true }, `${route}/acknowledge`);
  await until(id, (record) => record.waitingFor === 'completion');
  await call(
    'POST',
    `${wo}/status`,
    engineer,
    { eventId: `${id}-on-site`, status: 'on_site', at: now() },
    `${route}/status`,
  );
  const material = { eventId: `${id}-material`, at: now(), sku: 'COMP-FITTING-15', qty: 2 };
  await call('POST', `${wo}/materials`, engineer, material, `${route}/materials`);
  await call(
    'POST',
    `${wo}/complete`,
    engineer,
    {
      eventId: `${id}-done`,
      outcome: 'fixed',
      findings: 'Perished washer on the kitchen supply',
      workDone: 'Replaced the compression fitting and tested for leaks',
      partsUsed: [{ sku: 'COMP-FITTING-15', qty: 2 }],
    },
    `${route}/complete`,
  );
  await until(id, (record) => record.status === 'closed');
}

const request = (description: string) =>
  call('POST', '/v1/requests', customer, {
    siteId: 'site_salford',
    category: 'leak',
    description,
    contact: { name: 'Jo Whitfield' },
  }).then((answer) => answer.id as string);
const replacement = () =>
  call('POST', '/v1/work-orders', office, {
    customerId: 'cus_northwest_homes',
    siteId: 'site_ancoats',
    assetIds: ['asset_boiler_ancoats'],
    jobType: 'boiler_replacement',
    description: 'Replace the condemned combi boiler',
  }).then((answer) => answer.id as string);

// A first work order, not counted: it loads every handler and warms the stores, as a deployed function's
// instances are warm between invocations (cold starts are priced apart, above).
{
  const id = await request('Warm-up: dripping tap');
  await workToClose(id);
  await finishedExecution(id);
  await runtime.settled();
}

const runs: PathRun[] = [];
runs.push(
  await measure('common (a customer request: matched, dispatched, worked, closed)', async () => {
    const id = await request('Water dripping from the kitchen ceiling');
    await workToClose(id);
    return id;
  }),
);
runs.push(
  await measure('with approval (created by the office, approved, worked, closed)', async () => {
    const id = await replacement();
    await until(id, (wo) => wo.status === 'pending_approval' && wo.waitingFor === 'approval');
    await call('POST', `/v1/work-orders/${id}/approve`, approver, undefined, '/v1/work-orders/{id}/approve');
    await workToClose(id);
    return id;
  }),
);
runs.push(
  await measure('rejection (created by the office, rejected)', async () => {
    const id = await replacement();
    await until(id, (wo) => wo.status === 'pending_approval' && wo.waitingFor === 'approval');
    await call(
      'POST',
      `/v1/work-orders/${id}/reject`,
      approver,
      { reason: 'Too costly this year' },
      '/v1/work-orders/{id}/reject',
    );
    return id;
  }),
);
runs.push(
  await measure('cancellation (a request, dispatched, then cancelled)', async () => {
    const id = await request('Drip under the bathroom basin');
    await until(id, (wo) => wo.status === 'dispatched' && wo.waitingFor === 'acknowledgement');
    await call(
      'POST',
      `/v1/work-orders/${id}/cancel`,
      office,
      { reason: 'Tenant fixed it' },
      '/v1/work-orders/{id}/cancel',
    );
    return id;
  }),
);

// The reconciler's minute, measured once on a quiet store: what an idle deployment runs every minute.
metering = true;
dynamo.tally = emptyTally();
const reconcileStarted = performance.now();
await reconcile();
const reconcileMs = performance.now() - reconcileStarted;
const reconcileRru = dynamo.tally.rru;
metering = false;

await runtime.close();
sfn.destroy();
raw.destroy();
for (const restore of restoreOutput) restore();

// ---------------------------------------------------------------------------------------------------------------
// Pricing.

interface Line {
  item: string;
  quantity: string;
  unit: string;
  cost: number;
}

const memoryOf = (handlerFile: string | undefined) =>
  (handlerFile && deployment.functions.get(handlerFile)?.memoryMb) || 512;
const tracedFn = (handlerFile: string | undefined) =>
  handlerFile ? (deployment.functions.get(handlerFile)?.tracing ?? true) : true;
const routeHandlers = new Map(routes.map((route) => [`${route.method} ${route.path}`, route.handler]));

function price(run: PathRun): { lines: Line[]; total: number; transitions: number; invocations: number } {
  const entered = run.events.filter((event) => event.type?.endsWith('StateEntered'));
  const transitions = entered.length;
  // Task invocations: each Task state entered, and each failed attempt the state retried.
  const tasks = entered
    .filter((event) => event.type === 'TaskStateEntered')
    .map((event) => stateInfo.get(event.stateEnteredEventDetails?.name ?? ''));
  const retried = run.events.filter((event) => event.type === 'TaskFailed' || event.type === 'TaskTimedOut').length;
  // A plain task's billed time: from its state's entry to its exit in the history (an upper bound of the Lambda's).
  const taskMs: number[] = [];
  for (const [i, event] of run.events.entries()) {
    if (event.type !== 'TaskStateEntered') continue;
    const name = event.stateEnteredEventDetails?.name;
    if (stateInfo.get(name ?? '')?.callback) continue;
    const exit = run.events
      .slice(i)
      .find((e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === name);
    if (exit?.timestamp && event.timestamp) taskMs.push(exit.timestamp.getTime() - event.timestamp.getTime());
  }
  const longestTaskMs = Math.max(1, ...taskMs);
  const taskFiles = tasks.map((info) => (info?.task ? workflowTasks[info.task] : undefined));
  const apiFiles = run.api.map((request) => routeHandlers.get(request.route));
  const invocations = run.api.length + tasks.length + retried;

  let gbSeconds = 0;
  run.api.forEach((request, i) => {
    gbSeconds += (Math.ceil(request.ms) / 1000) * (memoryOf(apiFiles[i]) / 1024);
  });
  let plainIndex = 0;
  tasks.forEach((info, i) => {
    const ms = info?.callback ? longestTaskMs : (taskMs[plainIndex++] ?? longestTaskMs);
    gbSeconds += (Math.ceil(ms) / 1000) * (memoryOf(taskFiles[i]) / 1024);
  });
  const meanMemoryGb =
    [...apiFiles, ...taskFiles].reduce((sum, file) => sum + memoryOf(file) / 1024, 0) /
    Math.max(1, apiFiles.length + taskFiles.length);
  const initGbSeconds = invocations * coldStartShare * (initMs / 1000) * meanMemoryGb;

  // The live channel: a publisher run per feed event the bus carries, each one AppSync publish.
  const livePublishes = deployment.pipes && deployment.liveChannel ? run.dynamo.domainEvents : 0;
  const livePublishGbSeconds = livePublishes * (livePublishMs / 1000) * (memoryOf('functions/live/publish.ts') / 1024);

  // Logs: the functions' own lines (at least one JSON line each), the API's access log lines, the state machine's.
  const functionLogBytes =
    Math.max(run.loggedBytes, invocations * logLineBytesPerInvocation) + livePublishes * logLineBytesPerInvocation;
  const accessLogBytes = deployment.accessLogFormat
    ? run.api.reduce((sum, request) => sum + accessLogLine(request).length + 1, 0)
    : 0;
  const level = deployment.stateMachine.logLevel;
  let sfnLogBytes = 0;
  let sfnLogEvents = 0;
  awsEventTypes(run.events).forEach((type, i) => {
    if (!loggedAt(level, type)) return;
    sfnLogEvents++;
    sfnLogBytes += sfnLogEventBytes(
      type,
      i + 1,
      run.executionArn,
      type.endsWith('State') ? undefined : 'LoadWorkOrder',
    );
  });
  const logBytes = functionLogBytes + accessLogBytes + sfnLogBytes;

  // X-Ray: an API function with active tracing starts a trace per request; a traced state machine makes one trace per
  // execution that its task functions join; untraced, each traced task function starts its own.
  const apiTraces = apiFiles.filter(tracedFn).length;
  const taskTraces = deployment.stateMachine.tracing
    ? 1
    : taskFiles.filter(tracedFn).length + (retried > 0 && taskFiles.some(tracedFn) ? retried : 0);
  const traces = apiTraces + taskTraces;

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const lines: Line[] = [
    {
      item: 'Step Functions state transitions',
      quantity: String(transitions),
      unit: '$0.025/1k',
      cost: transitions * prices.stateTransition,
    },
    {
      item: `Lambda requests (${run.api.length} API, ${tasks.length} tasks${retried ? `, ${retried} retries` : ''})`,
      quantity: String(invocations),
      unit: '$0.20/M',
      cost: invocations * prices.lambdaRequest,
    },
    {
      item: 'Lambda duration (measured in process, arm64)',
      quantity: `${gbSeconds.toFixed(3)} GB-s`,
      unit: '$0.0000133/GB-s',
      cost: gbSeconds * prices.lambdaArmGbSecond,
    },
    {
      item: `Lambda INIT (assumed: 1 in ${Math.round(1 / coldStartShare)} cold, ${initMs} ms)`,
      quantity: `${initGbSeconds.toFixed(3)} GB-s`,
      unit: '$0.0000133/GB-s',
      cost: initGbSeconds * prices.lambdaArmGbSecond,
    },
    {
      item: `DynamoDB writes (${run.dynamo.requests} requests in all)`,
      quantity: `${run.dynamo.wru} WRU`,
      unit: '$0.625/M',
      cost: run.dynamo.wru * prices.dynamoWriteRequestUnit,
    },
    {
      item: 'DynamoDB reads',
      quantity: `${run.dynamo.rru} RRU`,
      unit: '$0.125/M',
      cost: run.dynamo.rru * prices.dynamoReadRequestUnit,
    },
    {
      item: 'HTTP API requests',
      quantity: String(run.api.length),
      unit: '$1.00/M',
      cost: run.api.length * prices.httpApiRequest,
    },
    {
      item: 'EventBridge Pipe requests (feed events)',
      quantity: String(deployment.pipes ? run.dynamo.domainEvents : 0),
      unit: '$0.40/M',
      cost: (deployment.pipes ? run.dynamo.domainEvents : 0) * prices.pipeRequest,
    },
    {
      item: 'EventBridge events put on the bus',
      quantity: String(deployment.pipes ? run.dynamo.domainEvents : 0),
      unit: '$1.00/M',
      cost: (deployment.pipes ? run.dynamo.domainEvents : 0) * prices.eventBridgeEvent,
    },
    {
      item: `Live channel: publisher runs (one a feed event, ${livePublishMs} ms assumed)`,
      quantity: `${livePublishes}, ${livePublishGbSeconds.toFixed(2)} GB-s`,
      unit: '$0.20/M, per GB-s',
      cost: livePublishes * prices.lambdaRequest + livePublishGbSeconds * prices.lambdaArmGbSecond,
    },
    {
      item: `Live channel: AppSync publishes and deliveries (${officeConsoles} consoles)`,
      quantity: String(livePublishes * (1 + officeConsoles)),
      unit: '$1.00/M',
      cost: livePublishes * (1 + officeConsoles) * prices.appSyncEventOperation,
    },
    {
      item: `CloudWatch Logs: functions (${run.loggedBytes ? 'captured' : `assumed ${logLineBytesPerInvocation} B each`})`,
      quantity: kb(functionLogBytes),
      unit: '$0.50/GB',
      cost: (functionLogBytes / 1024 ** 3) * prices.logsIngestedGb,
    },
    {
      item: 'CloudWatch Logs: API access log',
      quantity: kb(accessLogBytes),
      unit: '$0.50/GB',
      cost: (accessLogBytes / 1024 ** 3) * prices.logsIngestedGb,
    },
    {
      item: `CloudWatch Logs: state machine (${level}, ${sfnLogEvents} events)`,
      quantity: kb(sfnLogBytes),
      unit: '$0.50/GB',
      cost: (sfnLogBytes / 1024 ** 3) * prices.logsIngestedGb,
    },
    {
      item: `X-Ray traces (${apiTraces} API, ${taskTraces} workflow)`,
      quantity: String(traces),
      unit: '$5.00/M',
      cost: traces * prices.xrayTrace,
    },
    {
      item: 'S3 requests (writes, reads)',
      quantity: `${run.s3.writes}, ${run.s3.reads}`,
      unit: '$0.005/1k, $0.0004/1k',
      cost: run.s3.writes * prices.s3Write + run.s3.reads * prices.s3Read,
    },
  ];
  void logBytes;
  return { lines, total: lines.reduce((sum, line) => sum + line.cost, 0), transitions, invocations };
}

/** One access log line as the stage's format writes it: the request's own route, status, latency and length. */
function accessLogLine(request: ApiRequest): string {
  const values: Record<string, string> = {
    '$context.requestId': 'Kd7aXjF0IAMEVfA=',
    '$context.requestTime': '02/Dec/2026:10:42:17 +0000',
    '$context.identity.sourceIp': '203.0.113.10',
    '$context.routeKey': request.route,
    '$context.status': String(request.status),
    '$context.responseLatency': String(Math.round(request.ms)),
    '$context.responseLength': String(request.responseBytes),
    '$context.authorizer.claims.sub': '0f4c2a6e-5b1d-4c8e-9a3f-7d2e1b6c4a90',
    '$context.authorizer.error': '-',
    '$context.integrationErrorMessage': '-',
  };
  return String(deployment.accessLogFormat).replace(/\$context\.[\w.]+/g, (name) => values[name] ?? '-');
}

const usd = (amount: number, digits = 7) => `$${amount.toFixed(digits)}`;
const [common, ...others] = runs as [PathRun, ...PathRun[]];
const priced = price(common);

console.log(`cost per work order, deployed, at us-east-1 list prices (arm64 Lambda, on-demand DynamoDB)`);
console.log(
  `stack: state machine logs ${deployment.stateMachine.logLevel}, tracing ${deployment.stateMachine.tracing ? 'on' : 'off'}; ` +
    `functions traced ${[...deployment.functions.values()].filter((fn) => fn.tracing).length}/${deployment.functions.size}; ` +
    `indexes ${indexes.map((index) => `${index.name} ${index.projection}`).join(', ')}` +
    (deployment.note ? `; ${deployment.note}` : ''),
);
console.log(`path: ${common.name} (execution ${common.status})`);
console.log('');
console.log(`${'item'.padEnd(58)} ${'quantity'.padStart(14)}  ${'unit price'.padEnd(22)} ${'cost'.padStart(10)}`);
for (const line of priced.lines) {
  console.log(
    `${line.item.padEnd(58)} ${line.quantity.padStart(14)}  ${line.unit.padEnd(22)} ${usd(line.cost).padStart(10)}`,
  );
}
console.log(`${'total per work order'.padEnd(97)} ${usd(priced.total).padStart(10)}`);
console.log(
  `${`per ${workOrdersPerMonth.toLocaleString('en')} work orders a month`.padEnd(97)} ${usd(priced.total * workOrdersPerMonth, 2).padStart(10)}`,
);
console.log(
  `${`  and, once published in a month, ${customMetrics.size} custom metrics the run's functions wrote ($0.30 each)`.padEnd(97)} ${usd(customMetrics.size * prices.customMetricMonth, 2).padStart(10)}`,
);
console.log(
  [
    'measured in this process against the embedded stores: an API call for its round trip, a task from its state',
    "entered to left, a wait's own invocation as the longest task; assumed: the cold starts, and every request traced",
    "(X-Ray's default rule records the first request each second, nearly all at this volume).",
  ].join('\n'),
);

console.log('');
console.log('other paths');
console.log(
  `  ${'path'.padEnd(66)} ${'transitions'.padStart(11)} ${'invocations'.padStart(11)} ${'WRU'.padStart(5)} ${'cost'.padStart(10)}`,
);
for (const run of [common, ...others]) {
  const { total, transitions, invocations } = price(run);
  const name = run.status === 'SUCCEEDED' ? run.name : `${run.name}, ${run.status}`;
  console.log(
    `  ${name.padEnd(66)} ${String(transitions).padStart(11)} ${String(invocations).padStart(11)} ${String(run.dynamo.wru).padStart(5)} ${usd(total).padStart(10)}`,
  );
}

// Idle: the stack's fixed-price resources, and its schedules' runs (the reconciler's measured once, above).
console.log('');
console.log('idle deployment, a month');
let idle = 0;
for (const fixed of deployment.fixed) {
  idle += fixed.monthly;
  console.log(
    `  ${`${fixed.item}`.padEnd(64)} ${String(fixed.count).padStart(8)}  ${usd(fixed.monthly, 2).padStart(10)}`,
  );
}
for (const schedule of deployment.schedules) {
  const runsMonthly = schedule.perMonth;
  const memoryGb = memoryOf(schedule.handlerFile) / 1024;
  // Measured for the reconciler; the daily run is priced as one of its runs.
  const ms = reconcileMs;
  const perRun =
    prices.schedulerInvocation +
    prices.lambdaRequest +
    (Math.ceil(ms) / 1000) * memoryGb * prices.lambdaArmGbSecond +
    reconcileRru * prices.dynamoReadRequestUnit +
    (tracedFn(schedule.handlerFile) ? prices.xrayTrace : 0) +
    (logLineBytesPerInvocation / 1024 ** 3) * prices.logsIngestedGb;
  idle += runsMonthly * perRun;
  console.log(
    `  ${`${schedule.expression} → ${schedule.handlerFile ?? '?'} (${Math.round(ms)} ms, ${reconcileRru} RRU a run)`.padEnd(64)} ${runsMonthly.toLocaleString('en').padStart(8)}  ${usd(runsMonthly * perRun, 2).padStart(10)}`,
  );
}
console.log(`  ${'total'.padEnd(74)} ${usd(idle, 2).padStart(10)}`);
if (deployment.pipes) {
  const polls = 4 * 86_400 * 30;
  const streams = Math.max(0, polls - 2_500_000) * prices.dynamoStreamsReadRequest;
  console.log(
    `  not in the total: the pipe polls the table's stream (about 4 GetRecords a second a shard); if Pipes' reads are\n` +
      `  billed as a non-Lambda consumer's, that is ${usd(streams, 2)} a month a shard past the free 2.5 M.`,
  );
}
console.log(
  `  storage (DynamoDB, S3, logs kept) is priced per GB-month and not counted; free tiers left out: ${freeTiersLeftOut.join(', ')}.`,
);

if (detail) {
  console.log('');
  console.log(`DynamoDB by entity, ${common.name}`);
  console.log(
    `  ${'entity'.padEnd(18)} ${'writes'.padStart(7)} ${'table WRU'.padStart(10)} ${'index WRU'.padStart(10)} ${'reads'.padStart(6)} ${'RRU'.padStart(6)}`,
  );
  for (const [entity, tally] of [...common.dynamo.byEntity].sort(
    (a, b) => b[1].tableWru + b[1].indexWru - a[1].tableWru - a[1].indexWru,
  )) {
    console.log(
      `  ${entity.padEnd(18)} ${String(tally.writes).padStart(7)} ${String(tally.tableWru).padStart(10)} ${String(tally.indexWru).padStart(10)} ${String(tally.reads).padStart(6)} ${String(tally.rru).padStart(6)}`,
    );
  }
  console.log(
    `  index write units: ${[...common.dynamo.byIndex].map(([index, units]) => `${index} ${units}`).join(', ')}`,
  );
  console.log('');
  console.log('states entered');
  for (const run of [common, ...others]) {
    const names = run.events.flatMap((event) => event.stateEnteredEventDetails?.name ?? []);
    console.log(`  ${run.name}: ${names.join(' → ')}`);
  }
  console.log('');
  console.log('API requests');
  for (const request of common.api) console.log(`  ${request.route} ${request.status} ${request.ms.toFixed(1)} ms`);
}
process.exit(0);
