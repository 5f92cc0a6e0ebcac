/**
 * The OpenAPI 3.1 document of the HTTP API, made from what the API enforces rather than written beside it: the
 * routing table (routes.ts) and each handler's contract as `api()` keeps it (roles, body and query schemas,
 * Idempotency-Key, If-Match, the view its success answers and the errors its rules answer), with the handler's doc
 * comment as the operation's summary; and the one route the local server serves itself, the event stream. Routes
 * only the local server serves say so (`x-local-only`, and the local server as their `servers`). `npm run openapi`
 * writes it to `openapi.json`, which `GET /v1/openapi.json` serves; a test fails when that file is not what this
 * makes, or when it documents other routes than those served.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as z from 'zod';
import * as AccountingViews from '#shared/accounting/views.ts';
import * as AttachmentViews from '#shared/attachments/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import * as InvoiceViews from '#shared/closeout/views.ts';
import { FeedEvent, FeedPage } from '#shared/events.ts';
import { type Contract, type HandlerError, PathParameter } from '#shared/http/api.ts';
import * as IntakeViews from '#shared/intake/views.ts';
import * as PurchasingViews from '#shared/purchasing/views.ts';
import * as QuoteViews from '#shared/quotes/views.ts';
import * as ReferenceViews from '#shared/reference/views.ts';
import * as ReportViews from '#shared/reports/views.ts';
import * as SchedulingViews from '#shared/scheduling/views.ts';
import * as StockViews from '#shared/stock/views.ts';
import * as WorkOrderViews from '#shared/work-order/views.ts';
import { type Route, routes } from './routes.ts';

const repoRoot = new URL('../', import.meta.url);
export const documentFile = fileURLToPath(new URL('openapi.json', repoRoot));

type Schema = Record<string, unknown>;

/**
 * The views' schemas, each a component under its exported name (`WorkOrderForOffice`, `Invoice`...): a response
 * that is, or holds, one refers to it rather than repeating it.
 */
const viewModules: Array<Record<string, unknown>> = [
  WorkOrderViews,
  AttachmentViews,
  QuoteViews,
  InvoiceViews,
  AccountingViews,
  ReferenceViews,
  IntakeViews,
  SchedulingViews,
  StockViews,
  PurchasingViews,
  ReportViews,
  { FeedEvent, FeedPage },
];

const componentUri = (id: string) => `#/components/schemas/${id}`;

/** The local server (`npm start`, `PORT` overrides), the only one that serves the routes it alone has. */
const localServers = [
  {
    url: 'http://127.0.0.1:{port}',
    description: 'The local server (`npm start`) only: never deployed',
    variables: { port: { default: '3000' } },
  },
];

/** The event stream's path: the local server serves it itself (local/event-stream.ts), with no handler of routes.ts. */
export const eventStreamPath = '/v1/events/stream';

export async function buildOpenApi(): Promise<Schema> {
  const served = await Promise.all(
    routes.map(async (route) => {
      const contract = await contractOf(route);
      // A redirect answers no body (only where to go), and a 204 none at all.
      const bodiless = contract.response?.status === 302 || contract.response?.status === 204;
      return { route, contract, answer: bodiless ? undefined : answerOf(route, contract) };
    }),
  );
  const answers = answerSchemas(served.flatMap(({ answer }) => (answer ? [answer] : [])));
  const paths: Record<string, Record<string, Schema>> = {};
  for (const { route, contract, answer } of served) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Schema>)[route.method.toLowerCase()] = operation(
      route,
      contract,
      answer ? answers.schemaOf(answer) : {},
    );
  }
  paths[eventStreamPath] = { get: eventStream() };
  const { version, description } = JSON.parse(readFileSync(new URL('package.json', repoRoot), 'utf8'));
  return {
    openapi: '3.1.0',
    info: {
      title: 'FieldOps HTTP API',
      version,
      description: `${description} Errors are RFC 9457 problem details with a stable \`code\`.`,
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        accessToken: {
          type: 'apiKey',
          in: 'query',
          name: 'access_token',
          description: 'The bearer token as a query parameter, for an EventSource, which cannot send headers.',
        },
      },
      schemas: { ...answers.components, Problem },
      responses: Object.fromEntries(
        Object.entries(commonProblems).map(([name, description]) => [name, problem(description)]),
      ),
    },
  };
}

async function contractOf(route: Route): Promise<Contract> {
  const module = (await import(new URL(route.handler, repoRoot).href)) as { handler: { contract?: Contract } };
  const contract = module.handler.contract;
  if (!contract) throw new Error(`${route.handler} is not built with api() or endpoint()`);
  return contract;
}

/** The schema of what a success of the route answers. */
function answerOf(route: Route, contract: Contract): z.ZodType {
  const answer = contract.response?.bodyOf?.(`${route.method} ${route.path}`) ?? contract.response?.body;
  if (!answer) throw new Error(`${route.handler} declares no response`);
  return answer;
}

const Problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', examples: ['request.validation_failed', 'workorder.invalid_transition'] },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: componentUri('Problem') } } },
});

const successes = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 302: 'Found' } as const;

/** One route's operation; `answer` is the JSON Schema of what its success answers. */
function operation(route: Route, contract: Contract, answer: Schema): Schema {
  const routeKey = `${route.method} ${route.path}`;
  const body = contract.bodyOf?.(routeKey) ?? contract.body;
  const query = contract.query ? jsonSchema(contract.query) : undefined;
  const status = contract.response?.status ?? 200;
  return {
    operationId: operationId(routeKey),
    summary: summaryOf(route.handler),
    tags: [route.localOnly ? 'local' : route.path.split('/')[2]],
    ...(route.localOnly && { servers: localServers, 'x-local-only': true }),
    ...(contract.auth === false ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(contract.roles && { 'x-roles': contract.roles }),
    parameters: [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: jsonSchema(PathParameter),
      })),
      ...Object.entries((query?.properties ?? {}) as Record<string, Schema>).map(([name, schema]) => ({
        name,
        in: 'query',
        required: ((query?.required ?? []) as string[]).includes(name),
        schema,
      })),
      ...(contract.idempotency
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: contract.idempotency === 'required',
              description: 'The same key with the same body replays the first answer; with another body, 422.',
              schema: { type: 'string', maxLength: 255 },
            },
          ]
        : []),
      ...(contract.ifMatch
        ? [
            {
              name: 'If-Match',
              in: 'header',
              required: true,
              description: 'The ETag of the last read; a stale one is 412.',
              schema: { type: 'string' },
            },
          ]
        : []),
    ],
    ...(body && !(body instanceof z.ZodUndefined)
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(body) } } } }
      : {}),
    responses: {
      [status]:
        status === 302
          ? redirect(contract)
          : status === 204
            ? { description: successes[status] }
            : {
                description: successes[status],
                content: {
                  'application/json': { schema: answer },
                  ...(contract.response?.text && {
                    [contract.response.text.mediaType]: {
                      schema: { type: 'string', description: contract.response.text.description },
                    },
                  }),
                },
              },
      ...errorResponses(route, contract),
    },
  };
}

/** A 302's answer: no body, and where to go in `Location`. */
const redirect = (contract: Contract): Schema => ({
  description: contract.response?.text?.description ?? 'Found: the Location header names where the answer is.',
  headers: { Location: { required: true, schema: { type: 'string', format: 'uri' } } },
});

const operationId = (routeKey: string) => routeKey.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, '');

/**
 * The errors an operation can answer: those `api()` and the server answer by their own rules, from what the
 * contract and the route say, and those the handler's rules answer (`errors`). No other status, and never 500.
 */
function errorResponses(route: Route, contract: Contract): Record<string, Schema> {
  const declared = new Set<HandlerError>(contract.errors);
  const authenticated = contract.auth !== false;
  const idempotent = contract.idempotency !== undefined;
  const ifMatch = contract.ifMatch === true;
  const responses: Record<number, Schema | false> = {
    400: common('BadRequest'),
    401: authenticated && common('Unauthorized'),
    403: authenticated && common('Forbidden'),
    404: declared.has(404) && common('NotFound'),
    409: problemFor(
      declared.has(409) && 'The change conflicts with the current state',
      idempotent && 'A request with this Idempotency-Key is still being answered: retry after Retry-After',
    ),
    412: (declared.has(412) || ifMatch) && common('PreconditionFailed'),
    413: common('ContentTooLarge'),
    415: common('UnsupportedMediaType'),
    422: problemFor(
      declared.has(422) && 'The field event id was recorded with another body',
      idempotent && 'The Idempotency-Key was used with another body',
    ),
    428: ifMatch && common('PreconditionRequired'),
    429: common('TooManyRequests'),
    503: (route.needs.includes('read') || route.needs.includes('write')) && common('StoreBusy'),
  };
  return Object.fromEntries(Object.entries(responses).filter((entry): entry is [string, Schema] => entry[1] !== false));
}

/** A problem response for the reasons that hold, or none when none does. */
function problemFor(...reasons: Array<string | false>): Schema | false {
  const holding = reasons.filter((reason): reason is string => reason !== false);
  return holding.length > 0 && problem(holding.join('; or '));
}

/** The problems many operations answer alike, each once under `components.responses`. */
const commonProblems = {
  BadRequest: 'The body, query, path or a header is not valid',
  Unauthorized: 'No token, or not a valid one',
  Forbidden: "The token's role may not call this, or it names no customer or engineer",
  NotFound: 'Not found, or not the caller’s to see',
  PreconditionFailed: 'If-Match is not the current version',
  ContentTooLarge: 'The body is over 256 KB',
  UnsupportedMediaType: 'The body is not JSON',
  PreconditionRequired: 'If-Match is missing',
  TooManyRequests: 'Too many requests: retry after Retry-After',
  StoreBusy: 'The store is busy and nothing was written: retry after Retry-After',
};

const common = (name: keyof typeof commonProblems) => ({ $ref: `#/components/responses/${name}` });

/**
 * `GET /v1/events/stream`: the change feed as Server-Sent Events, served by the local server itself. Deployed,
 * integrations follow the feed on the instance's event bus (an EventBridge Pipe from the table's stream), or poll
 * `GET /v1/events`.
 */
function eventStream(): Schema {
  return {
    operationId: operationId(`GET ${eventStreamPath}`),
    summary:
      'The change feed as Server-Sent Events, for the office’s live view: each event’s `id:` is its cursor, its ' +
      '`event:` its type and its `data:` the feed event as `GET /v1/events` answers it, sent as soon as it is ' +
      'committed, so one may come a moment before an event with an earlier cursor. An EventSource resumes from ' +
      '`Last-Event-ID` (from a commit horizon before it, so an event committed late is not lost: a client drops the ' +
      'repeats by cursor); without a cursor the stream starts with what happens next.',
    tags: ['events'],
    servers: localServers,
    'x-local-only': true,
    security: [{ bearer: [] }, { accessToken: [] }],
    'x-roles': officeRoles,
    parameters: [
      {
        name: 'after',
        in: 'query',
        required: false,
        description: 'The cursor to resume after.',
        schema: { type: 'string' },
      },
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'The cursor to resume after, as an EventSource sends it when it reconnects.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: {
        description: 'An open stream of events, with a comment line every 15 s to keep it open',
        content: {
          'text/event-stream': {
            schema: { type: 'string' },
            'x-event-data': { $ref: componentUri('FeedEvent') },
          },
        },
      },
      400: common('BadRequest'),
      401: common('Unauthorized'),
      403: common('Forbidden'),
    },
  };
}

interface AnswerSchemas {
  /** The views' schemas, by the names the view modules export them under. */
  components: Record<string, Schema>;
  /** What a success answers: a reference to its view, or its own schema with references to the views it holds. */
  schemaOf(answer: z.ZodType): Schema;
}

/**
 * The JSON Schemas of the answers (each view's output), in one conversion: every exported schema of the view
 * modules is a component under its name, and an answer that is not one is converted beside them and inlined.
 */
function answerSchemas(answers: z.ZodType[]): AnswerSchemas {
  const registry = z.registry<{ id: string }>();
  for (const module of viewModules) {
    for (const [name, value] of Object.entries(module)) {
      if (value instanceof z.ZodType) registry.add(value, { id: name });
    }
  }
  const inline = new Map<z.ZodType, string>();
  for (const answer of answers) {
    if (registry.has(answer) || inline.has(answer)) continue;
    const id = `~answer${inline.size}`;
    inline.set(answer, id);
    registry.add(answer, { id });
  }
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: componentUri });
  const schemaNamed = (id: string) => {
    const { $schema: _dialect, $id: _id, ...schema } = schemas[id] as Schema;
    return schema;
  };
  return {
    components: Object.fromEntries(
      Object.keys(schemas)
        .filter((id) => !id.startsWith('~'))
        .map((id) => [id, schemaNamed(id)]),
    ),
    schemaOf: (answer) => {
      const id = inline.get(answer);
      return id ? schemaNamed(id) : { $ref: componentUri(registry.get(answer)?.id as string) };
    },
  };
}

/** The JSON Schema of what a client sends (a schema's input, before defaults and coercion). */
function jsonSchema(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
  return rest;
}

/** The handler's doc comment (the one before `export const handler`), on one line. */
function summaryOf(handlerFile: string): string | undefined {
  const source = readFileSync(new URL(handlerFile, repoRoot), 'utf8');
  const comment = /\/\*\*([\s\S]*?)\*\/\s*export const handler/.exec(source)?.[1];
  return comment
    ?.split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .trim();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(documentFile, `${JSON.stringify(await buildOpenApi(), null, 2)}\n`);
  console.log(`wrote ${documentFile}`);
}
