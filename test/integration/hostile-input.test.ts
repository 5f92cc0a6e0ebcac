import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { arrange, completionOf, generalJob, jobsOnSite } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, type Reply, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;

beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

const expectProblem = (reply: Reply, status: number) => {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
};

const tampered = [
  'abc',
  Buffer.from('{"x":1}').toString('base64url'),
  Buffer.from(JSON.stringify({ pk: { S: '$fieldops$customer_1#customerid_cus_okafor' }, sk: { S: 'x' } })).toString(
    'base64url',
  ),
  'x'.repeat(1999),
];

describe('input no caller should be able to turn into a 500', () => {
  it('answers a malformed or tampered cursor on every list with 400', async () => {
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const lists: Array<[string, string]> = [
      ['/v1/work-orders', office],
      ['/v1/work-orders?customerId=cus_okafor', office],
      ['/v1/requests', customer],
      ['/v1/invoices?customerId=cus_okafor', office],
      ['/v1/inbound-mail', office],
      ['/v1/customers', office],
      ['/v1/parts', office],
    ];
    for (const [path, token] of lists) {
      for (const cursor of tampered) {
        const reply = await api.call('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`, { token });
        expectProblem(reply, 400);
        expect(reply.body.code).toBe('request.validation_failed');
      }
    }
  });

  it('hands out opaque cursors bound to their list and caller: altered, foreign or borrowed ones are 400', async () => {
    const admin = await api.token({ role: 'admin' });
    const first = await api.call('GET', '/v1/customers?limit=1', { token: office });
    const cursor: string = first.body.nextCursor;
    expect(typeof cursor).toBe('string');
    // Nothing of the table's key layout shows through, however the cursor is decoded.
    for (const encoding of ['base64', 'base64url', 'utf8'] as const) {
      expect(Buffer.from(cursor, encoding).toString('utf8')).not.toMatch(/fieldops|customer|"pk"|"sk"/i);
    }
    const next = await api.call('GET', `/v1/customers?limit=1&cursor=${cursor}`, { token: office });
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(first.body.items[0].id);

    const flipped = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
    const refusals = [
      await api.call('GET', `/v1/customers?limit=1&cursor=${flipped}`, { token: office }),
      await api.call('GET', `/v1/parts?limit=1&cursor=${cursor}`, { token: office }),
      await api.call('GET', `/v1/customers?limit=1&cursor=${cursor}`, { token: admin }),
    ];
    for (const reply of refusals) {
      expectProblem(reply, 400);
      expect(reply.body.errors[0].path).toBe('query.cursor');
    }
    const filtered = await api.call('GET', '/v1/work-orders?limit=1&status=logged', { token: office });
    if (filtered.body.nextCursor) {
      const other = `/v1/work-orders?limit=1&status=scheduled&cursor=${filtered.body.nextCursor}`;
      expectProblem(await api.call('GET', other, { token: office }), 400);
    }
  });

  it('answers a path id of 3,000 characters, or with a character no id has, with 400', async () => {
    expectProblem(await api.call('GET', `/v1/work-orders/${'a'.repeat(3000)}`, { token: office }), 400);
    expectProblem(await api.call('GET', '/v1/work-orders/wo_%01', { token: office }), 400);
    // Checked before anything is keyed by the path: an Idempotency-Key's record among them.
    const keyed = await api.call('POST', `/v1/work-orders/${'a'.repeat(3000)}/release`, {
      token: office,
      headers: { 'idempotency-key': 'k-long-path' },
    });
    expectProblem(keyed, 400);
    for (const id of ['wo%20x', '%E2%9C%93', 'wo_1%2F..%2Fx', "wo'or'1"]) {
      expectProblem(await api.call('GET', `/v1/work-orders/${id}`, { token: office }), 400);
    }
  });

  it('refuses a body nested deeper than 32 levels, and numbers beyond ±1e15 or nearer zero than 1e-130, before reading it', async () => {
    // Built as text: a client's own JSON.stringify would overflow its stack on it.
    const nested = `${'['.repeat(5_000)}true${']'.repeat(5_000)}`;
    const deep = await api.call('POST', '/v1/work-orders/wo_none/complete', {
      token: await api.token({ role: 'engineer', engineerId: 'eng_lucy' }),
      rawBody: `{"eventId":"evt-deep-1","outcome":"fixed","findings":"x","workDone":"x","partsUsed":[],"checklist":[{"itemId":"a","value":${nested}}]}`,
    });
    expectProblem(deep, 400);
    expect(deep.body.detail).toMatch(/nest/);
    const admin = await api.token({ role: 'admin' });
    const huge = await api.call('POST', '/v1/job-templates', {
      token: admin,
      body: {
        jobType: 'huge_numbers',
        name: 'Huge',
        requiredSkills: [],
        requiredCertifications: [],
        estimatedMinutes: 60,
        requiresApproval: false,
        checklist: [{ id: 'reading', label: 'Reading', kind: 'number', required: true, min: -1e308, max: 1 }],
      },
    });
    expectProblem(huge, 400);
    // A number nearer zero than DynamoDB stores would be refused by the store: it is refused here first.
    const tiny = await api.call('POST', '/v1/sites', {
      token: admin,
      body: {
        customerId: 'cus_okafor',
        name: 'Shed',
        address: '1 Lapwing Lane',
        postcode: 'M20 2WS',
        lat: 1e-200,
        lng: -2.2,
      },
    });
    expectProblem(tiny, 400);
    expect(tiny.body.detail).toMatch(/at least 1e-130/);
  });
});

describe('object-level checks on an edit', () => {
  it("refuses another customer's asset and unknown parts on a PATCH, as creation does", async () => {
    const { workOrderId } = await arrange(
      generalJob({ workOrderId: 'wo_patch_refs', status: 'ready_to_schedule', siteId: 'site_ancoats' }),
    );
    const patch = async (body: object) => {
      const read = await api.call('GET', `/v1/work-orders/${workOrderId}`, { token: office });
      return api.call('PATCH', `/v1/work-orders/${workOrderId}`, {
        token: office,
        headers: { 'if-match': read.headers.get('etag') as string },
        body,
      });
    };

    const foreign = await patch({ assetIds: ['asset_consumer_unit_didsbury'] });
    expectProblem(foreign, 404);
    expect(foreign.body.code).toBe('asset.not_found');
    expectProblem(await patch({ parts: [{ sku: 'NO-SUCH-PART', qty: 1 }] }), 400);
    const stored = await api.call('GET', `/v1/work-orders/${workOrderId}`, { token: office });
    expect(stored.body.assetIds).toEqual([]);
    expect(stored.body.parts).toEqual([]);
    expect((await patch({ assetIds: ['asset_boiler_ancoats'] })).status).toBe(200);
  });
});

describe('object-level checks on every write that names a reference', () => {
  it("refuses another customer's site or asset on a quote, and unknown parts on its lines, writing nothing", async () => {
    const quote = (overrides: Record<string, unknown>) =>
      api.call('POST', '/v1/quotes', {
        token: office,
        headers: { 'idempotency-key': `quote-${JSON.stringify(overrides)}` },
        body: {
          customerId: 'cus_okafor',
          siteId: 'site_didsbury',
          jobType: 'boiler_service',
          description: 'Annual service',
          lines: [{ description: 'Labour', qty: 1, unitMinor: 9000 }],
          ...overrides,
        },
      });
    expectProblem(await quote({ siteId: 'site_ancoats' }), 404);
    expectProblem(await quote({ assetIds: ['asset_boiler_ancoats'] }), 404);
    const unknownPart = await quote({ lines: [{ description: 'Valve', qty: 1, unitMinor: 900, sku: 'NO-SUCH' }] });
    expectProblem(unknownPart, 400);
    expect(unknownPart.body.errors[0]).toMatchObject({ path: 'body.lines' });
  });

  it('refuses an unknown engineer on an assignment, and unknown parts recorded on site', async () => {
    const { workOrderId } = await arrange(generalJob({ workOrderId: 'wo_refs_on_site', status: 'ready_to_schedule' }));
    const assign = await api.call('POST', `/v1/work-orders/${workOrderId}/assign`, {
      token: office,
      body: { engineerId: 'eng_nobody' },
    });
    expectProblem(assign, 404);

    const { workOrderId: onSite, engineerId } = (await jobsOnSite('hostile_refs', 1))[0] as WorkOrderRecord;
    const engineer = await api.token({ role: 'engineer', engineerId: engineerId as string });
    const request = await api.call('POST', `/v1/work-orders/${onSite}/parts-requests`, {
      token: engineer,
      body: { eventId: 'evt-unknown-part-1', at: new Date().toISOString(), sku: 'NO-SUCH', qty: 1 },
    });
    expectProblem(request, 400);
    expect(request.body.errors[0]).toMatchObject({ path: 'body.sku' });
    const completion = await api.call('POST', `/v1/work-orders/${onSite}/complete`, {
      token: engineer,
      body: { ...completionOf(onSite), partsUsed: [{ sku: 'NO-SUCH', qty: 1 }] },
    });
    expectProblem(completion, 400);
    expect(completion.body.errors[0]).toMatchObject({ path: 'body.partsUsed' });
    const stored = await api.call('GET', `/v1/work-orders/${onSite}`, { token: office });
    expect(stored.body.status).toBe('in_progress');
  });
});

describe('headers and errors', () => {
  it('marks every answer nosniff and no-store, successes and problems alike', async () => {
    const answers = [
      await api.call('GET', '/v1/work-orders', { token: office }),
      await api.call('GET', '/v1/work-orders/wo_missing', { token: office }),
      await api.call('GET', '/v1/work-orders'),
    ];
    for (const reply of answers) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('titles a 415 as Unsupported Media Type', async () => {
    const reply = await api.call('POST', '/v1/work-orders', {
      token: office,
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain', 'idempotency-key': 'k-415' },
    });
    expectProblem(reply, 415);
    expect(reply.body.title).toBe('Unsupported Media Type');
  });

  it('answers If-Match as RFC 9110 says: * matches, an entity tag that is not current is 412', async () => {
    const { workOrderId } = await arrange(generalJob({ workOrderId: 'wo_if_match', status: 'ready_to_schedule' }));
    const patch = (ifMatch: string) =>
      api.call('PATCH', `/v1/work-orders/${workOrderId}`, {
        token: office,
        headers: { 'if-match': ifMatch },
        body: { description: `Edited with ${ifMatch}` },
      });

    expectProblem(await patch('"abc"'), 412);
    expectProblem(await patch('"99"'), 412);
    expectProblem(await patch('no quotes'), 400);
    expect((await patch('*')).status).toBe(200);
  });

  it('answers a request the HTTP parser refuses with problem+json', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(new URL(api.runtime.url).port as unknown as number, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(Buffer.from('GET /v1/work-\xff\x01orders HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    });

    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      code: 'request.malformed',
    });
  });
});
