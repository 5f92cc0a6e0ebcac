import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Service } from 'electrodb';
import { clientOverrides } from '../client-overrides.ts';
import { config } from '../config.ts';
import { StoreThrottled } from '../errors.ts';
import { asset } from './entities/asset.ts';
import { assetVisit } from './entities/asset-visit.ts';
import { attachment } from './entities/attachment.ts';
import { attachmentCount } from './entities/attachment-count.ts';
import { business } from './entities/business.ts';
import { counter } from './entities/counter.ts';
import { creditNote } from './entities/credit-note.ts';
import { customer } from './entities/customer.ts';
import { depot } from './entities/depot.ts';
import { document } from './entities/document.ts';
import { domainEvent } from './entities/domain-event.ts';
import { engineer } from './entities/engineer.ts';
import { fieldEvent } from './entities/field-event.ts';
import { idempotencyRecord } from './entities/idempotency-record.ts';
import { inboundMessage } from './entities/inbound-message.ts';
import { invoice } from './entities/invoice.ts';
import { invoiceAccount } from './entities/invoice-account.ts';
import { invoiceQueue } from './entities/invoice-queue.ts';
import { jobTemplate } from './entities/job-template.ts';
import { message } from './entities/message.ts';
import { openJob } from './entities/open-job.ts';
import { outboxEntry } from './entities/outbox-entry.ts';
import { part } from './entities/part.ts';
import { payment } from './entities/payment.ts';
import { purchaseOrder } from './entities/purchase-order.ts';
import { quote } from './entities/quote.ts';
import { reorder } from './entities/reorder.ts';
import { rotaEntry } from './entities/rota-entry.ts';
import { site } from './entities/site.ts';
import { siteVisit } from './entities/site-visit.ts';
import { stockHolding } from './entities/stock-holding.ts';
import { stockMovement } from './entities/stock-movement.ts';
import { supplier } from './entities/supplier.ts';
import { suppression } from './entities/suppression.ts';
import { timelineEntry } from './entities/timeline-entry.ts';
import { webhookDelivery } from './entities/webhook-delivery.ts';
import { webhookSubscription } from './entities/webhook-subscription.ts';
import { workOrder } from './entities/work-order.ts';

const entities = {
  asset,
  assetVisit,
  attachment,
  attachmentCount,
  business,
  counter,
  creditNote,
  customer,
  depot,
  document,
  domainEvent,
  engineer,
  fieldEvent,
  idempotencyRecord,
  inboundMessage,
  invoice,
  invoiceAccount,
  invoiceQueue,
  jobTemplate,
  message,
  openJob,
  outboxEntry,
  part,
  payment,
  purchaseOrder,
  quote,
  reorder,
  rotaEntry,
  site,
  siteVisit,
  stockHolding,
  stockMovement,
  supplier,
  suppression,
  timelineEntry,
  webhookDelivery,
  webhookSubscription,
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
    // Throttled calls are retried by the SDK with backoff; more attempts than its default three ride out a burst.
    client: DynamoDBDocumentClient.from(
      new DynamoDBClient({ maxAttempts: transientAttempts, ...clientOverrides.dynamodb }),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    ),
  });
  return service;
}

/**
 * A query on an index that projects keys only (shared/db/table.ts), run with ElectroDB's `hydrate`: it takes the keys
 * from the index and reads the whole items from the table in batches. An item the batch read left unprocessed
 * (throttled) would be missing from the page, so the read is refused as throttled instead, for the caller's retry.
 */
export async function wholeItems<T extends { data: unknown[] }>(read: Promise<T>): Promise<T> {
  const result = await read;
  if (((result as { unprocessed?: unknown[] }).unprocessed?.length ?? 0) > 0) throw new StoreThrottled();
  return result;
}

/** DynamoDB's answers that mean "not now": nothing was written and the same call will go through later. */
const transientErrors = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
  'Store.Throttled',
]);
/** A transaction's cancellation reasons that are transient too (any of them makes the whole cancellation so). */
const transientReasons = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);

type Cancellation = { Code?: string };
/** Attempts at a call the store refuses for now, before the failure is handed to the caller's own retry. */
const transientAttempts = 6;

/** The store error at the root of an error, through ElectroDB's wrapping (`cause`). */
function storeError(error: unknown): (Error & { CancellationReasons?: Cancellation[] }) | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (transientErrors.has(e.name) || e.name === 'ConditionalCheckFailedException') return e;
    if (e.name === 'TransactionCanceledException') return e;
  }
  return undefined;
}

/**
 * True when the store refused for now (throttling, a conflicting transaction, a transient fault), so a retry
 * of the same call will do: never a condition that did not hold.
 */
export function isTransient(error: unknown): boolean {
  const found = storeError(error);
  if (!found) return false;
  if (found.name === 'TransactionCanceledException') {
    return (found.CancellationReasons ?? []).some((reason) => transientReasons.has(reason.Code ?? ''));
  }
  return transientErrors.has(found.name);
}

/** True when a write failed only because its condition did not hold (a version race or an existing item). */
export function isConditionFailure(error: unknown): boolean {
  const found = storeError(error);
  if (!found) return false;
  if (found.name === 'ConditionalCheckFailedException') return true;
  return found.name === 'TransactionCanceledException' && !isTransient(found);
}

/**
 * Runs a conditional write: false when its condition did not hold (a create of an item already there, a change
 * someone else made first). Throttling throws StoreThrottled; any other failure is thrown as it is.
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    if (isTransient(error)) throw new StoreThrottled();
    throw error;
  }
}

type TransactionResult = { canceled: boolean; data: Array<{ code?: string; rejected?: boolean }> };

/**
 * Runs a transaction built with ElectroDB (`db().transaction.write(...)`), which reports cancellation as data
 * rather than throwing. Answers the indexes of the items whose condition did not hold (empty: committed).
 * A cancellation for throttling or a conflicting transaction is not a condition that failed: it is tried again
 * after a jittered pause, and after a few attempts it throws StoreThrottled for the caller's own retry.
 */
export async function commit(go: () => Promise<TransactionResult>): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    let result: TransactionResult;
    try {
      result = await go();
    } catch (error) {
      if (!isTransient(error)) throw error;
      result = { canceled: true, data: [{ code: 'ThrottlingError' }] };
    }
    if (!result.canceled) return [];
    if (result.data.some((reason) => transientReasons.has(reason.code ?? ''))) {
      // Built afresh on each attempt (`go` makes new feed ids), so a late retry never carries a stale event id.
      if (attempt + 1 >= transientAttempts) throw new StoreThrottled();
      await backoff(attempt, 20, 1_000);
      continue;
    }
    const failed = result.data.flatMap((reason, index) => (reason.code === 'ConditionalCheckFailed' ? [index] : []));
    // A cancellation with no failed condition and no transient reason (a validation error) is a fault of ours.
    if (failed.length === 0) throw new Error(`Transaction cancelled: ${result.data.map((r) => r.code).join(', ')}`);
    return failed;
  }
}

/**
 * Waits before retry number `attempt` (0-based) of a contended or throttled write: "full jitter" backoff, a
 * random pause between zero and an exponentially growing cap, so racing writers spread out instead of colliding
 * again in step.
 */
export function backoff(attempt: number, baseMs = 10, capMs = 1_000): Promise<void> {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
