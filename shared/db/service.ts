import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Service } from 'electrodb';
import { config } from '../config.ts';
import { asset } from './entities/asset.ts';
import { assetVisit } from './entities/asset-visit.ts';
import { attachment } from './entities/attachment.ts';
import { counter } from './entities/counter.ts';
import { customer } from './entities/customer.ts';
import { domainEvent } from './entities/domain-event.ts';
import { engineer } from './entities/engineer.ts';
import { idempotencyRecord } from './entities/idempotency-record.ts';
import { inboundMessage } from './entities/inbound-message.ts';
import { invoice } from './entities/invoice.ts';
import { jobTemplate } from './entities/job-template.ts';
import { part } from './entities/part.ts';
import { quote } from './entities/quote.ts';
import { reorder } from './entities/reorder.ts';
import { site } from './entities/site.ts';
import { siteVisit } from './entities/site-visit.ts';
import { stockMovement } from './entities/stock-movement.ts';
import { timelineEntry } from './entities/timeline-entry.ts';
import { workOrder } from './entities/work-order.ts';

const entities = {
  asset,
  assetVisit,
  attachment,
  counter,
  customer,
  domainEvent,
  engineer,
  idempotencyRecord,
  inboundMessage,
  invoice,
  jobTemplate,
  part,
  quote,
  reorder,
  site,
  siteVisit,
  stockMovement,
  timelineEntry,
  workOrder,
};

let service: Service<typeof entities> | undefined;

/**
 * The ElectroDB service over the single table, built on first use (so importing a module never needs the
 * environment) and reused across invocations of a warm Lambda.
 */
export function db(): Service<typeof entities> {
  service ??= new Service(entities, {
    table: config.tableName,
    client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  });
  return service;
}

/** True when a write failed only because its condition did not hold (a version race or an existing item). */
export function isConditionFailure(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'ConditionalCheckFailedException' || e.name === 'TransactionCanceledException') return true;
  }
  return false;
}

/**
 * Runs a conditional write: false when its condition did not hold (a create of an item already there, a change
 * someone else made first), any other failure thrown.
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
