import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer as ApiEvent,
  APIGatewayProxyStructuredResultV2 as ApiResult,
  Context,
} from 'aws-lambda';
import * as z from 'zod';
import { type Claims, roleOf } from '../auth/claims.ts';
import { DomainError, Forbidden, StoreThrottled, Unauthorized, ValidationFailed } from '../errors.ts';
import { type Ending, invocation } from '../observability.ts';
import type { Role } from '../work-order/model.ts';

/** Who is calling, from the token's claims (API Gateway's JWT authorizer, or the local server's). */
export interface Principal {
  sub: string;
  role: Role;
  customerId?: string;
  engineerId?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The body is text, answered as it is in the content type its headers name, rather than as JSON. */
  text?: true;
}

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });
/** A 302 to where the answer is (a short-lived link to a stored file), with no body. */
export const found = (location: string): Reply => ({ status: 302, headers: { location } });
/** A 200 whose body is text in another media type than JSON: the one the contract's `response.text` names. */
export const okText = (body: string, contentType: string, headers?: Record<string, string>): Reply => ({
  status: 200,
  body,
  headers: { ...headers, 'content-type': contentType },
  text: true,
});
export const created = (body: unknown): Reply => ({ status: 201, body });
export const accepted = (body: unknown): Reply => ({ status: 202, body });
/** A success with nothing to answer (a deletion). */
export const noContent = (): Reply => ({ status: 204 });

export const maxBodyBytes = 256 * 1024;

type Fields = Record<string, unknown>;

export interface ApiContext extends Context {
  principal?: Principal;
  json?: unknown;
  /** The path's parameters, checked before anything (an idempotency record among them) is keyed by the path. */
  params?: Record<string, string>;
  /** What made the answer a 5xx, for the request's last log line. */
  failure?: unknown;
}

export interface Options<B extends z.ZodType, Q extends z.ZodType> {
  /** Roles allowed to call; a missing list means any signed-in caller. `auth: false` routes take no token. */
  roles?: Role[];
  auth?: false;
  body?: B;
  /** For a handler serving several routes whose bodies differ (the reference lists): the body's schema per route. */
  bodyOf?: (routeKey: string) => B;
  query?: Q;
  /** `required`: the `Idempotency-Key` header must be present; `optional`: replays when it is. */
  idempotency?: IdempotencyMode;
  /** The change must name the version it was made from (`If-Match`, 428 without): see `expectedVersion`. */
  ifMatch?: true;
  response?: Success;
  errors?: HandlerError[];
}

export type IdempotencyMode = 'required' | 'optional';

/** A middleware of the pipeline. */
export type ApiMiddleware = MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext>;

/** What a route that reads or writes the store adds to the pipeline; `api()` (./api.ts) gives it. */
export interface StoreParts {
  /** True for the store's refusal for now (throttling, a conflicting transaction): answered 503 for a retry. */
  isTransient: (error: unknown) => boolean;
  /** The `Idempotency-Key` middleware, for a route with `idempotency`. */
  idempotency: (mode: IdempotencyMode) => ApiMiddleware;
  /** Opens a list's cursor and seals the next, for a route whose query takes a `cursor` (see ./cursor.ts). */
  cursors: {
    open: (cursor: string, list: string) => Promise<string>;
    seal: (storeCursor: string, list: string) => Promise<string>;
  };
}

/**
 * What a success answers: its status and the schema of the view that builds its body (`bodyOf` per route, for a
 * handler serving several). The view parses its answer with this very schema, and the OpenAPI document shows it.
 */
export interface Success {
  status: 200 | 201 | 202 | 204 | 302;
  body?: z.ZodType;
  bodyOf?: (routeKey: string) => z.ZodType;
  /** Another media type the success may answer in when the request asks for it (`okText`): a download's. */
  text?: { mediaType: string; description: string };
}

/**
 * The error statuses a handler's own rules answer (a record not found, a conflict with its state). Those `api()`
 * answers by itself (400, 401, 403, 413, 415, 429, 503, and the idempotency and If-Match ones) are added to them.
 */
export type HandlerError = 404 | 409 | 412 | 422;

/** What a handler takes and answers, as `api()` enforces it: the OpenAPI document (infra/openapi.ts) is made from it. */
export interface Contract {
  roles?: Role[];
  auth?: false;
  body?: z.ZodType;
  bodyOf?: (routeKey: string) => z.ZodType;
  query?: z.ZodType;
  idempotency?: IdempotencyMode;
  ifMatch?: true;
  response?: Success;
  errors?: HandlerError[];
}

export interface Input<B extends z.ZodType, Q extends z.ZodType> {
  body: z.infer<B>;
  query: z.infer<Q>;
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
  principal: Principal;
  /** e.g. `GET /v1/sites/{id}`: tells a handler serving several routes which one was called. */
  routeKey: string;
  /** The version `If-Match` names, on `ifMatch` routes. */
  expectedVersion?: number;
}

/**
 * Builds an API Gateway (HTTP API v2) handler: token claims to a principal and a role check, a body size limit,
 * strict JSON parsing with zod, and every failure as `application/problem+json`, logged and counted. It imports
 * nothing of the store: a route that reads or writes it (every route but the OpenAPI document's) is built with
 * `api()` (./api.ts), which adds the store's parts (`store`); a route with `idempotency`, or whose query takes a
 * `cursor`, is refused without them. So the route that reads no store bundles none of it. The local server calls the
 * same handler with the same event shape.
 */
export function endpoint<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodObject>(
  options: Options<B, Q>,
  store?: StoreParts,
) {
  const contract: Contract = options;
  const storeFor = (what: string) => {
    if (!store) throw new Error(`${what} needs the store: build the handler with api() (shared/http/api.ts).`);
    return store;
  };
  const cursors = isPaged(options.query) ? storeFor('A list (a query with a cursor)').cursors : undefined;
  const idempotency = options.idempotency ? storeFor('Idempotency-Key').idempotency(options.idempotency) : undefined;
  return {
    handler: (fn: (input: Input<B, Q>) => Promise<Reply>) =>
      Object.assign(
        observedApi(
          middy<ApiEvent, ApiResult, Error, ApiContext>()
            .use([
              problemErrors(store?.isTransient),
              authenticate(options),
              checkPath(),
              readJson(),
              ...(idempotency ? [idempotency] : []),
            ])
            .handler(async (event, context) => {
              const bodySchema = options.bodyOf?.(event.routeKey) ?? options.body ?? z.undefined();
              const body = parse(bodySchema, context.json, 'body') as z.infer<B>;
              const query = parse(
                options.query ?? z.strictObject({}),
                event.queryStringParameters ?? {},
                'query',
              ) as Fields;
              const headers = event.headers ?? {};
              const principal = context.principal ?? { sub: 'anonymous', role: 'customer' };
              const paging = cursors && { ...cursors, list: listOf(principal, event, query) };
              if (paging && typeof query.cursor === 'string') {
                query.cursor = await paging.open(query.cursor, paging.list);
              }
              const reply = await fn({
                body,
                query: query as z.infer<Q>,
                params: context.params ?? {},
                headers,
                principal,
                routeKey: event.routeKey,
                expectedVersion: options.ifMatch ? expectedVersion(headers) : undefined,
              });
              if (paging) await sealNextCursor(reply, paging);
              return toResult(reply);
            }),
        ),
        { contract },
      ),
  };
}

type ApiHandler = (event: ApiEvent, context: ApiContext) => Promise<ApiResult>;

/**
 * The request's logging and metrics around everything else (see shared/observability.ts): API Gateway's request id
 * and the route on every line, the work order a `/v1/work-orders/{id}` or `/v1/requests/{id}` path names, and a last
 * line with the status: INFO, with the problem's code for a 4xx (`ClientErrors`); WARN for a 503, the store's "not
 * now"; ERROR with the error and its stack for any other 5xx (`HandlerErrors`).
 */
function observedApi(handler: ApiHandler): ApiHandler {
  return (event, context) =>
    invocation(
      {
        context,
        requestId: event.requestContext?.requestId,
        keys: { route: event.routeKey, workOrderId: workOrderIdOf(event) },
      },
      () => handler(event, context),
      {
        ended: (result) => endingOf(result, context.failure),
        failed: (error) => ({ level: 'error', fields: { status: 500 }, error, counts: 'HandlerErrors' }),
      },
    );
}

function endingOf(result: ApiResult, failure: unknown): Ending {
  const status = result.statusCode ?? 200;
  // A 503 is the store's "not now" (with Retry-After), the caller's to retry, not a defect: WARN, not a HandlerError.
  if (status === 503) return { level: 'warn', fields: { status, problem: problemCodeOf(result) }, error: failure };
  if (status >= 500) return { level: 'error', fields: { status }, error: failure, counts: 'HandlerErrors' };
  if (status >= 400)
    return { level: 'info', fields: { status, problem: problemCodeOf(result) }, counts: 'ClientErrors' };
  return { level: 'info', fields: { status } };
}

function problemCodeOf(result: ApiResult): string | undefined {
  try {
    const code = (JSON.parse(result.body ?? '') as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Routes under a work order (a customer's request is one too) name it in their path. */
const workOrderPaths = /^[A-Z]+ \/v1\/(work-orders|requests)\/\{id\}/;

function workOrderIdOf(event: ApiEvent): string | undefined {
  const id = event.pathParameters?.id;
  return workOrderPaths.test(event.routeKey ?? '') && PathParameter.safeParse(id).success ? id : undefined;
}

/** Parses input with a schema, failing as 400 `request.validation_failed` with every issue's path. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (where === 'body' && value === undefined) throw new ValidationFailed('A JSON body is required.');
  const errors = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message:
      issue.code === 'unrecognized_keys'
        ? `Unknown field(s): ${issue.keys.join(', ')}. They cannot be set here.`
        : issue.message,
  }));
  throw new ValidationFailed(
    `The ${where} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

/**
 * Headers on every answer of the API: no answer is sniffed as another type, and none is kept by a cache (every
 * answer is one caller's).
 */
export const safeHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

function toResult(reply: Reply): ApiResult {
  return {
    statusCode: reply.status,
    // A 204 has no body, so no type of one.
    headers: {
      ...(reply.status === 204 ? {} : { 'content-type': 'application/json' }),
      ...safeHeaders,
      ...reply.headers,
    },
    body: reply.body === undefined ? '' : reply.text ? String(reply.body) : JSON.stringify(reply.body),
  };
}

/** RFC 9457 problem details; anything that is not a DomainError is a bare 500 with the request id. */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): ApiResult {
  const { retryAfterSeconds, ...fields } = extra;
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/problem+json',
      ...safeHeaders,
      ...(typeof retryAfterSeconds === 'number' ? { 'retry-after': String(retryAfterSeconds) } : {}),
    },
    body: JSON.stringify({
      type: 'about:blank',
      title: titles[status] ?? 'Error',
      status,
      detail,
      code,
      ...fields,
    }),
  };
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problemErrors(isTransient?: StoreParts['isTransient']): ApiMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        if (error.status >= 500) request.context.failure = error;
        request.response = problem(error.status, error.code, error.message, error.extra);
        return;
      }
      if (isTransient?.(error)) {
        request.context.failure = error;
        const busy = new StoreThrottled();
        request.response = problem(busy.status, busy.code, busy.message, busy.extra);
        return;
      }
      request.context.failure = error;
      request.response = problem(500, 'internal', `Something went wrong. Request id: ${request.context.awsRequestId}.`);
    },
  };
}

/** The caller from the token's claims: its subject and role (`roleOf`), and the customer or engineer it names. */
function principalFrom(claims: Claims): Principal | undefined {
  const role = roleOf(claims);
  const sub = claims.sub;
  if (!role || typeof sub !== 'string') return undefined;
  const text = (key: string) => {
    const value = claims[key] ?? claims[`custom:${key}`];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  return { sub, role, customerId: text('customerId'), engineerId: text('engineerId') };
}

function authenticate(options: { roles?: Role[]; auth?: false }): ApiMiddleware {
  return {
    before: (request) => {
      if (options.auth === false) return;
      const claims = request.event.requestContext?.authorizer?.jwt?.claims as Claims | undefined;
      const principal = claims ? principalFrom(claims) : undefined;
      if (!principal) {
        throw new Unauthorized(
          'The token carries no usable subject and role. An office account is given its role only once it signs in with an authenticator app.',
        );
      }
      if (principal.role === 'customer' && !principal.customerId) throw new Forbidden('The token names no customer.');
      if (principal.role === 'engineer' && !principal.engineerId) throw new Forbidden('The token names no engineer.');
      if (options.roles && !options.roles.includes(principal.role)) throw new Forbidden();
      request.context.principal = principal;
    },
  };
}

function readJson(): ApiMiddleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === '') return;
      const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      if (Buffer.byteLength(text, 'utf8') > maxBodyBytes) {
        throw new DomainError('request.too_large', 413, `Bodies are limited to ${maxBodyBytes} bytes.`);
      }
      const contentType = request.event.headers?.['content-type'] ?? 'application/json';
      if (!/^application\/([a-z.+-]+\+)?json\b/i.test(contentType)) {
        throw new DomainError('request.unsupported_media_type', 415, 'Send the body as application/json.');
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ValidationFailed('The body is not valid JSON.');
      }
      checkShape(json);
      request.context.json = json;
    },
  };
}

/** How deep a body may nest, and how large its numbers may be: no field of this API needs more. */
export const maxBodyDepth = 32;
export const maxBodyNumber = 1e15;
/** The smallest magnitude DynamoDB stores; a number closer to zero (but for 0) is refused as it would refuse it. */
export const minBodyMagnitude = 1e-130;

/**
 * Refuses a body nested deeper than {@link maxBodyDepth} or holding a number beyond ±{@link maxBodyNumber} (or one
 * JSON turned into Infinity) or nearer zero than {@link minBodyMagnitude}, before anything reads, copies or serialises
 * it. Walks without recursion, so no body can exhaust the stack.
 */
function checkShape(json: unknown): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: json, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'number' && !(Math.abs(value) <= maxBodyNumber)) {
      throw new ValidationFailed(`Numbers in a body are limited to ±${maxBodyNumber}.`);
    }
    if (typeof value === 'number' && value !== 0 && Math.abs(value) < minBodyMagnitude) {
      throw new ValidationFailed(`Numbers in a body other than 0 are at least ${minBodyMagnitude} in size.`);
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxBodyDepth) throw new ValidationFailed(`Bodies may nest at most ${maxBodyDepth} levels deep.`);
    for (const item of Object.values(value)) pending.push({ value: item, depth: depth + 1 });
  }
}

/**
 * A path parameter is an id of this API: every id it makes or an admin chooses (`wo_…`, slugs, SKUs, ULIDs, base64url
 * hashes) is 1 to 200 of the URL's unreserved characters, so nothing else can name a record.
 */
export const PathParameter = z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/);

function checkPath(): ApiMiddleware {
  return {
    before: (request) => {
      request.context.params = pathParameters(request.event.pathParameters);
    },
  };
}

function pathParameters(parameters: Record<string, string | undefined> | undefined): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (!PathParameter.safeParse(value).success) {
      throw new ValidationFailed(`The path's ${name} is not an id of this API.`, [
        { path: `path.${name}`, message: 'Ids are 1 to 200 letters, digits, ".", "_", "~" or "-".' },
      ]);
    }
    checked[name] = value as string;
  }
  return checked;
}

/** `?limit=&cursor=` of every list. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

/** A list takes `?cursor=` and answers `nextCursor`: the cursors it hands out are sealed (see cursor.ts). */
const isPaged = (query: z.ZodType | undefined) => query instanceof z.ZodObject && 'cursor' in query.shape;

/** What a cursor is bound to: the caller, the route and path, and every filter but the page's own. */
function listOf(principal: Principal, event: ApiEvent, query: Fields): string {
  const filters = Object.entries(query)
    .filter(([name]) => name !== 'cursor' && name !== 'limit')
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([principal.sub, event.routeKey, event.rawPath, filters]);
}

async function sealNextCursor(reply: Reply, paging: { list: string; seal: StoreParts['cursors']['seal'] }) {
  const body = reply.body as { nextCursor?: unknown } | undefined;
  if (typeof body?.nextCursor === 'string') body.nextCursor = await paging.seal(body.nextCursor, paging.list);
}

/**
 * The version `If-Match` names, required (428) where a change must not be blind. Per RFC 9110: `*` matches the
 * current version (undefined: no check); an entity tag that is not one of ours can never be current, so it is 412
 * like a stale one; a header that is not an entity tag is 400.
 */
function expectedVersion(headers: Record<string, string | undefined>): number | undefined {
  const value = headers['if-match']?.trim();
  if (!value) throw new DomainError('request.if_match_required', 428, 'Send If-Match with the ETag you read.');
  if (value === '*') return undefined;
  const tag = /^(?:W\/)?"([^"]*)"$/.exec(value);
  if (!tag) throw new ValidationFailed('If-Match must be an entity tag, such as the ETag of your read, or *.');
  const version = Number(tag[1]);
  // Never a version: the store's versions start at 1, so the change is refused as stale.
  return Number.isInteger(version) && version >= 1 ? version : 0;
}

export const etag = (version: number) => ({ etag: `"${version}"` });
