/**
 * The single table's key schema, as plain data: the CDK stack (infra/storage.ts) and the local store
 * (local/dynamodb.ts) both build the table from it, and ElectroDB's entities (shared/db/*.ts) use these
 * attribute and index names. Generic names, so one table holds every entity.
 */
export const tableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  globalIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  ],
} as const;
