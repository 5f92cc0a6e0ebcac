import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi, documentFile } from '#infra/openapi.ts';
import { routes } from '#infra/routes.ts';
import { startLocalApi } from '../fixtures/local-api.ts';

const committed = JSON.parse(readFileSync(documentFile, 'utf8'));

describe('the OpenAPI document', () => {
  it('is what the routes and handlers make (run `npm run openapi` after changing either)', async () => {
    expect(committed).toEqual(await buildOpenApi());
  });

  it('has every deployed route, and no other', () => {
    const documented = Object.entries(committed.paths as Record<string, object>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const deployed = routes.filter((route) => !route.localOnly).map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(deployed.sort());
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
