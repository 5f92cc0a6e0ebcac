/**
 * The OpenAPI 3.1 document of the HTTP API, made from what the API enforces rather than written beside it: the
 * routing table (routes.ts) and each handler's contract as `api()` keeps it (roles, body and query schemas,
 * Idempotency-Key, If-Match), with the handler's doc comment as the operation's summary. `npm run openapi` writes
 * it to `openapi.json`, which `GET /v1/openapi.json` serves; a test fails when that file is not what this makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Contract } from '#shared/http/api.ts';
import { type Route, routes } from './routes.ts';

const repoRoot = new URL('../', import.meta.url);
export const documentFile = fileURLToPath(new URL('openapi.json', repoRoot));

type Schema = Record<string, unknown>;

export async function buildOpenApi(): Promise<Schema> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes.filter((r) => !r.localOnly)) {
    const module = (await import(new URL(route.handler, repoRoot).href)) as { handler: { contract?: Contract } };
    const contract = module.handler.contract;
    if (!contract) throw new Error(`${route.handler} is not built with api()`);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Schema>)[route.method.toLowerCase()] = operation(route, contract);
  }
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
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
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
        },
      },
    },
  };
}

function operation(route: Route, contract: Contract): Schema {
  const routeKey = `${route.method} ${route.path}`;
  const body = contract.bodyOf?.(routeKey) ?? contract.body;
  const query = contract.query ? jsonSchema(contract.query) : undefined;
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  return {
    operationId: routeKey.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, ''),
    summary: summaryOf(route.handler),
    tags: [route.path.split('/')[2]],
    ...(contract.auth === false ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(contract.roles && { 'x-roles': contract.roles }),
    parameters: [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
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
      '2XX': { description: 'Success', content: { 'application/json': {} } },
      '400': problem('The body, query or a header is not valid'),
      ...(contract.auth === false ? {} : { '401': problem('No token, or not a valid one') }),
      ...(contract.roles ? { '403': problem("The token's role may not call this") } : {}),
      '404': problem('Not found, or not the caller’s to see'),
      '409': problem('The change conflicts with the current state'),
      ...(contract.ifMatch ? { '412': problem('If-Match is stale'), '428': problem('If-Match is missing') } : {}),
      '413': problem('The body is over 256 KB'),
      ...(contract.idempotency ? { '422': problem('The Idempotency-Key was used with another body') } : {}),
      '429': problem('Too many requests; retry after Retry-After'),
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
