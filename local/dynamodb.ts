import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { clientOverrides } from '#shared/client-overrides.ts';
import { tableKeys } from '#shared/db/table.ts';
import { type LocalStore, openLocalStore } from './dynalite-store.ts';
import { inProcessClient, type JsonService } from './in-process.ts';

/** The embedded DynamoDB: its store, answered in this process and on a local port. */
export interface LocalDynamo extends LocalStore {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  url: string;
  port: number;
}

/**
 * Opens the embedded DynamoDB (local/dynalite-store.ts). The handlers' SDK clients in this process call it directly
 * (`clientOverrides`); others, a worker thread's or a command line's, through the HTTP port.
 * @param options.path LevelDB folder that keeps the data across restarts; omit for an in-memory store.
 */
export async function startLocalDynamo(options: { port?: number; path?: string }): Promise<LocalDynamo> {
  const store = await openLocalStore({ path: options.path });
  const { call } = store;
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => call(String(request.headers['x-amz-target'] ?? ''), body))
      .then(({ status, body }) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(Buffer.byteLength(body)),
        });
        response.end(body);
      })
      // Only a request that broke off can fail here (the store answers every call): nothing is left to answer.
      .catch(() => response.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  openStore = call;
  clientOverrides.dynamodb = inProcessStore;

  return {
    ...store,
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      if (openStore === call) openStore = undefined;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** The store open in this process, which the handlers' clients here call directly. */
let openStore: JsonService | undefined;
const inProcessStore = inProcessClient('The embedded DynamoDB', () => openStore);

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Creates the single table from `tableKeys` (string keys, on-demand billing, each GSI projecting what `tableKeys`
 * says) unless it exists, and waits until it is active.
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
