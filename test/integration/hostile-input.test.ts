import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrange, generalJob } from '../fixtures/jobs-on-site.ts';
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

  it('answers a path id of 3,000 characters, or with a control character, with 400', async () => {
    expectProblem(await api.call('GET', `/v1/work-orders/${'a'.repeat(3000)}`, { token: office }), 400);
    expectProblem(await api.call('GET', '/v1/work-orders/wo_%01', { token: office }), 400);
  });

  it('refuses a body nested deeper than 32 levels, and numbers beyond ±1e15, before reading it', async () => {
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
