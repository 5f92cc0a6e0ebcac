import { createHash } from 'node:crypto';
import { Agent, createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { queryObjects } from 'node:v8';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { tableKeys } from '#shared/db/table.ts';

interface DynaliteOptions {
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}

// dynalite ships CommonJS without type declarations.
const requireHere = createRequire(import.meta.url);
const dynalite = requireHere('dynalite') as (options: DynaliteOptions) => Server;

interface LevelIteratorClass {
  new (...args: never[]): unknown;
  prototype: { return?: () => Promise<void>; close(): Promise<void> };
}

/**
 * The iterator classes of abstract-level, the library under both stores dynalite opens (LevelDB with a `path`,
 * memory-level without), resolved as dynalite itself loads them.
 */
function levelIteratorClasses(): LevelIteratorClass[] {
  const fromDynalite = createRequire(requireHere.resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const bindings = [fromLevel.resolve('classic-level'), fromDynalite.resolve('memory-level')];
  const modules = new Set(bindings.map((binding) => createRequire(binding).resolve('abstract-level')));
  return [...modules].flatMap((module) => {
    const { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } = requireHere(module);
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

/** A DynamoDB item or key in the JSON wire format (`{ pk: { S: '...' } }`). */
type WireItem = Record<string, unknown>;

interface WireOperation {
  TableName: string;
  Key?: WireItem;
  Item?: WireItem;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: WireItem;
  ReturnValuesOnConditionCheckFailure?: string;
}

type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An answer from dynalite to one internal call: the parsed body, or the error it returned. */
type CallResult = { ok: true; data: Record<string, unknown> } | { ok: false; answer: HttpAnswer; type: string };

/** The embedded DynamoDB endpoint. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  url: string;
  port: number;
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

/**
 * Lets ordinary requests run side by side but gives a transaction the store to itself, so no write lands between a
 * transaction's snapshot and its last write (or its rollback). Waiters are served in arrival order.
 */
class SharedExclusiveLock {
  private active = 0;
  private exclusiveHeld = false;
  private readonly queue: Array<{ exclusive: boolean; grant: () => void }> = [];

  async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.queue.push({ exclusive, grant });
      this.drain();
    });
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.exclusiveHeld = false;
      this.drain();
    }
  }

  private drain(): void {
    for (let next = this.queue[0]; next !== undefined; next = this.queue[0]) {
      if (this.exclusiveHeld || (next.exclusive && this.active > 0)) return;
      this.queue.shift();
      this.active += 1;
      this.exclusiveHeld = next.exclusive;
      next.grant();
    }
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function jsonAnswer(status: number, data: unknown): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(JSON.stringify(data)),
  };
}

function errorAnswer(type: string, message: string, extra: Record<string, unknown> = {}): HttpAnswer {
  return jsonAnswer(400, { __type: type, message, ...extra });
}

function validationError(message: string): HttpAnswer {
  return errorAnswer('com.amazon.coral.validate#ValidationException', message);
}

/**
 * Starts dynalite in process behind a thin HTTP layer on the public port. The layer forwards every request to
 * dynalite and implements the two operations dynalite lacks, `TransactWriteItems` and `TransactGetItems`: one
 * transaction at a time, with every other request held back while it runs, conditions checked by applying each
 * write with its condition through dynalite and, on any failure, every applied write rolled back from a snapshot.
 * @param options.path LevelDB folder that keeps the data across restarts; omit for an in-memory store.
 */
export async function startLocalDynamo(options: { port?: number; path?: string }): Promise<LocalDynamo> {
  const inner = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const innerPort = await listen(inner, 0);
  const agent = new Agent({ keepAlive: true });
  const lock = new SharedExclusiveLock();
  const completedTokens = new Map<string, { fingerprint: string; expires: number }>();

  function send(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port: innerPort, method, path, headers, agent }, (incoming) => {
        readBody(incoming).then(
          (data) => resolve({ status: incoming.statusCode ?? 500, headers: incoming.headers, body: data }),
          reject,
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async function call(operation: string, input: object): Promise<CallResult> {
    const body = Buffer.from(JSON.stringify(input));
    // dynalite wants a SigV4-shaped Authorization header but never checks the signature.
    const answer = await send(
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(body.length),
        'x-amz-target': API_PREFIX + operation,
        'x-amz-date': '20200101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    );
    const data = JSON.parse(answer.body.toString() || '{}') as Record<string, unknown>;
    return answer.status === 200 ? { ok: true, data } : { ok: false, answer, type: String(data.__type ?? '') };
  }

  async function keyAttributes(tableName: string): Promise<string[] | HttpAnswer> {
    const described = await call('DescribeTable', { TableName: tableName });
    if (!described.ok) return described.answer;
    const table = described.data.Table as { KeySchema: Array<{ AttributeName: string }> };
    return table.KeySchema.map((key) => key.AttributeName);
  }

  async function transactWrite(input: Record<string, unknown>): Promise<HttpAnswer> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_TRANSACT_ITEMS) {
      return validationError(`TransactItems must hold between 1 and ${MAX_TRANSACT_ITEMS} items`);
    }
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const fingerprint = createHash('sha256').update(JSON.stringify(items)).digest('hex');
    const now = Date.now();
    for (const [key, entry] of completedTokens) if (entry.expires < now) completedTokens.delete(key);
    const previous = token === undefined ? undefined : completedTokens.get(token);
    if (previous) {
      return previous.fingerprint === fingerprint
        ? jsonAnswer(200, {})
        : errorAnswer(
            'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
            'The request uses the same client token as a previous, but non-identical request.',
          );
    }

    const writes: Array<{ kind: WriteKind; op: WireOperation; key: WireItem; snapshot?: WireItem }> = [];
    const schemas = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const entry of items as Array<Partial<Record<WriteKind, WireOperation>>>) {
      const kinds = WRITE_KINDS.filter((kind) => entry[kind] !== undefined);
      const kind = kinds[0];
      const op = kind === undefined ? undefined : entry[kind];
      if (kinds.length !== 1 || kind === undefined || op === undefined) {
        return validationError('TransactItems can only contain one of Check, Put, Update or Delete');
      }
      let keyNames = schemas.get(op.TableName);
      if (!keyNames) {
        const described = await keyAttributes(op.TableName);
        if (!Array.isArray(described)) return described;
        keyNames = described;
        schemas.set(op.TableName, keyNames);
      }
      const source = (kind === 'Put' ? op.Item : op.Key) ?? {};
      const key = Object.fromEntries(keyNames.map((name) => [name, source[name]]));
      const identity = JSON.stringify([op.TableName, keyNames.map((name) => source[name])]);
      if (seen.has(identity)) {
        return validationError('Transaction request cannot include multiple operations on one item');
      }
      seen.add(identity);
      writes.push({ kind, op, key });
    }

    for (const write of writes) {
      const current = await call('GetItem', { TableName: write.op.TableName, Key: write.key, ConsistentRead: true });
      if (!current.ok) return current.answer;
      write.snapshot = current.data.Item as WireItem | undefined;
    }

    // Each condition reads only its own item and no item appears twice, so applying the writes in order evaluates
    // every condition against the state before the transaction, as DynamoDB does.
    const applied: typeof writes = [];
    const reasons: Array<Record<string, unknown>> = [];
    let failure: HttpAnswer | undefined;
    for (const write of writes) {
      const { ReturnValuesOnConditionCheckFailure: returnValues, ...op } = write.op;
      const result =
        write.kind === 'Put'
          ? await call('PutItem', op)
          : write.kind === 'Update'
            ? await call('UpdateItem', op)
            : write.kind === 'Delete'
              ? await call('DeleteItem', op)
              : // A condition check has no write of its own: rewriting the item as it is evaluates the condition.
                await call('PutItem', { ...op, Key: undefined, Item: write.snapshot ?? write.key });
      if (result.ok) {
        applied.push(write);
        reasons.push({ Code: 'None' });
      } else if (result.type.endsWith('#ConditionalCheckFailedException')) {
        const item = returnValues === 'ALL_OLD' && write.snapshot ? { Item: write.snapshot } : {};
        reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...item });
      } else {
        failure = result.answer;
        break;
      }
    }

    const canceled = failure !== undefined || reasons.some((reason) => reason.Code !== 'None');
    // On success only the key-only items that condition checks created go; on cancellation everything is restored.
    const restore = canceled ? applied : applied.filter((write) => write.kind === 'ConditionCheck' && !write.snapshot);
    for (const write of restore.reverse()) {
      const restored = write.snapshot
        ? await call('PutItem', { TableName: write.op.TableName, Item: write.snapshot })
        : await call('DeleteItem', { TableName: write.op.TableName, Key: write.key });
      if (!restored.ok) throw new Error(`Transaction rollback failed: ${restored.answer.body.toString()}`);
    }

    if (failure) return failure;
    if (canceled) {
      const codes = reasons.map((reason) => reason.Code).join(', ');
      return errorAnswer(
        'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        { CancellationReasons: reasons },
      );
    }
    if (token !== undefined) completedTokens.set(token, { fingerprint, expires: now + IDEMPOTENCY_WINDOW_MS });
    return jsonAnswer(200, {});
  }

  async function transactGet(input: Record<string, unknown>): Promise<HttpAnswer> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_TRANSACT_ITEMS) {
      return validationError(`TransactItems must hold between 1 and ${MAX_TRANSACT_ITEMS} items`);
    }
    const responses: Array<Record<string, unknown>> = [];
    for (const entry of items as Array<{ Get?: WireOperation }>) {
      if (!entry.Get) return validationError('TransactGetItems can only contain Get items');
      const result = await call('GetItem', { ...entry.Get, ConsistentRead: true });
      if (!result.ok) return result.answer;
      responses.push(result.data.Item ? { Item: result.data.Item } : {});
    }
    return jsonAnswer(200, { Responses: responses });
  }

  let refusedShare = 0;
  function throttled(operation: string, body: Buffer): HttpAnswer | undefined {
    if (refusedShare === 0 || !DATA_OPERATIONS.has(operation) || Math.random() >= refusedShare) return undefined;
    if (operation === 'TransactWriteItems') {
      const count = (JSON.parse(body.toString()) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
      return errorAnswer(
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
      ? errorAnswer(
          'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded.',
        )
      : errorAnswer(
          'com.amazon.coral.availability#ThrottlingException',
          'Rate of requests exceeds the allowed throughput.',
        );
  }

  async function answer(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) {
    const operation = String(headers['x-amz-target'] ?? '').replace(API_PREFIX, '');
    const refused = throttled(operation, body);
    if (refused) return refused;
    if (method !== 'POST' || (operation !== 'TransactWriteItems' && operation !== 'TransactGetItems')) {
      return lock.run(false, () => send(method, path, headers, body));
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString()) as Record<string, unknown>;
    } catch {
      return errorAnswer('com.amazon.coral.service#SerializationException', 'Malformed JSON');
    }
    return lock.run(true, () => (operation === 'TransactWriteItems' ? transactWrite(input) : transactGet(input)));
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => answer(req.method ?? 'GET', req.url ?? '/', req.headers, body))
      .catch((error: unknown) => {
        console.error('[local dynamodb]', error);
        return jsonAnswer(500, {
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: String(error),
        });
      })
      .then(({ status, headers, body }) => {
        // The body is re-sent whole, so the framing headers of the inner answer no longer apply.
        const { 'transfer-encoding': _framing, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
        res.writeHead(status, { ...rest, 'content-length': String(body.length) });
        res.end(body);
      });
  });
  const port = await listen(server, options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    refuse(share) {
      refusedShare = Math.min(Math.max(share, 0), 1);
    },
    async close() {
      await closeServer(server);
      agent.destroy();
      await closeServer(inner);
    },
  };
}

/**
 * Creates the single table from `tableKeys` (string keys, on-demand billing, every GSI projecting all attributes)
 * unless it exists, and waits until it is active.
 * @returns whether the table was created by this call (so a caller can seed a fresh store only once).
 */
export async function createTableIfMissing(client: DynamoDBClient, tableName: string): Promise<boolean> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    const attributes = new Set<string>([tableKeys.partitionKey, tableKeys.sortKey]);
    for (const index of tableKeys.globalIndexes) attributes.add(index.partitionKey).add(index.sortKey);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: tableKeys.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection },
          })),
        }),
      );
      created = true;
    } catch (createError) {
      // Another caller created it between our describe and create.
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return created;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
