import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, persistently, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let admin: string;

beforeAll(async () => {
  api = await startLocalApi();
  admin = await api.token({ role: 'admin' });
});

afterAll(async () => {
  await api?.close();
});

const post = (path: string, body: unknown, token = admin, idempotencyKey?: string) =>
  api.call('POST', path, { token, body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
/** A PATCH from the version just read, as an admin's screen sends it. */
async function patch(path: string, body: unknown, token = admin) {
  const read = await api.call('GET', path, { token });
  const ifMatch = read.headers.get('etag') ?? '"0"';
  return api.call('PATCH', path, { token, body, headers: { 'if-match': ifMatch } });
}

describe('reference data an admin keeps', () => {
  it('adds a customer with its e-mail domains, once per id', async () => {
    const customer = {
      id: 'cus_hilltop',
      name: 'Hilltop Housing',
      contacts: [{ name: 'Ola Ade', email: 'ola@hilltop.example', phone: '+44 161 555 0100' }],
      emailDomains: ['Hilltop.Example'],
      contract: { slaHours: { P1: 2 } },
    };
    const reply = await post('/v1/customers', customer);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      id: 'cus_hilltop',
      customerId: 'cus_hilltop',
      emailDomains: ['hilltop.example'],
    });
    expect((await api.call('GET', '/v1/customers/cus_hilltop', { token: admin })).body.name).toBe('Hilltop Housing');

    const again = await post('/v1/customers', { ...customer, name: 'Someone else' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('reference.exists');
    expect((await api.call('GET', '/v1/customers/cus_hilltop', { token: admin })).body.name).toBe('Hilltop Housing');
  });

  it('makes an id when the body gives none', async () => {
    const reply = await post('/v1/engineers', {
      name: 'Kai Brennan',
      skills: ['electrical'],
      certifications: [{ code: 'niceic', number: 'N-1', expiresAt: '2030-01-31' }],
      homeBase: { lat: 53.48, lng: -2.24 },
      shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' },
      hourlyRateMinor: 4200,
      active: true,
    });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(/^eng_[0-9a-z]{26}$/);
  });

  it('adds a site and an asset on a service plan, which take their customer from what they belong to', async () => {
    const site = await post('/v1/sites', {
      id: 'site_hilltop_1',
      customerId: 'cus_hilltop',
      address: '1 Hill Road, Bolton',
      postcode: 'BL1 1AA',
      lat: 53.58,
      lng: -2.43,
    });
    expect(site.status).toBe(201);
    const asset = await post('/v1/assets', {
      id: 'asset_hilltop_boiler',
      siteId: 'site_hilltop_1',
      type: 'boiler',
      servicePlan: { intervalMonths: 12, jobType: 'boiler_service' },
      nextServiceDue: '2027-03-01',
    });
    expect(asset.status).toBe(201);
    expect(asset.body).toMatchObject({ customerId: 'cus_hilltop', nextServiceDue: '2027-03-01' });

    // `null` takes the asset off its plan.
    const off = await patch('/v1/assets/asset_hilltop_boiler', { servicePlan: null, nextServiceDue: null });
    expect(off.status).toBe(200);
    const stored = (await api.call('GET', '/v1/assets/asset_hilltop_boiler', { token: admin })).body;
    expect(stored.servicePlan).toBeUndefined();
    expect(stored.nextServiceDue).toBeUndefined();
  });

  it('changes only the fields sent, and leaves the rest (a part’s stock) as it is', async () => {
    expect(
      (
        await post('/v1/parts', {
          sku: 'VALVE-22',
          name: 'Valve 22 mm',
          unitPriceMinor: 850,
          stock: 12,
          reorderPoint: 4,
        })
      ).status,
    ).toBe(201);
    const reply = await patch('/v1/parts/VALVE-22', { unitPriceMinor: 900 });
    expect(reply.status).toBe(200);
    expect((await api.call('GET', '/v1/parts/VALVE-22', { token: admin })).body).toMatchObject({
      unitPriceMinor: 900,
      stock: 12,
    });
  });

  it('adds a job template the office can then create work orders from', async () => {
    const template = await post('/v1/job-templates', {
      jobType: 'valve_swap',
      name: 'Valve swap',
      requiredSkills: ['plumbing'],
      requiredCertifications: [],
      defaultParts: [{ sku: 'VALVE-22', qty: 1 }],
      estimatedMinutes: 45,
      requiresApproval: false,
      checklist: [{ id: 'leak_test', label: 'Leak test passed', kind: 'boolean', required: true }],
    });
    expect(template.status).toBe(201);
    const office = await api.token({ role: 'dispatcher' });
    const wo = await api.call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'valve-swap-1' },
      body: {
        customerId: 'cus_hilltop',
        siteId: 'site_hilltop_1',
        jobType: 'valve_swap',
        description: 'Swap the valve',
      },
    });
    expect(wo.status).toBe(201);
  });

  it('refuses what is wrong with a problem, and writes nothing', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      [
        'POST',
        '/v1/customers',
        { name: 'X', contacts: [{ name: 'X' }], colour: 'red' },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/customers',
        { id: 'Bad Id!', name: 'X', contacts: [{ name: 'X' }] },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/customers',
        { name: 'X', contacts: [{ name: 'X' }], emailDomains: ['not a domain'] },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/sites',
        { customerId: 'cus_nobody', address: 'a', postcode: 'b', lat: 0, lng: 0 },
        404,
        'customer.not_found',
      ],
      [
        'POST',
        '/v1/assets',
        {
          siteId: 'site_hilltop_1',
          type: 'boiler',
          servicePlan: { intervalMonths: 12, jobType: 'nope' },
          nextServiceDue: '2027-01-01',
        },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/assets',
        { siteId: 'site_hilltop_1', type: 'boiler', servicePlan: { intervalMonths: 12, jobType: 'boiler_service' } },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/engineers',
        {
          name: 'Y',
          skills: [],
          certifications: [],
          homeBase: { lat: 0, lng: 0 },
          shift: { days: [1], start: '18:00', end: '09:00' },
          hourlyRateMinor: 1,
          active: true,
        },
        400,
        'request.validation_failed',
      ],
      [
        'POST',
        '/v1/job-templates',
        {
          jobType: 'x_job',
          name: 'X',
          requiredSkills: [],
          requiredCertifications: [],
          defaultParts: [{ sku: 'NOPE', qty: 1 }],
          estimatedMinutes: 5,
          requiresApproval: false,
        },
        400,
        'request.validation_failed',
      ],
      ['PATCH', '/v1/sites/site_hilltop_1', { customerId: 'cus_okafor' }, 400, 'request.validation_failed'],
      ['PATCH', '/v1/parts/VALVE-22', {}, 400, 'request.validation_failed'],
      ['PATCH', '/v1/parts/NOPE', { name: 'Nope' }, 404, 'part.not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const headers: Record<string, string> = method === 'PATCH' ? { 'if-match': '*' } : {};
      const reply = await api.call(method, path, { token: admin, body, headers });
      expect({ path, body, status: reply.status, code: reply.body.code }).toEqual({ path, body, status, code });
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    const customers = await api.call('GET', '/v1/customers?limit=200', { token: admin });
    expect(customers.body.items.map((c: any) => c.name)).not.toContain('X');
    expect((await api.call('GET', '/v1/sites/site_hilltop_1', { token: admin })).body.customerId).toBe('cus_hilltop');
  });

  it('is for admins only', async () => {
    const dispatcher = await api.token({ role: 'dispatcher' });
    const reply = await post(
      '/v1/parts',
      { sku: 'X-1', name: 'X', unitPriceMinor: 1, stock: 1, reorderPoint: 0 },
      dispatcher,
    );
    expect(reply.status).toBe(403);
    expect((await api.call('GET', '/v1/parts/X-1', { token: admin })).status).toBe(404);
  });
});

describe('reference writes that are retried or raced', () => {
  const engineerBody = {
    name: 'Rhys Tanner',
    skills: ['plumbing'],
    certifications: [],
    homeBase: { lat: 53.48, lng: -2.24 },
    shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' },
    hourlyRateMinor: 3900,
    active: true,
  };
  const namedRhys = async () => {
    const page = await api.call('GET', '/v1/engineers?limit=200', { token: admin });
    return page.body.items.filter((item: { name: string }) => item.name === engineerBody.name);
  };

  it('creates one record for one Idempotency-Key, however often and however concurrently it is sent', async () => {
    const send = () => post('/v1/engineers', engineerBody, admin, 'rhys-hire-1');
    const replies = [await send(), ...(await Promise.all(Array.from({ length: 8 }, send))), await send()];
    const createdIds = new Set(replies.filter((reply) => reply.status === 201).map((reply) => reply.body.id));
    expect(createdIds.size).toBe(1);
    for (const reply of replies) expect([201, 409]).toContain(reply.status);
    expect(await namedRhys()).toHaveLength(1);
  });

  it('answers a PATCH without If-Match 428, and one from a stale version 412, changing nothing', async () => {
    const [rhys] = await namedRhys();
    const path = `/v1/engineers/${rhys.id}`;
    const read = await api.call('GET', path, { token: admin });
    expect(read.headers.get('etag')).toBe('"1"');
    const blind = await api.call('PATCH', path, { token: admin, body: { hourlyRateMinor: 1 } });
    expect(blind.status).toBe(428);
    expect(blind.body.code).toBe('request.if_match_required');
    const stale = await api.call('PATCH', path, {
      token: admin,
      body: { hourlyRateMinor: 1 },
      headers: { 'if-match': '"7"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'reference.version_mismatch', version: 1 });
    expect((await api.call('GET', path, { token: admin })).body.hourlyRateMinor).toBe(3900);
  });

  it('lets one of many PATCHes from the same version win; the others are 412 and lose nothing', async () => {
    const [rhys] = await namedRhys();
    const path = `/v1/engineers/${rhys.id}`;
    const tag = (await api.call('GET', path, { token: admin })).headers.get('etag') as string;
    const rates = [4000, 4100, 4200, 4300, 4400, 4500];
    const replies = await Promise.all(
      rates.map((rate) =>
        api.call('PATCH', path, { token: admin, body: { hourlyRateMinor: rate }, headers: { 'if-match': tag } }),
      ),
    );
    const won = replies.filter((reply) => reply.status === 200);
    expect(won).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 412)).toHaveLength(rates.length - 1);
    const after = await api.call('GET', path, { token: admin });
    expect(after.body.hourlyRateMinor).toBe(won[0]?.body.hourlyRateMinor);
    expect(after.headers.get('etag')).toBe(`"${Number(tag.replaceAll('"', '')) + 1}"`);

    // With `If-Match: *` each change is made from the latest version: every one lands, one after another (a client
    // told 503 with Retry-After, when the race outlasted the server's own retries, sends it again).
    const any = await Promise.all(
      rates.map((rate) =>
        persistently(() =>
          api.call('PATCH', path, { token: admin, body: { hourlyRateMinor: rate }, headers: { 'if-match': '*' } }),
        ),
      ),
    );
    expect(any.map((reply) => reply.status)).toEqual(rates.map(() => 200));
    expect((await api.call('GET', path, { token: admin })).headers.get('etag')).toBe(
      `"${Number(tag.replaceAll('"', '')) + 1 + rates.length}"`,
    );
  });
});
