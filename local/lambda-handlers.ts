import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { invocations, requestIdKey } from './lambda-environment.ts';

/**
 * A Lambda handler as the HTTP API invokes it. On `auth: false` routes `requestContext.authorizer` is absent, as it
 * is in AWS, although the type (shared with the deployed handlers) declares it.
 */
export type ApiHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyResultV2> | APIGatewayProxyResultV2;

export const ACCOUNT_ID = '000000000000';
const REGION = process.env.AWS_REGION ?? 'eu-west-2';
// Lambda's timeout as the handlers see it through getRemainingTimeInMillis (middy derives its own deadline from it).
const TIMEOUT_MS = 30_000;

const handlerModules = new Map<string, Promise<ApiHandler>>();

/** Imports `<repo root>/<file>` once (per thread) and returns its `handler` export. */
export function importHandler(file: string): Promise<ApiHandler> {
  let loading = handlerModules.get(file);
  if (!loading) {
    loading = import(new URL(`../${file}`, import.meta.url).href).then((module: { handler?: unknown }) => {
      if (typeof module.handler !== 'function') throw new Error(`${file} does not export a handler function`);
      return module.handler as ApiHandler;
    });
    handlerModules.set(file, loading);
  }
  return loading;
}

/**
 * Runs one invocation of a handler file's function as Lambda's runtime does: with the context it would get, in an
 * invocation scope of its own holding its request id (see lambda-environment.ts).
 */
export function invokeHandler<R>(handlerFile: string, call: (context: Context) => Promise<R>): Promise<R> {
  const context = lambdaContext(handlerFile);
  return invocations.run({ [requestIdKey]: context.awsRequestId }, () => call(context));
}

/** The Lambda context a handler file's function would get, its deadline the function's timeout from now. */
export function lambdaContext(handlerFile: string): Context {
  // functions/work-orders/approve.ts -> fieldops-local-work-orders-approve
  const functionName = `fieldops-local-${handlerFile.replace(/^functions\/|\.ts$/g, '').replaceAll('/', '-')}`;
  const deadline = Date.now() + TIMEOUT_MS;
  const unsupported = () => {
    throw new Error('context.done/fail/succeed are not supported: return or throw from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
