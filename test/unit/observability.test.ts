import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Powertools' documented way to test what it writes: POWERTOOLS_DEV makes the logger and metrics write through the
// global console, which the tests spy on. Set before the modules below create them.
vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_DEV: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_SERVICE_NAME: 'fieldops-test',
    POWERTOOLS_METRICS_NAMESPACE: 'FieldOps',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
});

import { Conflict, StoreConflict, StoreThrottled } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';
import { concerning, count, forRecord, logger, metricNames, observed } from '#shared/observability.ts';
import { task } from '#shared/workflow.ts';

type Line = Record<string, any>;
let written: Line[];

beforeEach(() => {
  written = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((text: unknown) => {
      written.push(typeof text === 'string' && text.startsWith('{') ? JSON.parse(text) : { unparsed: text });
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const logLines = () => written.filter((line) => typeof line.message === 'string');
const lastLine = () => logLines().filter((line) => line.message === 'invocation ended');
const emf = () => written.filter((line) => line._aws !== undefined);

function contextOf(requestId: string, functionName = 'fieldops-test-function'): Context {
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
  } as Context;
}

function apiEvent(routeKey: string, requestId: string, pathParameters?: Record<string, string>) {
  const rawPath = routeKey.split(' ')[1]?.replace('{id}', pathParameters?.id ?? '') ?? '/';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {},
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: { requestId, routeKey, http: { method: routeKey.split(' ')[0], path: rawPath } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

describe('an API handler built with api()', () => {
  const getJob = api({ auth: false }).handler(async ({ params }) => {
    logger.info('reading the job');
    if (params.id === 'wo_missing') throw new Conflict('workorder.invalid_transition', 'Not from here.');
    if (params.id === 'wo_broken') throw new Error('the store fell over');
    if (params.id === 'wo_busy') throw new StoreThrottled();
    return ok({ id: params.id });
  });
  const listCategories = api({ auth: false }).handler(async () => {
    logger.info('listing categories');
    return ok({ items: [] });
  });

  it("writes JSON lines carrying API Gateway's request id and the work order its path names", async () => {
    const answer = await getJob(apiEvent('GET /v1/work-orders/{id}', 'apigw-1', { id: 'wo_1' }), contextOf('lambda-1'));

    expect(answer.statusCode).toBe(200);
    const [inside, last] = logLines();
    expect(inside).toMatchObject({ message: 'reading the job', requestId: 'apigw-1', workOrderId: 'wo_1' });
    expect(last).toMatchObject({
      level: 'INFO',
      message: 'invocation ended',
      service: 'fieldops-test',
      requestId: 'apigw-1',
      workOrderId: 'wo_1',
      route: 'GET /v1/work-orders/{id}',
      status: 200,
      function_request_id: 'lambda-1',
    });
    expect(typeof last?.durationMs).toBe('number');
  });

  it('carries no key of one request into the next', async () => {
    await getJob(apiEvent('GET /v1/work-orders/{id}', 'apigw-2', { id: 'wo_2' }), contextOf('lambda-2'));
    written = [];

    await listCategories(apiEvent('GET /v1/categories', 'apigw-3'), contextOf('lambda-3'));

    for (const line of logLines()) {
      expect(line.requestId).toBe('apigw-3');
      expect(line).not.toHaveProperty('workOrderId');
    }
    expect(lastLine()).toHaveLength(1);
  });

  it('logs a 4xx at INFO with its problem code and counts it as a client error, in EMF', async () => {
    const answer = await getJob(
      apiEvent('POST /v1/work-orders/{id}/approve', 'apigw-4', { id: 'wo_missing' }),
      contextOf('lambda-4'),
    );

    expect(answer.statusCode).toBe(409);
    expect(lastLine()[0]).toMatchObject({ level: 'INFO', status: 409, problem: 'workorder.invalid_transition' });
    expect(emf()).toHaveLength(1);
    expect(emf()[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'FieldOps', Dimensions: [['service']], Metrics: [{ Name: 'ClientErrors', Unit: 'Count' }] },
        ],
      },
      service: 'fieldops-test',
      ClientErrors: 1,
      requestId: 'apigw-4',
    });
  });

  it('logs a 5xx at ERROR with the error and its stack, and counts a handler error', async () => {
    const answer = await getJob(
      apiEvent('GET /v1/work-orders/{id}', 'apigw-5', { id: 'wo_broken' }),
      contextOf('lambda-5'),
    );

    expect(answer.statusCode).toBe(500);
    const last = lastLine()[0];
    expect(last).toMatchObject({ level: 'ERROR', status: 500, requestId: 'apigw-5', workOrderId: 'wo_broken' });
    expect(last?.error).toMatchObject({ name: 'Error', message: 'the store fell over' });
    expect(String(last?.error.stack)).toContain('observability.test.ts');
    expect(emf()[0]).toMatchObject({ HandlerErrors: 1 });
    // The answer itself says nothing of the error but the request id.
    expect(JSON.parse(answer.body ?? '').detail).not.toContain('store');
  });

  it("logs a 503, the store's “not now”, at WARN and counts no handler error", async () => {
    const answer = await getJob(apiEvent('GET /v1/work-orders/{id}', 'apigw-6', { id: 'wo_busy' }), contextOf('l-6'));

    expect(answer.statusCode).toBe(503);
    expect(lastLine()[0]).toMatchObject({ level: 'WARN', status: 503, problem: 'Store.Throttled' });
    expect(emf().filter((line) => 'HandlerErrors' in line)).toEqual([]);
  });

  it('writes no metrics, and no warning about it, for an invocation that recorded none', async () => {
    await listCategories(apiEvent('GET /v1/categories', 'apigw-6'), contextOf('lambda-6'));

    expect(emf().filter((line) => !('ColdStart' in line))).toEqual([]);
    expect(written.filter((line) => String(line.unparsed ?? line.message).includes('No application metrics'))).toEqual(
      [],
    );
  });
});

describe('a workflow task built with task()', () => {
  const run = task(async (event: { workOrderId: string; fail?: 'domain' | 'busy' | 'bug' }) => {
    logger.info('doing the task');
    if (event.fail === 'domain') throw new Conflict('workorder.not_completed', 'Not completed.');
    if (event.fail === 'busy') throw new StoreConflict();
    if (event.fail === 'bug') throw new TypeError('undefined is not a function');
    count('InvoicesIssued');
    return { done: true };
  });

  it("names the input's work order and execution, and Lambda's request id, on every line", async () => {
    await run({ workOrderId: 'wo_7', executionName: 'wo_7-run2' } as never, contextOf('lambda-7', 'generate-invoice'));

    expect(logLines().map((line) => line.message)).toEqual(['doing the task', 'invocation ended']);
    for (const line of logLines()) {
      expect(line).toMatchObject({
        requestId: 'lambda-7',
        workOrderId: 'wo_7',
        executionName: 'wo_7-run2',
        task: 'generate-invoice',
      });
    }
    expect(lastLine()[0]).toMatchObject({ level: 'INFO', outcome: 'ok' });
  });

  it('writes the metrics it recorded once, at its end, in EMF', async () => {
    await run({ workOrderId: 'wo_8' }, contextOf('lambda-8'));

    const metrics = emf().filter((line) => metricNames.InvoicesIssued in line);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'FieldOps', Metrics: [{ Name: 'InvoicesIssued', Unit: 'Count' }] }] },
      InvoicesIssued: 1,
    });
    expect(written.indexOf(metrics[0] as Line)).toBeGreaterThan(written.indexOf(lastLine()[0] as Line));
  });

  it('leaves the execution name out when the input has none, and carries neither key into the next task', async () => {
    await run({ workOrderId: 'wo_9', executionName: 'wo_9' } as never, contextOf('lambda-9'));
    written = [];

    await run({} as never, contextOf('lambda-10'));

    expect(lastLine()[0]).toMatchObject({ requestId: 'lambda-10' });
    expect(lastLine()[0]).not.toHaveProperty('workOrderId');
    expect(lastLine()[0]).not.toHaveProperty('executionName');
  });

  it('ends at WARN with the code of a domain error (the ASL catches it by name), which it throws on', async () => {
    await expect(run({ workOrderId: 'wo_11', fail: 'domain' }, contextOf('lambda-11'))).rejects.toThrow(Conflict);

    expect(lastLine()[0]).toMatchObject({ level: 'WARN', outcome: 'workorder.not_completed', workOrderId: 'wo_11' });
    expect(emf().filter((line) => 'HandlerErrors' in line)).toEqual([]);
  });

  it('ends at WARN on a store conflict, which the ASL retries by name, and counts no handler error', async () => {
    await expect(run({ workOrderId: 'wo_13', fail: 'busy' }, contextOf('lambda-13'))).rejects.toThrow(StoreConflict);

    expect(lastLine()[0]).toMatchObject({ level: 'WARN', outcome: 'Store.Conflict' });
    expect(emf().filter((line) => 'HandlerErrors' in line)).toEqual([]);
  });

  it('ends at ERROR with the stack of anything else, and counts a handler error', async () => {
    await expect(run({ workOrderId: 'wo_12', fail: 'bug' }, contextOf('lambda-12'))).rejects.toThrow(TypeError);

    expect(lastLine()[0]).toMatchObject({ level: 'ERROR', outcome: 'TypeError' });
    expect(String(lastLine()[0]?.error.stack)).toContain('TypeError: undefined is not a function');
    expect(emf().filter((line) => 'HandlerErrors' in line)).toHaveLength(1);
  });
});

describe('a trigger handler wrapped with observed()', () => {
  const verify = observed('verify-upload', async (event: { keys: string[] }) => {
    for (const key of event.keys) {
      await forRecord(async () => {
        concerning(key.split('/')[1]);
        logger.info('checked an object');
      });
    }
    logger.info('checked every object');
  });

  it('names each record’s work order on its own lines only, and Lambda’s request id on all', async () => {
    await verify({ keys: ['work-orders/wo_a/photo/1', 'work-orders/wo_b/photo/2'] }, contextOf('lambda-13'));

    expect(logLines().map((line) => [line.message, line.workOrderId, line.requestId, line.handler])).toEqual([
      ['checked an object', 'wo_a', 'lambda-13', 'verify-upload'],
      ['checked an object', 'wo_b', 'lambda-13', 'verify-upload'],
      ['checked every object', undefined, 'lambda-13', 'verify-upload'],
      ['invocation ended', undefined, 'lambda-13', 'verify-upload'],
    ]);
  });
});

describe("Powertools' cold start metric", () => {
  it('is written for the first invocation of a process only', async () => {
    vi.resetModules();
    const fresh = await import('#shared/observability.ts');
    const handler = fresh.observed('cold', async () => undefined);

    await handler(undefined, contextOf('lambda-14', 'cold-function'));
    await handler(undefined, contextOf('lambda-15', 'cold-function'));

    const coldStarts = emf().filter((line) => metricNames.ColdStart in line);
    expect(coldStarts).toHaveLength(1);
    expect(coldStarts[0]).toMatchObject({ service: 'fieldops-test', function_name: 'cold-function', ColdStart: 1 });
    expect(logLines()[0]).toMatchObject({ cold_start: true });
    expect(logLines()[1]).toMatchObject({ cold_start: false });
  });
});
