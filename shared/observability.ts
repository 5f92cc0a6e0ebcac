import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { DomainError } from './errors.ts';

/**
 * Logs and metrics, through Powertools for AWS Lambda: one Logger and one Metrics for the process. The service is
 * `POWERTOOLS_SERVICE_NAME` (the stack's name deployed, `fieldops-local` locally) and the namespace
 * `POWERTOOLS_METRICS_NAMESPACE` (`FieldOps`), both set by the environment (infra/lambda.ts, local/lambda-environment.ts).
 *
 * Every line is one JSON object. The lines of an invocation carry its `requestId` (API Gateway's for an API call,
 * Lambda's otherwise) and, once it is known, the `workOrderId` it concerns (a workflow task's also its
 * `executionName`); the keys are cleared when the invocation ends, so none is carried into the next. Lines hold ids,
 * codes, statuses and counts only: never a name, address, e-mail, phone number, note or signature.
 */
export const logger = new Logger();

/** Metrics in CloudWatch's embedded metric format, written once at the end of each invocation that recorded any. */
export const metrics = new Metrics();

/**
 * The metric names, for alarms and dashboards to refer to (namespace FieldOps, the `service` dimension only). All
 * are counts but `CloseoutLag` (seconds); `ColdStart` is Powertools' own (with a `function_name` dimension too).
 */
export const metricNames = {
  /** A work order was created, whichever the channel (API, web form, e-mail, office, quote, planned, follow-up). */
  WorkOrdersLogged: 'WorkOrdersLogged',
  /** A work order reached `closed`. */
  WorkOrdersClosed: 'WorkOrdersClosed',
  /** When the engineer first attends (on site, or at work straight away): by the SLA due time. */
  SlaMet: 'SlaMet',
  /** When the engineer first attends (on site, or at work straight away): after the SLA due time. */
  SlaBreached: 'SlaBreached',
  /** At close: the job was fixed on the first visit, with no follow-up (the KPI report's rule). */
  FirstTimeFix: 'FirstTimeFix',
  /** An invoice was issued (its first write, never a retry's). */
  InvoicesIssued: 'InvoicesIssued',
  /** Seconds from `completed` to `closed`. */
  CloseoutLag: 'CloseoutLag',
  /** A stored answer was replayed: an `Idempotency-Key` retry, or a field event sent again. */
  IdempotentReplays: 'IdempotentReplays',
  /** An upload failed verification and was moved to quarantine. */
  UploadsQuarantined: 'UploadsQuarantined',
  /** The first invocation of a function instance (Powertools' own metric). */
  ColdStart: 'ColdStart',
  /** An invocation failed unhandled: an API answer of 5xx, a task or trigger that threw anything but a domain error. */
  HandlerErrors: 'HandlerErrors',
  /** An API answer of 4xx. */
  ClientErrors: 'ClientErrors',
  /** A message sent to a customer or the office. */
  MessagesSent: 'MessagesSent',
  /** A message decided against (opted out, suppressed, quiet hours, no address). */
  MessagesSkipped: 'MessagesSkipped',
} as const;
export type MetricName = keyof typeof metricNames;

/** Adds one (or `value`) to a count. */
export function count(name: Exclude<MetricName, 'CloseoutLag' | 'ColdStart'>, value = 1): void {
  metrics.addMetric(metricNames[name], MetricUnit.Count, value);
}

/** Records a duration in seconds. */
export function seconds(name: 'CloseoutLag', value: number): void {
  metrics.addMetric(metricNames[name], MetricUnit.Seconds, value);
}

/** Names the work order this invocation concerns on each of its lines from now on. */
export function concerning(workOrderId: string | undefined): void {
  if (workOrderId) logger.appendKeys({ workOrderId });
}

/**
 * Runs one record of a batch (an S3 event's object, a due asset): the work order it comes to concern is named on
 * the lines it writes, and not on those of the records after it.
 */
export async function forRecord<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    logger.removeKeys(['workOrderId']);
  }
}

/** A stored answer given again instead of doing the work twice. */
export function replayed(kind: 'idempotency_key' | 'field_event', fields: Record<string, unknown> = {}): void {
  count('IdempotentReplays');
  logger.info('replayed a stored answer', { replay: kind, ...fields });
}

/** How an invocation ended, for its last line. */
export interface Ending {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  error?: unknown;
  /** The health count it adds to. */
  counts?: 'HandlerErrors' | 'ClientErrors';
}

/** What an invocation is, for every line it writes. */
export interface Start {
  context?: Context;
  /** API Gateway's request id; otherwise Lambda's (the context's, or the runtime's invocation store's). */
  requestId?: string;
  keys?: Record<string, string | undefined>;
}

/**
 * Runs one invocation of a handler: its keys on every line it writes, Powertools' cold start metric, one last line
 * saying how it ended and how long it took (`ended` reads a result, `failed` a throw, which is thrown on), its
 * metrics written once, and its keys cleared. The wrappers every handler is built with call it: `api()`, `task()`
 * and {@link observed}.
 */
export async function invocation<R>(
  start: Start,
  run: () => Promise<R>,
  outcomes: { ended: (result: R) => Ending; failed: (error: unknown) => Ending },
): Promise<R> {
  const began = performance.now();
  const requestId = start.requestId ?? start.context?.awsRequestId ?? lambdaRequestId();
  if (start.context) logger.addContext(start.context);
  logger.appendKeys(definedOnly({ requestId, ...start.keys }));
  metrics.captureColdStartMetric(start.context?.functionName);
  let ending: Ending = { level: 'error', fields: { outcome: 'unknown' } };
  try {
    const result = await run();
    ending = outcomes.ended(result);
    return result;
  } catch (error) {
    ending = outcomes.failed(error);
    throw error;
  } finally {
    end(ending, began, requestId);
  }
}

function end(ending: Ending, began: number, requestId: string | undefined): void {
  try {
    if (ending.counts) count(ending.counts);
    const durationMs = Math.round((performance.now() - began) * 10) / 10;
    const error = ending.error === undefined ? {} : { error: loggable(ending.error) };
    logger[ending.level]({ message: 'invocation ended', ...ending.fields, durationMs, ...error });
    // An invocation that recorded nothing writes nothing (no empty-metrics warning).
    if (metrics.hasStoredMetrics()) {
      if (requestId) metrics.addMetadata('requestId', requestId);
      metrics.publishStoredMetrics();
    }
  } finally {
    logger.resetKeys();
  }
}

/**
 * Wraps a handler that neither `api()` nor `task()` builds (an S3 trigger, a schedule, a Cognito trigger): `name`
 * says which on its last line, with `outcome: 'ok'`, or the error it threw at ERROR.
 */
export function observed<E, R>(
  name: string,
  run: (event: E, context?: Context) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  return (event, context) =>
    invocation({ context, keys: { handler: name } }, () => run(event, context), {
      ended: () => ({ level: 'info', fields: { outcome: 'ok' } }),
      failed: (error) => ({ level: 'error', fields: { outcome: codeOf(error) }, error, counts: 'HandlerErrors' }),
    });
}

/** An error's stable code: a domain error's own, else its name. */
export function codeOf(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  return error instanceof Error ? error.name : 'non_error_thrown';
}

/**
 * The request id Lambda's runtime keeps for the invocation running now (its invocation store), for a handler that
 * does not pass its context on.
 */
function lambdaRequestId(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { hasContext(): boolean; getRequestId(): string } } })
    .awslambda?.InvokeStore;
  return store?.hasContext() ? store.getRequestId() : undefined;
}

function definedOnly(keys: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Powertools writes an Error with its name, message, stack and location; anything else is written as text. */
function loggable(error: unknown): Error | string {
  return error instanceof Error ? error : String(error);
}
