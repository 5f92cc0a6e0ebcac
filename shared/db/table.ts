/**
 * The single table's key schema, as plain data: the CDK stack (infra/storage.ts) and the local store
 * (local/dynamodb.ts) both build the table from it, and ElectroDB's entities (shared/db/*.ts) use these
 * attribute and index names. Generic names, so one table holds every entity.
 *
 * What each index projects. gsi1 projects whole items: it serves the reference lists read whole on busy paths
 * (every engineer at each match, every customer for each e-mail), small items many to a 4 KB read, which a
 * keys-only index would turn into one read per item. gsi2, gsi3 and gsi4 project keys only: they are where work
 * orders sit (an engineer's day, the dispatch board, every engineer's planned day), and a work order (a few KB) is
 * written a dozen times in its life, each time copied whole into every index it is in; keys only, an index is
 * written when the item's keys there change and not otherwise. A query on them reads the keys from the index and
 * then the items from the table (`wholeItems` in shared/db/service.ts): a read unit (half, eventually consistent)
 * per item instead of one per 4 KB of items, against the write units saved, at five times the price.
 */
export const tableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  globalIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
    { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
  ],
} as const;
