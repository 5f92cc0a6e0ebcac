import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableIfMissing, type LocalDynamo, startLocalDynamo } from '#local/dynamodb.ts';
import { clientOverrides } from '#shared/client-overrides.ts';
import { dynamoClientFor } from '../fixtures/dynamo-client.ts';

type HttpRequest = { headers: Record<string, string> };

const TABLE = 'fieldops-store';
const root = fileURLToPath(new URL('../../', import.meta.url));

describe("the embedded store's writes", () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({});
    client = dynamoClientFor(dynamo.url);
    await createTableIfMissing(client, TABLE);
  });

  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('is reached by the clients of this process without a socket and without a signature', async () => {
    const overrides = clientOverrides.dynamodb;
    const inProcessHandler = overrides?.requestHandler as { handle: (request: HttpRequest) => Promise<unknown> };
    const sent: HttpRequest[] = [];
    // Nothing listens on port 9: the call can only go in process.
    const inProcess = new DynamoDBClient({
      region: 'eu-west-2',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      ...overrides,
      requestHandler: {
        handle: (request: HttpRequest) => {
          sent.push(request);
          return inProcessHandler.handle(request);
        },
      } as typeof inProcessHandler,
    });

    await inProcess.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'in-process' }, sk: { S: 'item' }, n: { N: '1' } } }),
    );
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'in-process' }, sk: { S: 'item' } } }),
    );

    expect(Item?.n).toEqual({ N: '1' });
    expect(sent).toHaveLength(1);
    expect(Object.keys(sent[0]?.headers ?? {}).map((name) => name.toLowerCase())).not.toContain('authorization');
  });

  it('forgets a table once it is deleted, though it read it before', async () => {
    const gone = 'fieldops-gone';
    await createTableIfMissing(client, gone);
    await client.send(new PutItemCommand({ TableName: gone, Item: { pk: { S: 'a' }, sk: { S: 'item' } } }));
    await client.send(new GetItemCommand({ TableName: gone, Key: { pk: { S: 'a' }, sk: { S: 'item' } } }));

    // Reads racing the deletion must not leave the table's description behind for later calls.
    const get = () => client.send(new GetItemCommand({ TableName: gone, Key: { pk: { S: 'a' }, sk: { S: 'item' } } }));
    await Promise.allSettled([
      ...Array.from({ length: 10 }, get),
      client.send(new DeleteTableCommand({ TableName: gone })),
      ...Array.from({ length: 10 }, get),
    ]);
    await waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.1 }, { TableName: gone });
    await expect(get()).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('lets one of thirty racing transactions take a slot, and stores only the winner’s other write', async () => {
    const contenders = Array.from({ length: 30 }, (_, index) => `contender-${index}`);

    const results = await Promise.allSettled(
      contenders.map((name) =>
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: TABLE,
                  Item: { pk: { S: 'slot' }, sk: { S: 'item' }, holder: { S: name } },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { Put: { TableName: TABLE, Item: { pk: { S: `claim-${name}` }, sk: { S: 'item' } } } },
            ],
          }),
        ),
      ),
    );

    const winners = contenders.filter((_, index) => results[index]?.status === 'fulfilled');
    const losers = results.filter((result) => result.status === 'rejected');
    const slot = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'slot' }, sk: { S: 'item' } } }),
    );
    const claims = await Promise.all(
      contenders.map(async (name) => {
        const { Item } = await client.send(
          new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `claim-${name}` }, sk: { S: 'item' } } }),
        );
        return Item ? name : undefined;
      }),
    );

    expect(winners).toHaveLength(1);
    expect(losers.every((result) => result.reason instanceof TransactionCanceledException)).toBe(true);
    expect(slot.Item?.holder).toEqual({ S: winners[0] });
    expect(claims.filter(Boolean)).toEqual(winners);
  });

  it('applies a transaction once when ten copies with its client token race, and refuses another body under it', async () => {
    const add = (by: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'token-race',
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk: { S: 'tokened' }, sk: { S: 'item' } },
              UpdateExpression: 'ADD #total :by',
              ExpressionAttributeNames: { '#total': 'total' },
              ExpressionAttributeValues: { ':by': { N: by } },
            },
          },
        ],
      });

    const copies = await Promise.allSettled(Array.from({ length: 10 }, () => client.send(add('1'))));
    const other = await client.send(add('2')).catch((error: Error) => error.name);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'tokened' }, sk: { S: 'item' } } }),
    );

    expect(copies.map((copy) => copy.status)).toEqual(Array(10).fill('fulfilled'));
    expect(other).toBe('IdempotentParameterMismatchException');
    expect(Item?.total).toEqual({ N: '1' });
  });

  it('counts to 100 with twenty racing writers, each step a conditional transaction, with no gap and no repeat', async () => {
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'count' }, sk: { S: 'item' }, value: { N: '0' } } }),
    );

    async function writer() {
      for (let done = 0; done < 5; ) {
        const { Item } = await client.send(
          new GetItemCommand({
            TableName: TABLE,
            Key: { pk: { S: 'count' }, sk: { S: 'item' } },
            ConsistentRead: true,
          }),
        );
        const seen = Number(Item?.value?.N);
        try {
          await client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: TABLE,
                    Key: { pk: { S: 'count' }, sk: { S: 'item' } },
                    UpdateExpression: 'SET #value = :next',
                    ConditionExpression: '#value = :seen',
                    ExpressionAttributeNames: { '#value': 'value' },
                    ExpressionAttributeValues: { ':seen': { N: String(seen) }, ':next': { N: String(seen + 1) } },
                  },
                },
                {
                  Put: {
                    TableName: TABLE,
                    Item: { pk: { S: 'step' }, sk: { S: String(seen + 1).padStart(3, '0') } },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          );
          done++;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
    }
    await Promise.all(Array.from({ length: 20 }, writer));

    const count = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'count' }, sk: { S: 'item' } } }),
    );
    const steps = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :step',
        ExpressionAttributeValues: { ':step': { S: 'step' } },
      }),
    );
    expect(count.Item?.value).toEqual({ N: '100' });
    expect(steps.Items?.map((item) => Number(item.sk?.S))).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
  });
});

describe('the embedded store, killed mid-transaction', () => {
  const items = 100;

  /** Runs test/fixtures/transaction-writer.ts on `path` until it has committed `commits`, then kills it. */
  async function killWriterAfter(path: string, commits: number): Promise<number> {
    // Node itself (tsx as its loader), not the tsx command, which would run it as a child the kill does not reach.
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/transaction-writer.ts', path, TABLE, String(items)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    writer.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let committed = 0;
    const commitTimes: number[] = [];
    let killing = false;
    await new Promise<void>((resolve, reject) => {
      writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const match of chunk.matchAll(/committed (\d+)/g)) {
          committed = Number(match[1]);
          commitTimes.push(performance.now());
        }
        if (committed >= commits && !killing) {
          killing = true;
          // Killed at a random point of a transaction (a random share of the time one takes), with no close and no
          // flush, as a crash: most of a transaction's time goes in applying it, where a torn write would show.
          const interval = ((commitTimes.at(-1) ?? 0) - (commitTimes[0] ?? 0)) / Math.max(1, commitTimes.length - 1);
          setTimeout(() => {
            writer.kill('SIGKILL');
            resolve();
          }, Math.random() * interval);
        }
      });
      writer.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`The writer ended (${code}) before it was killed: ${stderr}`));
      });
    });
    await new Promise((resolve) =>
      writer.exitCode !== null || writer.signalCode ? resolve(undefined) : writer.once('exit', resolve),
    );
    return committed;
  }

  it('keeps all of each transaction or none of it, in the table and in its index', async () => {
    const path = await mkdtemp(join(tmpdir(), 'fieldops-crash-'));
    try {
      for (const commits of [3, 4, 5, 6, 7, 8]) {
        const committed = await killWriterAfter(path, commits);

        const dynamo = await startLocalDynamo({ path });
        const client = dynamoClientFor(dynamo.url);
        try {
          const generations = await Promise.all(
            Array.from({ length: items }, async (_, index) => {
              const { Item } = await client.send(
                new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `crash-${index}` }, sk: { S: 'item' } } }),
              );
              return Number(Item?.generation?.N);
            }),
          );
          const indexed = await client.send(
            new QueryCommand({
              TableName: TABLE,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :crash',
              ExpressionAttributeValues: { ':crash': { S: 'crash' } },
            }),
          );
          const kept = generations[0] ?? Number.NaN;

          expect(kept).toBeGreaterThanOrEqual(committed);
          expect(new Set(generations)).toEqual(new Set([kept]));
          expect(indexed.Items?.map((item) => Number(item.generation?.N))).toEqual(Array(items).fill(kept));
        } finally {
          client.destroy();
          await dynamo.close();
        }
      }
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});
