import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * What Lambda gives the deployed functions that the handlers run here need too, set before any handler module
 * loads (Powertools reads its settings when shared/observability.ts creates the logger and metrics):
 *
 * - Powertools' service name and metrics namespace, as infra/lambda.ts sets them (the namespace is its
 *   `metricsNamespace`), and the initialization type Lambda sets (by which Powertools tells a cold start). Logs and metrics go to stdout, as in Lambda; outside `npm start` (a test, a benchmark, which
 *   print their own reports) only warnings and errors are logged and no metrics written, unless the environment
 *   says otherwise (`POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_DISABLED`).
 * - An invocation store that keeps each invocation's state apart. Lambda runs one invocation at a time per instance;
 *   here every function shares one process and invocations run side by side (as on Lambda Managed Instances), so,
 *   as Lambda's runtime does there, each invocation runs in a scope of its own (`invokeHandler` in lambda-handlers.ts)
 *   and `AWS_LAMBDA_MAX_CONCURRENCY` tells Powertools to keep its log keys and metrics per scope: one request's
 *   `workOrderId` never lands on another's lines.
 */
process.env.POWERTOOLS_SERVICE_NAME ??= 'fieldops-local';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'FieldOps';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Lambda's own, which Powertools needs to tell the first invocation (its cold start metric and `cold_start` key).
process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';

/** The store of the invocation running now, created before anything (the AWS SDK among them) asks for one. */
export const invocations = await InvokeStore.getInstanceAsync(true);
// Only once the store exists: Powertools fails without it when this is set.
process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';

/** The key Lambda's runtime keeps an invocation's request id under. */
export const requestIdKey = InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID;
