import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeTableCommand,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Entity, Service } from 'electrodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveLevelIterators } from '#local/dynalite-store.ts';
import { createTableIfMissing, type LocalDynamo, startLocalDynamo } from '#local/dynamodb.ts';
import { tableKeys } from '#shared/db/table.ts';
import { dynamoClientFor } from '../fixtures/dynamo-client.ts';

const TABLE = 'fieldops-test';

/** Plain string attributes in the wire format the low-level client answers with. */
const marshalled = (item: Record<string, string>) =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, { S: value }]));

describe('the embedded DynamoDB', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startLocalDynamo({});
    client = dynamoClientFor(dynamo.url);
    doc = DynamoDBDocumentClient.from(client);
    await createTableIfMissing(client, TABLE);
  });

  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  const get = async (pk: string) =>
    (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'item' } }))).Item;
  const put = (pk: string, version: number) =>
    doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'item', version } }));

  it('creates the table from tableKeys, each GSI projecting what tableKeys says', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    expect(indexes.map((index) => index.IndexName).sort()).toEqual(
      tableKeys.globalIndexes.map((index) => index.indexName),
    );
    expect(Object.fromEntries(indexes.map((index) => [index.IndexName, index.Projection?.ProjectionType]))).toEqual(
      Object.fromEntries(tableKeys.globalIndexes.map((index) => [index.indexName, index.projection])),
    );
    expect(indexes.find((index) => index.IndexName === 'gsi2')?.KeySchema).toEqual([
      { AttributeName: 'gsi2pk', KeyType: 'HASH' },
      { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
    ]);
  });

  it('answers a query on a keys-only index with the keys alone, and on gsi1 with the whole item', async () => {
    const item = { pk: 'projected', sk: 'item', gsi1pk: 'g1', gsi1sk: 'a', gsi3pk: 'g3', gsi3sk: 'a', note: 'kept' };
    await doc.send(new PutCommand({ TableName: TABLE, Item: item }));
    const query = (index: string, key: string, value: string) =>
      doc.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: index,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': key },
          ExpressionAttributeValues: { ':v': { S: value } },
        }),
      );

    const whole = await query('gsi1', 'gsi1pk', 'g1');
    const keys = await query('gsi3', 'gsi3pk', 'g3');

    expect(tableKeys.globalIndexes.find((index) => index.indexName === 'gsi3')?.projection).toBe('KEYS_ONLY');
    expect(whole.Items).toEqual([marshalled(item)]);
    expect(keys.Items).toEqual([marshalled({ pk: 'projected', sk: 'item', gsi3pk: 'g3', gsi3sk: 'a' })]);
  });

  it('leaves an existing table alone and says it created nothing', async () => {
    await expect(createTableIfMissing(client, TABLE)).resolves.toBe(false);
  });

  it('applies every write of a transaction whose conditions all hold', async () => {
    await put('ok-update', 1);
    await put('ok-delete', 1);
    await put('ok-check', 7);

    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk: { S: 'ok-put' }, sk: { S: 'item' }, version: { N: '1' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: { S: 'ok-update' }, sk: { S: 'item' } },
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :current',
              ExpressionAttributeValues: { ':next': { N: '2' }, ':current': { N: '1' } },
            },
          },
          { Delete: { TableName: TABLE, Key: { pk: { S: 'ok-delete' }, sk: { S: 'item' } } } },
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: { pk: { S: 'ok-check' }, sk: { S: 'item' } },
              ConditionExpression: 'version = :seven',
              ExpressionAttributeValues: { ':seven': { N: '7' } },
            },
          },
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: { pk: { S: 'ok-absent' }, sk: { S: 'item' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );

    expect(await get('ok-put')).toEqual({ pk: 'ok-put', sk: 'item', version: 1 });
    expect(await get('ok-update')).toEqual({ pk: 'ok-update', sk: 'item', version: 2 });
    expect(await get('ok-delete')).toBeUndefined();
    expect(await get('ok-check')).toEqual({ pk: 'ok-check', sk: 'item', version: 7 });
    expect(await get('ok-absent')).toBeUndefined();
  });

  it('applies nothing and gives one cancellation reason per item when a condition fails', async () => {
    await put('fail-update', 1);
    await put('fail-delete', 1);

    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'fail-put' }, sk: { S: 'item' } } } },
            { Delete: { TableName: TABLE, Key: { pk: { S: 'fail-delete' }, sk: { S: 'item' } } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: { S: 'fail-update' }, sk: { S: 'item' } },
                UpdateExpression: 'SET version = :next',
                ConditionExpression: 'version = :current',
                ExpressionAttributeValues: { ':next': { N: '3' }, ':current': { N: '2' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: { S: 'fail-absent' }, sk: { S: 'item' } },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      )
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const canceled = error as TransactionCanceledException;
    expect(canceled.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
        '[None, None, ConditionalCheckFailed, ConditionalCheckFailed]',
    );
    expect(canceled.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: 'fail-update' }, sk: { S: 'item' }, version: { N: '1' } },
      },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(await get('fail-put')).toBeUndefined();
    expect(await get('fail-delete')).toEqual({ pk: 'fail-delete', sk: 'item', version: 1 });
    expect(await get('fail-update')).toEqual({ pk: 'fail-update', sk: 'item', version: 1 });
    expect(await get('fail-absent')).toBeUndefined();
  });

  it('lets no concurrent request see the writes of a transaction that is then cancelled', async () => {
    const puts = Array.from({ length: 40 }, (_, n) => ({
      Put: { TableName: TABLE, Item: { pk: { S: `isolated-${n}` }, sk: { S: 'item' } } },
    }));
    const failing = {
      ConditionCheck: {
        TableName: TABLE,
        Key: { pk: { S: 'isolated-absent' }, sk: { S: 'item' } },
        ConditionExpression: 'attribute_exists(pk)',
      },
    };

    let settled = false;
    const transaction = client
      .send(new TransactWriteItemsCommand({ TransactItems: [...puts, failing] }))
      .catch((caught: unknown) => caught)
      .finally(() => {
        settled = true;
      });
    const seen: unknown[] = [];
    while (!settled) seen.push(await get('isolated-0'));

    expect(await transaction).toBeInstanceOf(TransactionCanceledException);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter(Boolean)).toEqual([]);
    expect(await get('isolated-0')).toBeUndefined();
  });

  it('answers a retried transaction with the same client token without applying it twice', async () => {
    await put('token-counter', 0);
    const increment = (by: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'retry-token-1',
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk: { S: 'token-counter' }, sk: { S: 'item' } },
              UpdateExpression: 'ADD version :by',
              ExpressionAttributeValues: { ':by': { N: by } },
            },
          },
        ],
      });

    await client.send(increment('1'));
    await client.send(increment('1'));
    const mismatch = client.send(increment('5'));

    await expect(mismatch).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    expect(await get('token-counter')).toEqual({ pk: 'token-counter', sk: 'item', version: 1 });
  });

  it('refuses a transaction that touches one item twice, as DynamoDB does', async () => {
    const key = { pk: { S: 'twice' }, sk: { S: 'item' } };

    const attempt = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: key } }, { Delete: { TableName: TABLE, Key: key } }],
      }),
    );

    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Transaction request cannot include multiple operations on one item',
    });
    expect(await get('twice')).toBeUndefined();
  });

  it('reads several items at once with TransactGetItems, an empty response for a missing one', async () => {
    await put('read-a', 1);
    await put('read-b', 2);

    const { Responses } = await client.send(
      new TransactGetItemsCommand({
        TransactItems: ['read-a', 'read-missing', 'read-b'].map((pk) => ({
          Get: { TableName: TABLE, Key: { pk: { S: pk }, sk: { S: 'item' } } },
        })),
      }),
    );

    expect(Responses?.map((response) => response.Item?.version?.N)).toEqual(['1', undefined, '2']);
  });

  it('reports a failed condition in an ElectroDB transaction as canceled and applies nothing', async () => {
    const model = { version: '1', service: 'fieldops' };
    const counter = new Entity(
      {
        model: { entity: 'counter', ...model },
        attributes: { id: { type: 'string', required: true }, count: { type: 'number', required: true } },
        indexes: { primary: { pk: { field: 'pk', composite: ['id'] }, sk: { field: 'sk', composite: [] } } },
      },
      { table: TABLE, client: doc },
    );
    const note = new Entity(
      {
        model: { entity: 'note', ...model },
        attributes: { id: { type: 'string', required: true }, text: { type: 'string', required: true } },
        indexes: { primary: { pk: { field: 'pk', composite: ['id'] }, sk: { field: 'sk', composite: [] } } },
      },
      { table: TABLE, client: doc },
    );
    const service = new Service({ counter, note }, { table: TABLE, client: doc });
    await counter.create({ id: 'electro', count: 1 }).go();

    const attempt = (expected: number) =>
      service.transaction
        .write(({ counter: counters, note: notes }) => [
          notes.put({ id: `electro-${expected}`, text: 'hello' }).commit(),
          counters
            .update({ id: 'electro' })
            .set({ count: expected + 1 })
            .where(({ count }, { eq }) => eq(count, expected))
            .commit(),
        ])
        .go();

    const failed = await attempt(5);
    const succeeded = await attempt(1);

    expect(failed.canceled).toBe(true);
    expect(failed.data.map((result) => result.code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await note.get({ id: 'electro-5' }).go()).toEqual({ data: null });
    expect(succeeded.canceled).toBe(false);
    expect((await counter.get({ id: 'electro' }).go()).data?.count).toBe(2);
    expect((await note.get({ id: 'electro-1' }).go()).data?.text).toBe('hello');
  });
});

describe('the embedded DynamoDB with a path', () => {
  it('keeps its data across a close and a restart', async () => {
    const path = await mkdtemp(join(tmpdir(), 'fieldops-dynamo-'));
    try {
      const first = await startLocalDynamo({ path });
      const firstClient = dynamoClientFor(first.url);
      const created = await createTableIfMissing(firstClient, TABLE);
      await DynamoDBDocumentClient.from(firstClient).send(
        new PutCommand({ TableName: TABLE, Item: { pk: 'kept', sk: 'item', note: 'still here' } }),
      );
      firstClient.destroy();
      await first.close();

      const second = await startLocalDynamo({ path });
      const secondClient = dynamoClientFor(second.url);
      const recreated = await createTableIfMissing(secondClient, TABLE);
      const secondDoc = DynamoDBDocumentClient.from(secondClient);
      const { Item } = await secondDoc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'kept', sk: 'item' } }));
      await secondDoc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: 'kept', sk: 'item' } }));
      secondClient.destroy();
      await second.close();

      expect(created).toBe(true);
      expect(recreated).toBe(false);
      expect(Item).toEqual({ pk: 'kept', sk: 'item', note: 'still here' });
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });

  it('closes the LevelDB iterators of its queries and scans', async () => {
    const path = await mkdtemp(join(tmpdir(), 'fieldops-dynamo-'));
    const dynamo = await startLocalDynamo({ path });
    const client = dynamoClientFor(dynamo.url);
    try {
      await createTableIfMissing(client, TABLE);
      const doc = DynamoDBDocumentClient.from(client);
      for (const pk of ['a', 'b', 'c']) {
        await doc.send(new PutCommand({ TableName: TABLE, Item: { pk, sk: 'item', gsi1pk: 'all', gsi1sk: pk } }));
      }
      const before = liveLevelIterators();

      for (let index = 0; index < 100; index++) {
        await client.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: ['a', 'b', 'c', 'none'][index % 4] ?? 'a' } },
          }),
        );
        await client.send(
          new QueryCommand({
            TableName: TABLE,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :all',
            ExpressionAttributeValues: { ':all': { S: 'all' } },
            Limit: 2,
          }),
        );
      }
      await client.send(new ScanCommand({ TableName: TABLE }));

      // An iterator is closed as its query's stream ends, which may be a moment after the answer.
      await eventually(() => liveLevelIterators() === before);
    } finally {
      client.destroy();
      await dynamo.close();
      await rm(path, { recursive: true, force: true });
    }
  });
});

/** Waits until the condition holds, failing after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`The condition did not hold within ${timeoutMs} ms.`);
    await sleep(20);
  }
}
