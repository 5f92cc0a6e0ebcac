import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { queryObjects } from 'node:v8';
import type { JsonAnswer } from './in-process.ts';

/*
 * dynalite ships CommonJS without type declarations. Its store, its request validations and its actions are used
 * directly (as its own HTTP handler uses them), in this process: the declarations below are the parts this file uses.
 */
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));

/** A DynamoDB item, key or request in the JSON wire format (`{ pk: { S: '...' } }`). */
// biome-ignore lint/suspicious/noExplicitAny: the wire format is dynalite's untyped JSON, checked by its validations.
type Wire = Record<string, any>;
type Callback<T = Wire> = (error?: DynaliteError | null, result?: T) => void;
/** dynalite's errors: a DynamoDB error (`statusCode` and the wire `body`), or a fault of its own. */
type DynaliteError = Error & { statusCode?: number; body?: Wire };

interface Table {
  TableName: string;
  TableStatus: string;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
}

interface SubDb {
  get(key: string, callback: Callback<Wire | undefined>): void;
  put(key: string, value: Wire, callback: Callback<void>): void;
  del(key: string, callback: Callback<void>): void;
  lock(key: string, exec: (release: <F>(callback: F) => F) => void): void;
}

interface LevelOperation {
  type: 'put' | 'del';
  key: string;
  value?: Wire;
}

interface DynaliteStore {
  options: { maxItemSize: number };
  db: { batch(operations: LevelOperation[], callback: (error?: Error) => void): void };
  getTable(name: string, checkStatus: boolean | Callback<Table>, callback?: Callback<Table>): void;
  getItemDb(table: string): SubDb;
  getIndexDb(type: string, table: string, index: string): SubDb;
  lifecycleManager: { gracefulClose(callback: (error?: Error) => void): void };
}

type Action = (store: DynaliteStore, data: Wire, callback: Callback) => void;
interface ActionValidation {
  types: Wire;
  custom?: unknown;
}

const dynaliteDb = fromDynalite('./db') as {
  create(options: {
    path?: string;
    createTableMs: number;
    deleteTableMs: number;
    updateTableMs: number;
  }): DynaliteStore;
  createKey(item: Wire, table: Table): string;
  validateItem(item: Wire, table: Table): DynaliteError | null;
  validateKey(key: Wire, table: Table): DynaliteError | null;
  checkConditional(data: Wire, existing: Wire | undefined): DynaliteError | null;
};
const validations = fromDynalite('./validations') as {
  checkTypes(data: Wire, types: Wire): Wire;
  checkValidations(data: Wire, types: Wire, custom: unknown, store: DynaliteStore): void;
};

/** The operations dynalite implements, each with its validation and action. */
const dynaliteOperations = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
] as const;
type DynaliteOperation = (typeof dynaliteOperations)[number];
const lowerFirst = (name: string) => name[0]?.toLowerCase() + name.slice(1);
const actions = Object.fromEntries(
  dynaliteOperations.map((name) => [
    name,
    {
      validation: fromDynalite(`./validations/${lowerFirst(name)}`) as ActionValidation,
      run: fromDynalite(`./actions/${lowerFirst(name)}`) as Action,
    },
  ]),
) as Record<DynaliteOperation, { validation: ActionValidation; run: Action }>;

interface LevelIteratorClass {
  new (...args: never[]): unknown;
  prototype: { return?: () => Promise<void>; close(): Promise<void> };
}

/**
 * The iterator classes of abstract-level, the library under both stores dynalite opens (LevelDB with a `path`,
 * memory-level without), resolved as dynalite itself loads them.
 */
function levelIteratorClasses(): LevelIteratorClass[] {
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const bindings = [fromLevel.resolve('classic-level'), fromDynalite.resolve('memory-level')];
  const modules = new Set(bindings.map((binding) => createRequire(binding).resolve('abstract-level')));
  return [...modules].flatMap((module) => {
    const { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } = fromDynalite(module);
    return [AbstractIterator, AbstractKeyIterator, AbstractValueIterator] as LevelIteratorClass[];
  });
}

/**
 * dynalite 4.0.0 ends each query's stream with `iterator.return()`, which abstract-level 3 iterators do not have
 * (they have `close()`), so every query left its iterators open for good: attached to the store, and with LevelDB
 * a native iterator and its snapshot each. Mapping `return()` to `close()` lets them go.
 */
for (const Iterator of levelIteratorClasses()) {
  Iterator.prototype.return ??= function close(this: { close(): Promise<void> }) {
    return this.close();
  };
}

/**
 * How many abstract-level iterators are alive in this process after a full garbage collection: the ones still open
 * (an open iterator is held by its store; a closed one is collected). For tests and benchmarks of the leak above.
 * Counted from the classes' common base, one heap walk (about a second) for all three.
 */
export function liveLevelIterators(): number {
  const bases = new Set(
    levelIteratorClasses().map((Iterator) => Object.getPrototypeOf(Iterator) as LevelIteratorClass),
  );
  return [...bases].reduce((count, base) => count + queryObjects(base, { format: 'count' }), 0);
}

/**
 * Where dynalite 4 keeps a table's items and an index's entries in its one LevelDB: each under a prefix of the main
 * store (its db/index.js, getSubDb). A transaction writes them all in one batch of the main store, so it needs the
 * prefixes; `checkLayout` proves them on every start, so a dynalite that lays its data out otherwise fails at once.
 */
const itemPrefix = (table: string) => `item-${table}~`;
const indexPrefix = (type: string, table: string, index: string) => `index-${type.toLowerCase()}~${table}~${index}~`;

/** dynalite's store in this process, answering DynamoDB calls. */
export interface LocalStore {
  /** Answers one call as DynamoDB would: its target (`DynamoDB_20120810.GetItem`) and its JSON body. */
  call(target: string, body: string): Promise<JsonAnswer>;
  /**
   * Refuses a share (0 to 1) of data calls from now on, as DynamoDB does when throttled: a read or write answers
   * `ProvisionedThroughputExceededException` or `ThrottlingException`, a transaction is cancelled with
   * `ThrottlingError`. Nothing is written by a refused call. For tests of what the product does under throttling.
   */
  refuse(share: number): void;
  close(): Promise<void>;
}

const API_PREFIX = 'DynamoDB_20120810.';
const MAX_TRANSACT_ITEMS = 100;
// AWS honours a ClientRequestToken for ten minutes.
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;
type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
const WRITE_KINDS: WriteKind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];
/** The calls a throttled table refuses (table management is never throttled this way). */
const DATA_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);
const TABLE_CHANGES = new Set(['CreateTable', 'UpdateTable', 'DeleteTable']);

/** An error DynamoDB answers with, as dynalite's actions raise it. */
class DynamoError extends Error {
  readonly statusCode = 400;
  readonly body: Wire;

  constructor(type: string, message: string, extra: Wire = {}) {
    super(message);
    this.body = { __type: type, message, ...extra };
  }
}

const validationError = (message: string) => new DynamoError('com.amazon.coral.validate#ValidationException', message);

/**
 * Locks on item keys: a holder has every key it asked for, or waits for all of them. A request joins every key's
 * queue at once, in one synchronous step, so the queues agree on the order of any two requests and no two can wait
 * on each other: there is no deadlock, in whatever order the keys come.
 */
class KeyLocks {
  private readonly queues = new Map<string, Array<() => void>>();

  acquire(keys: string[]): Promise<() => void> {
    const unique = [...new Set(keys)];
    return new Promise((resolve) => {
      let waiting = unique.length;
      const release = () => {
        for (const key of unique) {
          const queue = this.queues.get(key) ?? [];
          queue.shift();
          if (queue.length > 0) queue[0]?.();
          else this.queues.delete(key);
        }
      };
      const grant = () => {
        waiting -= 1;
        if (waiting === 0) resolve(release);
      };
      if (unique.length === 0) resolve(release);
      for (const key of unique) {
        const queue = this.queues.get(key);
        if (queue) queue.push(grant);
        else {
          this.queues.set(key, [grant]);
          grant();
        }
      }
    });
  }
}

/** One write of a group (a transaction, a batch, or a single write), validated as its own DynamoDB call would be. */
interface Write {
  kind: WriteKind;
  data: Wire;
  table: Table;
  key: string;
}

/** A write's outcome: the action's answer, or the DynamoDB error it raised (a condition that did not hold...). */
type Outcome = { ok: true; answer: Wire } | { ok: false; error: DynaliteError; item?: Wire };

/**
 * Opens dynalite's store in this process and answers DynamoDB calls on it: reads through dynalite's own actions;
 * every write (a single one, a batch, a transaction) under locks on the items it touches, its conditions checked
 * against the items as they are, and then written, items and index entries alike, in one atomic LevelDB batch, so a
 * crash leaves all of it or none. dynalite lacks `TransactWriteItems` and `TransactGetItems`; these are them.
 * @param options.path LevelDB folder that keeps the data across restarts; omit for an in-memory store.
 */
export async function openLocalStore(options: { path?: string }): Promise<LocalStore> {
  const store = dynaliteDb.create({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await checkLayout(store);
  const locks = new KeyLocks();
  const completedTokens = new Map<string, { fingerprint: string; expires: number }>();
  const runningTokens = new Map<string, Promise<void>>();
  // Descriptions of active tables, which dynalite would read from LevelDB and parse again on every call. A read
  // that a table change overlapped is not kept: it may have seen the table before the change.
  const tables = new Map<string, Table>();
  let tableChanges = { running: 0, epoch: 0 };

  function getTable(name: string, checkStatus: boolean | Callback<Table>, callback?: Callback<Table>): void {
    const done = (typeof checkStatus === 'function' ? checkStatus : callback) as Callback<Table>;
    const cached = tables.get(name);
    if (cached) {
      done(null, cached);
      return;
    }
    const epoch = tableChanges.epoch;
    store.getTable(name, typeof checkStatus === 'boolean' && checkStatus, (error, table) => {
      const unchanged = tableChanges.running === 0 && tableChanges.epoch === epoch;
      if (table?.TableStatus === 'ACTIVE' && unchanged) tables.set(name, table);
      done(error, table);
    });
  }
  const reading: DynaliteStore = { ...store, getTable };

  const table = (name: string) =>
    new Promise<Table>((resolve, reject) =>
      getTable(name, (error, found) => (error || !found ? reject(error) : resolve(found))),
    );
  const act = (run: Action, target: DynaliteStore, data: Wire) =>
    new Promise<Wire>((resolve, reject) =>
      run(target, data, (error, answer) => (error ? reject(error) : resolve(answer ?? {}))),
    );

  /** A call's input checked as dynalite's HTTP handler checks it (types, then the operation's own rules). */
  function validated(operation: DynaliteOperation, input: Wire): Wire {
    const { validation } = actions[operation];
    const data = validations.checkTypes(input, validation.types);
    validations.checkValidations(data, validation.types, validation.custom, reading);
    return data;
  }

  /** A write of a group, validated, with its table and the key of the item it touches. */
  async function prepare(kind: WriteKind, input: Wire): Promise<Write> {
    const data = validated(kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem', input);
    const found = await table(data.TableName);
    const invalid =
      kind === 'Put' ? dynaliteDb.validateItem(data.Item, found) : dynaliteDb.validateKey(data.Key, found);
    if (invalid) throw invalid;
    return { kind, data, table: found, key: dynaliteDb.createKey(kind === 'Put' ? data.Item : data.Key, found) };
  }

  /**
   * A store on which dynalite's write actions read the items as they are and stage what they would write into
   * `staged`, for one batch. The caller holds the items' locks.
   */
  function staging(staged: LevelOperation[]): DynaliteStore {
    const stage = (prefix: string) => ({
      put(key: string, value: Wire, callback: Callback<void>) {
        staged.push({ type: 'put', key: prefix + key, value });
        callback(null);
      },
      del(key: string, callback: Callback<void>) {
        staged.push({ type: 'del', key: prefix + key });
        callback(null);
      },
    });
    return {
      ...reading,
      getItemDb(name) {
        const items = store.getItemDb(name);
        return { ...stage(itemPrefix(name)), get: items.get, lock: (_key, exec) => exec((callback) => callback) };
      },
      getIndexDb(type, name, index) {
        return { ...store.getIndexDb(type, name, index), ...stage(indexPrefix(type, name, index)) };
      },
    };
  }

  /**
   * Runs a group of writes, all or nothing: locks their items, runs each write's action on a staging store (its
   * condition checked against the item as it is) and, when every write may go, writes what they staged in one batch.
   * A write that may not go answers with the item as it stood.
   */
  async function writeGroup(writes: Write[]): Promise<Outcome[]> {
    const release = await locks.acquire(writes.map((write) => `${write.table.TableName}\u0000${write.key}`));
    try {
      const staged: LevelOperation[] = [];
      const outcomes: Outcome[] = [];
      for (const write of writes) {
        const outcome = await runWrite(write, staging(staged));
        outcomes.push(outcome.ok ? outcome : { ...outcome, item: await current(write) });
      }
      if (outcomes.every((outcome) => outcome.ok) && staged.length > 0) {
        await new Promise<void>((resolve, reject) =>
          store.db.batch(staged, (error) => (error ? reject(error) : resolve())),
        );
      }
      return outcomes;
    } finally {
      release();
    }
  }

  async function runWrite(write: Write, target: DynaliteStore): Promise<Outcome> {
    try {
      if (write.kind === 'ConditionCheck') {
        const existing = await current(write);
        const failed = dynaliteDb.checkConditional(write.data, existing);
        return failed ? { ok: false, error: failed } : { ok: true, answer: {} };
      }
      const action = write.kind === 'Put' ? 'PutItem' : write.kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
      return { ok: true, answer: await act(actions[action].run, target, write.data) };
    } catch (error) {
      const failure = error as DynaliteError;
      if (failure.statusCode === undefined) throw failure;
      return { ok: false, error: failure };
    }
  }

  async function transactWrite(input: Wire): Promise<Wire> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_TRANSACT_ITEMS) {
      throw validationError(`TransactItems must hold between 1 and ${MAX_TRANSACT_ITEMS} items`);
    }
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    if (token === undefined) return runTransaction(items);
    // A retry that arrives while its first attempt still runs waits for it, then answers as a retry.
    for (let running = runningTokens.get(token); running; running = runningTokens.get(token)) await running;
    const run = idempotent(token, items);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    runningTokens.set(token, settled);
    try {
      return await run;
    } finally {
      if (runningTokens.get(token) === settled) runningTokens.delete(token);
    }
  }

  /** A transaction with a client token: applied once within the window, answered again as it was. */
  async function idempotent(token: string, items: Wire[]): Promise<Wire> {
    const fingerprint = createHash('sha256').update(JSON.stringify(items)).digest('hex');
    const now = Date.now();
    // The SDK gives every transaction a token, so the map holds ten minutes of them: they expire in the order they
    // were added, and the sweep stops at the first that has not.
    for (const [key, entry] of completedTokens) {
      if (entry.expires >= now) break;
      completedTokens.delete(key);
    }
    const previous = completedTokens.get(token);
    if (previous) {
      if (previous.fingerprint === fingerprint) return {};
      throw new DynamoError(
        'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
        'The request uses the same client token as a previous, but non-identical request.',
      );
    }
    const answer = await runTransaction(items);
    completedTokens.set(token, { fingerprint, expires: Date.now() + IDEMPOTENCY_WINDOW_MS });
    return answer;
  }

  async function runTransaction(items: Wire[]): Promise<Wire> {
    const writes: Write[] = [];
    const returnOld: boolean[] = [];
    for (const entry of items as Array<Partial<Record<WriteKind, Wire>>>) {
      const kinds = WRITE_KINDS.filter((kind) => entry[kind] !== undefined);
      const kind = kinds[0];
      const op = kind === undefined ? undefined : entry[kind];
      if (kinds.length !== 1 || kind === undefined || op === undefined) {
        throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
      }
      const { ReturnValuesOnConditionCheckFailure: returnValues, ...rest } = op;
      writes.push(await prepare(kind, rest));
      returnOld.push(returnValues === 'ALL_OLD');
    }
    const identities = new Set(writes.map((write) => `${write.table.TableName}\u0000${write.key}`));
    if (identities.size < writes.length) {
      throw validationError('Transaction request cannot include multiple operations on one item');
    }

    const outcomes = await writeGroup(writes);
    const failed = outcomes.find((outcome) => !outcome.ok && !isConditionFailure(outcome.error));
    if (failed && !failed.ok) throw failed.error;
    if (outcomes.some((outcome) => !outcome.ok)) {
      const reasons = outcomes.map((outcome, index) =>
        outcome.ok
          ? { Code: 'None' }
          : {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(returnOld[index] && outcome.item && { Item: outcome.item }),
            },
      );
      const codes = reasons.map((reason) => reason.Code).join(', ');
      throw new DynamoError(
        'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        { CancellationReasons: reasons },
      );
    }
    return {};
  }

  /** The item a write touches, as it is now. */
  function current(write: Write): Promise<Wire | undefined> {
    return new Promise((resolve, reject) =>
      store
        .getItemDb(write.table.TableName)
        .get(write.key, (error, item) =>
          error && error.name !== 'NotFoundError' ? reject(error) : resolve(error ? undefined : item),
        ),
    );
  }

  async function transactGet(input: Wire): Promise<Wire> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_TRANSACT_ITEMS) {
      throw validationError(`TransactItems must hold between 1 and ${MAX_TRANSACT_ITEMS} items`);
    }
    const gets: Array<{ data: Wire; table: Table; key: string }> = [];
    for (const entry of items as Array<{ Get?: Wire }>) {
      if (!entry.Get) throw validationError('TransactGetItems can only contain Get items');
      const data = validated('GetItem', entry.Get);
      const found = await table(data.TableName);
      const invalid = dynaliteDb.validateKey(data.Key, found);
      if (invalid) throw invalid;
      gets.push({ data, table: found, key: dynaliteDb.createKey(data.Key, found) });
    }
    // Under the items' locks, no write lands between two of the reads.
    const release = await locks.acquire(gets.map((get) => `${get.table.TableName}\u0000${get.key}`));
    try {
      const responses = await Promise.all(
        gets.map(async ({ data }) => {
          const { Item } = await act(actions.GetItem.run, reading, data);
          return Item ? { Item } : {};
        }),
      );
      return { Responses: responses };
    } finally {
      release();
    }
  }

  /** A single write, a group of one. */
  async function writeOne(kind: WriteKind, input: Wire): Promise<Wire> {
    const [outcome] = await writeGroup([await prepare(kind, input)]);
    if (!outcome) throw new Error('A write had no outcome.');
    if (!outcome.ok) throw outcome.error;
    return outcome.answer;
  }

  /** A batch write: its puts and deletes, unconditional, written together. */
  async function batchWrite(input: Wire): Promise<Wire> {
    const data = validated('BatchWriteItem', input);
    const writes: Write[] = [];
    for (const [TableName, requests] of Object.entries(data.RequestItems as Record<string, Wire[]>)) {
      for (const request of requests) {
        writes.push(
          request.PutRequest
            ? await prepare('Put', { TableName, Item: request.PutRequest.Item })
            : await prepare('Delete', { TableName, Key: request.DeleteRequest.Key }),
        );
      }
    }
    const failed = (await writeGroup(writes)).find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw failed.error;
    return { UnprocessedItems: {} };
  }

  async function answer(operation: string, input: Wire): Promise<Wire> {
    switch (operation) {
      case 'TransactWriteItems':
        return transactWrite(input);
      case 'TransactGetItems':
        return transactGet(input);
      case 'PutItem':
        return writeOne('Put', input);
      case 'UpdateItem':
        return writeOne('Update', input);
      case 'DeleteItem':
        return writeOne('Delete', input);
      case 'BatchWriteItem':
        return batchWrite(input);
    }
    if (!(dynaliteOperations as readonly string[]).includes(operation)) {
      throw new DynamoError('com.amazon.coral.service#UnknownOperationException', `Unknown operation ${operation}`);
    }
    const known = operation as DynaliteOperation;
    if (!TABLE_CHANGES.has(operation)) return act(actions[known].run, reading, validated(known, input));
    tableChanges = { running: tableChanges.running + 1, epoch: tableChanges.epoch + 1 };
    tables.clear();
    try {
      return await act(actions[known].run, reading, validated(known, input));
    } finally {
      tableChanges = { running: tableChanges.running - 1, epoch: tableChanges.epoch + 1 };
      tables.clear();
    }
  }

  let refusedShare = 0;
  function throttled(operation: string, input: Wire): DynamoError | undefined {
    if (refusedShare === 0 || !DATA_OPERATIONS.has(operation) || Math.random() >= refusedShare) return undefined;
    if (operation === 'TransactWriteItems') {
      const count = Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
      return new DynamoError(
        'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        'Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]',
        {
          CancellationReasons: Array.from({ length: count }, (_, i) => ({
            Code: i === 0 ? 'ThrottlingError' : 'None',
          })),
        },
      );
    }
    return Math.random() < 0.5
      ? new DynamoError(
          'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded.',
        )
      : new DynamoError(
          'com.amazon.coral.availability#ThrottlingException',
          'Rate of requests exceeds the allowed throughput.',
        );
  }

  async function call(target: string, body: string): Promise<JsonAnswer> {
    try {
      if (!target.startsWith(API_PREFIX)) {
        throw new DynamoError('com.amazon.coral.service#UnknownOperationException', `Unknown target ${target}`);
      }
      const operation = target.slice(API_PREFIX.length);
      let input: Wire;
      try {
        input = JSON.parse(body || '{}') as Wire;
      } catch {
        throw new DynamoError('com.amazon.coral.service#SerializationException', 'Malformed JSON');
      }
      const refused = throttled(operation, input);
      if (refused) throw refused;
      return { status: 200, body: JSON.stringify(await answer(operation, input)) };
    } catch (error) {
      const failure = error as DynaliteError;
      if (failure.statusCode !== undefined && failure.body) {
        return { status: failure.statusCode, body: JSON.stringify(failure.body) };
      }
      console.error('[local dynamodb]', error);
      return {
        status: 500,
        body: JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: String(error),
        }),
      };
    }
  }

  return {
    call,
    refuse(share) {
      refusedShare = Math.min(Math.max(share, 0), 1);
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        store.lifecycleManager.gracefulClose((error) => (error ? reject(error) : resolve())),
      ),
  };
}

function isConditionFailure(error: DynaliteError): boolean {
  return String(error.body?.__type ?? '').endsWith('#ConditionalCheckFailedException');
}

/** Fails when dynalite keeps a table's items anywhere but under `itemPrefix` (see there). */
async function checkLayout(store: DynaliteStore): Promise<void> {
  const probe = '\u0000layout-probe';
  const through = (run: (callback: Callback<Wire | undefined>) => void) =>
    new Promise<Wire | undefined>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))));
  await through((done) => store.db.batch([{ type: 'put', key: itemPrefix(probe) + probe, value: { S: 'x' } }], done));
  const read = await through((done) =>
    store.getItemDb(probe).get(probe, (error, value) => done(error?.name === 'NotFoundError' ? null : error, value)),
  );
  await through((done) => store.db.batch([{ type: 'del', key: itemPrefix(probe) + probe }], done));
  if (read?.S !== 'x') throw new Error('dynalite no longer keeps items where local/dynalite-store.ts writes them.');
}
