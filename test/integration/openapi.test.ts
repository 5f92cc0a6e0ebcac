import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi, documentFile } from '#infra/openapi.ts';
import { routes } from '#infra/routes.ts';
import { eventStreamRoute } from '#local/event-stream.ts';
import { pageRoutes } from '#local/portal.ts';
import { startLocalApi } from '../fixtures/local-api.ts';

const committed = JSON.parse(readFileSync(documentFile, 'utf8'));

describe('the OpenAPI document', () => {
  it('is what the routes and handlers make (run `npm run openapi` after changing either)', async () => {
    expect(committed).toEqual(await buildOpenApi());
  });

  it('has every route the API serves, and no other; those only the local server serves say so', () => {
    const operations = Object.entries(committed.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
    );
    // The local server serves the routing table, and itself the event stream and the pages' files (not API).
    const served = [...routes, eventStreamRoute('unused'), ...pageRoutes()].filter(
      (route) => !/^\/(portal|app|common|office)(\/|$)/.test(route.path),
    );
    const localOnly = served.filter((route) => !('handler' in route) || route.localOnly);
    expect(operations.map(({ key }) => key).sort()).toEqual(served.map((r) => `${r.method} ${r.path}`).sort());
    expect(
      operations
        .filter(({ operation }) => operation['x-local-only'])
        .map(({ key }) => key)
        .sort(),
    ).toEqual(localOnly.map((r) => `${r.method} ${r.path}`).sort());
    for (const { operation } of operations.filter(({ operation }) => operation['x-local-only'])) {
      expect(operation.servers).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:{port}' })]);
    }
  });

  it('states what each operation answers: the view of its success, and only the errors it can answer', () => {
    const responses = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      return committed.paths[path][method.toLowerCase()].responses;
    };
    const schemaOf = (key: string, status: string) => responses(key)[status].content['application/json'].schema;
    expect(schemaOf('GET /v1/quotes/{id}', '200')).toEqual({ $ref: '#/components/schemas/Quote' });
    expect(committed.components.schemas.Quote.anyOf).toEqual([
      { $ref: '#/components/schemas/QuoteForOffice' },
      { $ref: '#/components/schemas/QuoteForCustomer' },
    ]);
    expect(committed.components.schemas.QuoteForCustomer.properties).not.toHaveProperty('createdBy');
    expect(committed.components.schemas.QuoteForCustomer.additionalProperties).toBe(false);
    expect(schemaOf('GET /v1/work-orders/{id}/job-pack', '200')).toEqual({ $ref: '#/components/schemas/JobPack' });
    expect(committed.components.schemas.JobPack.properties.workOrder).toEqual({
      $ref: '#/components/schemas/WorkOrderForEngineer',
    });
    expect(Object.keys(committed.components.schemas.WorkOrderForEngineer.properties)).not.toEqual(
      expect.arrayContaining(['estimatedCostMinor']),
    );
    expect(schemaOf('POST /v1/work-orders', '201')).toEqual({ $ref: '#/components/schemas/WorkOrderForOffice' });
    expect(schemaOf('POST /v1/work-orders/{id}/complete', '202')).toEqual({
      $ref: '#/components/schemas/FieldAnswer',
    });
    expect(schemaOf('GET /v1/customers', '200').properties.items.items).toEqual({
      $ref: '#/components/schemas/Customer',
    });

    // A list finds nothing to conflict with; a read that names no record finds nothing missing.
    expect(Object.keys(responses('GET /v1/work-orders'))).toEqual([
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(Object.keys(responses('GET /v1/work-orders/{id}'))).toContain('404');
    expect(Object.keys(responses('GET /v1/work-orders/{id}'))).not.toContain('409');
    // Idempotency-Key adds its 409 (still in flight) and 422 (another body); If-Match its 412 and 428.
    expect(Object.keys(responses('POST /v1/work-orders'))).toEqual(
      expect.arrayContaining(['201', '404', '409', '422']),
    );
    expect(Object.keys(responses('PATCH /v1/work-orders/{id}'))).toEqual(expect.arrayContaining(['409', '412', '428']));
    // No token, no 401 nor 403; no store, no 503.
    expect(Object.keys(responses('GET /v1/openapi.json'))).toEqual(['200', '400', '413', '415', '429']);
    expect(responses('GET /v1/invoices/{id}/pdf')['302'].headers.Location.required).toBe(true);
    for (const item of Object.values(committed.paths as Record<string, Record<string, any>>)) {
      for (const operation of Object.values(item)) {
        const statuses = Object.keys(operation.responses);
        // One success: a 2xx, or a redirect to a stored file (an invoice's PDF).
        expect(statuses.filter((status) => status.startsWith('2') || status === '302')).toHaveLength(1);
        expect(statuses).not.toContain('500');
      }
    }
  });

  it('documents the event stream the local server serves: Server-Sent Events of the feed, for the office', () => {
    const stream = committed.paths['/v1/events/stream'].get;
    expect(stream['x-local-only']).toBe(true);
    expect(stream['x-roles']).toEqual(['dispatcher', 'approver', 'admin']);
    expect(stream.security).toEqual([{ bearer: [] }, { accessToken: [] }]);
    expect(committed.components.securitySchemes.accessToken).toMatchObject({ in: 'query', name: 'access_token' });
    expect(stream.responses['200'].content['text/event-stream']['x-event-data']).toEqual({
      $ref: '#/components/schemas/FeedEvent',
    });
    expect(Object.keys(stream.responses)).toEqual(['200', '400', '401', '403']);
  });

  it('is served, with no token, as it is committed', async () => {
    const api = await startLocalApi();
    try {
      const reply = await api.call('GET', '/v1/openapi.json');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(committed);
    } finally {
      await api.close();
    }
  });

  it('states what a request must carry, as the handlers enforce it', () => {
    const submit = committed.paths['/v1/requests'].post;
    const body = submit.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['category', 'description', 'contact']);
    expect(body.additionalProperties).toBe(false);
    expect(submit.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', required: true }));
    expect(submit['x-roles']).toEqual(['customer']);

    const update = committed.paths['/v1/work-orders/{id}'].patch;
    expect(update.parameters).toContainEqual(
      expect.objectContaining({ name: 'If-Match', in: 'header', required: true }),
    );
    expect(Object.keys(update.responses)).toEqual(expect.arrayContaining(['412', '428']));

    const board = committed.paths['/v1/work-orders'].get;
    expect(board.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'priority', 'limit', 'cursor']),
    );

    const addSite = committed.paths['/v1/sites'].post.requestBody.content['application/json'].schema;
    expect(addSite.required).toEqual(expect.arrayContaining(['customerId', 'address', 'postcode', 'lat', 'lng']));
    expect(committed.paths['/v1/openapi.json'].get.security).toEqual([]);
  });
});
