import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { arrange, completionOf, generalJob, jobsOnSite } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, type Reply, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
let admin: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  admin = await api.token({ role: 'admin' });
});
afterAll(() => api.close());

const engineer = (engineerId: string) => api.token({ role: 'engineer', engineerId });
const jobPack = async (id: string, engineerId: string) =>
  api.call('GET', `/v1/work-orders/${id}/job-pack`, { token: await engineer(engineerId) });
const stock = async (sku: string, engineerId: string, query = '') =>
  api.call('GET', `/v1/me/parts/${sku}/stock${query}`, { token: await engineer(engineerId) });
const search = async (query: string, engineerId = 'eng_lucy') =>
  api.call('GET', `/v1/me/parts${query}`, { token: await engineer(engineerId) });

function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code });
}

/** A job dispatched to an engineer, as the store holds it (how it got there is not what these tests test). */
const dispatchedTo = (engineerId: string, workOrderId: string, overrides: Partial<WorkOrderRecord>) =>
  arrange(
    generalJob({
      workOrderId,
      status: 'dispatched',
      engineerId,
      scheduledStart: new Date(Date.now() + 3_600_000).toISOString(),
      ...overrides,
    }),
  );

const kinds = (reply: Reply) =>
  reply.body.locations.map((location: { kind: string; id: string }) => `${location.kind}:${location.id}`);

describe("the job pack on the engineer's phone", () => {
  it("lists the job's assets as the office keeps them", async () => {
    await dispatchedTo('eng_amira', 'wo_app_assets', {
      siteId: 'site_ancoats',
      assetIds: ['asset_boiler_ancoats'],
      jobType: 'boiler_repair',
      requiredCertifications: ['gas_safe'],
    });
    const boiler = (await api.call('GET', '/v1/assets/asset_boiler_ancoats', { token: office })).body;

    const pack = await jobPack('wo_app_assets', 'eng_amira');

    expect(pack.status).toBe(200);
    expect(pack.body.assets).toEqual([
      {
        id: 'asset_boiler_ancoats',
        type: 'gas_boiler',
        make: 'Worcester Bosch',
        model: 'Greenstar 30i combi',
        installedAt: '2017-03-14',
        lastServicedAt: boiler.lastServicedAt ?? null,
        nextServiceDue: boiler.nextServiceDue,
      },
    ]);
    expect(pack.body.closeout).toBeNull();
  });

  it('judges the certifications the job needs against the engineer’s own: expired, missing, soonest first', async () => {
    await dispatchedTo('eng_tom', 'wo_app_tom', { requiredCertifications: ['gas_safe', 'niceic'] });
    const tom = (await api.call('GET', '/v1/engineers/eng_tom', { token: office })).body;
    const [gasSafe] = tom.certifications;

    const pack = await jobPack('wo_app_tom', 'eng_tom');

    expect(pack.body.certificates).toEqual({
      required: [
        { code: 'niceic', status: 'missing', expiresAt: null },
        { code: 'gas_safe', status: 'expired', expiresAt: gasSafe.expiresAt },
      ],
      mine: [{ code: 'gas_safe', number: '587710', expiresAt: gasSafe.expiresAt, status: 'expired', daysLeft: -30 }],
    });
  });

  it('marks a certificate that runs out within 30 days as expiring, and one with longer to run as valid', async () => {
    await dispatchedTo('eng_lucy', 'wo_app_lucy', { requiredCertifications: ['confined_spaces'] });
    await dispatchedTo('eng_amira', 'wo_app_amira', { requiredCertifications: ['gas_safe'] });

    const lucy = await jobPack('wo_app_lucy', 'eng_lucy');
    const amira = await jobPack('wo_app_amira', 'eng_amira');

    expect(lucy.body.certificates.required).toEqual([
      { code: 'confined_spaces', status: 'expiring', expiresAt: expect.any(String) },
    ]);
    expect(lucy.body.certificates.mine).toEqual([expect.objectContaining({ status: 'expiring', daysLeft: 21 })]);
    expect(amira.body.certificates.required).toEqual([expect.objectContaining({ code: 'gas_safe', status: 'valid' })]);
    expect(amira.body.certificates.mine).toEqual([expect.objectContaining({ status: 'valid', daysLeft: 300 })]);
  });

  it('is only for the engineer the job is assigned to: any other engineer gets 404', async () => {
    await dispatchedTo('eng_dan', 'wo_app_dans', {});

    expect((await jobPack('wo_app_dans', 'eng_dan')).status).toBe(200);
    expectProblem(await jobPack('wo_app_dans', 'eng_lucy'), 404, 'work_order.not_found');
    expectProblem(await jobPack('wo_app_nobodys', 'eng_dan'), 404, 'work_order.not_found');
  });

  it('shows what closeout did once it has: the invoice and the next service booked, still to the engineer who did it', async () => {
    const [job] = await jobsOnSite('app-closeout', 1, {
      engineerId: 'eng_amira',
      siteId: 'site_ancoats',
      assetIds: ['asset_boiler_ancoats'],
      jobType: 'boiler_service',
      requiredSkills: ['gas', 'heating'],
      requiredCertifications: ['gas_safe'],
    });
    const id = job?.workOrderId as string;
    expect((await jobPack(id, 'eng_amira')).body.closeout).toBeNull();

    const done = await api.call('POST', `/v1/work-orders/${id}/complete`, {
      token: await engineer('eng_amira'),
      body: completionOf(id),
    });
    expect(done.status).toBe(202);
    const completed = await jobPack(id, 'eng_amira');
    expect(['pending', 'done']).toContain(completed.body.closeout.status);

    const closed = await api.waitFor(id, (w) => w.status === 'closed');
    const [invoice] = (await api.call('GET', `/v1/invoices?workOrderId=${id}`, { token: office })).body.items;
    const due = new Date(closed.completion.at);
    due.setUTCFullYear(due.getUTCFullYear() + 1);
    const pack = await jobPack(id, 'eng_amira');

    expect(pack.status).toBe(200);
    expect(pack.body.closeout).toEqual({
      status: 'done',
      invoice: { id: invoice.id, number: invoice.number, totalMinor: invoice.totalMinor, currency: 'GBP' },
      nextServiceDue: due.toISOString().slice(0, 10),
      followUpWorkOrderId: null,
    });
    expect(invoice.number).toMatch(/^INV-\d{6}$/);
    expect(pack.body.assets[0]).toMatchObject({
      lastServicedAt: closed.completion.at,
      nextServiceDue: due.toISOString().slice(0, 10),
    });
    expectProblem(await jobPack(id, 'eng_priya'), 404, 'work_order.not_found');
  });

  it('names the follow-up visit closeout logged', async () => {
    const [job] = await jobsOnSite('app-follow-up', 1, { engineerId: 'eng_lucy' });
    const id = job?.workOrderId as string;
    const completion = { ...completionOf(id), outcome: 'follow_up_required', followUp: 'Order a new door closer' };
    expect(
      (
        await api.call('POST', `/v1/work-orders/${id}/complete`, {
          token: await engineer('eng_lucy'),
          body: completion,
        })
      ).status,
    ).toBe(202);
    const closed = await api.waitFor(id, (w) => w.status === 'closed');

    const pack = await jobPack(id, 'eng_lucy');

    expect(pack.body.closeout).toMatchObject({
      status: 'done',
      invoice: expect.objectContaining({ number: expect.stringMatching(/^INV-/) }),
      nextServiceDue: null,
      followUpWorkOrderId: closed.followUpId,
    });
  });
});

describe('searching the parts list', () => {
  it('finds parts by the words of their name, whatever the case, with their price and stock', async () => {
    const reply = await search('?q=flue%20KIT');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      items: [{ sku: 'FLUE-KIT-STD', name: 'Standard horizontal flue kit', unitPriceMinor: 8_900, inStock: 10 }],
    });
    expect((await search('?q=combi%20boiler')).body.items.map((p: { sku: string }) => p.sku)).toEqual([
      'BOILER-COMBI-30',
    ]);
  });

  it('finds parts by SKU, the SKU typed whole first, and as many as asked for', async () => {
    expect((await search('?q=prv-valve')).body.items.map((p: { sku: string }) => p.sku)).toEqual(['PRV-VALVE']);
    const valves = await search('?q=valve');
    expect(valves.body.items.map((p: { sku: string }) => p.sku)).toEqual(['PRV-VALVE']);
    const hyphenated = await search('?q=-&limit=2');
    expect(hyphenated.body.items).toHaveLength(2);
    expect((await search('?q=unobtainium')).body.items).toEqual([]);
  });

  it('refuses a missing, blank or too long q and a limit out of range with 400, and the office with 403', async () => {
    for (const query of ['', '?q=', '?q=%20%20', `?q=${'a'.repeat(101)}`, '?q=valve&limit=0', '?q=valve&limit=51']) {
      expectProblem(await search(query), 400, 'request.validation_failed');
    }
    expectProblem(await search('?q=valve&colour=red'), 400, 'request.validation_failed');
    expectProblem(await api.call('GET', '/v1/me/parts?q=valve', { token: office }), 403, 'auth.forbidden');
  });
});

describe('where an engineer can get a part', () => {
  it('lists the depots and vans holding it, nearest first from where the engineer says they are', async () => {
    const nearStockport = await stock('PRV-VALVE', 'eng_lucy', '?lat=53.4230&lng=-2.1200');
    const nearTrafford = await stock('PRV-VALVE', 'eng_lucy', '?lat=53.4660&lng=-2.3200');

    expect(nearStockport.status).toBe(200);
    expect(nearStockport.body).toMatchObject({
      sku: 'PRV-VALVE',
      name: 'Boiler pressure relief valve',
      from: { lat: 53.423, lng: -2.12 },
    });
    expect(kinds(nearStockport)).toEqual(['depot:depot_stockport', 'van:eng_priya', 'depot:depot_trafford']);
    expect(kinds(nearTrafford)[0]).toBe('depot:depot_trafford');
    for (const reply of [nearStockport, nearTrafford]) {
      const distances = reply.body.locations.map((l: { distanceKm: number }) => l.distanceKm);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
    }
    expect(nearStockport.body.locations[0]).toEqual({
      kind: 'depot',
      id: 'depot_stockport',
      name: 'Stockport trade counter',
      qty: 2,
      distanceKm: expect.any(Number),
      location: { lat: 53.4224, lng: -2.1156 },
      address: expect.stringMatching(/Stockport/),
      phone: '+44 161 555 0175',
    });
    expect(nearStockport.body.locations[0].distanceKm).toBeLessThan(1);
  });

  it("measures from the engineer's home base without lat and lng: their own van first", async () => {
    const priya = (await api.call('GET', '/v1/engineers/eng_priya', { token: office })).body;

    const reply = await stock('PRV-VALVE', 'eng_priya');

    expect(reply.body.from).toEqual(priya.homeBase);
    expect(reply.body.locations[0]).toEqual({
      kind: 'van',
      id: 'eng_priya',
      name: "Priya Patel's van",
      qty: 1,
      distanceKm: 0,
      location: priya.homeBase,
      address: null,
      phone: priya.phone,
    });
  });

  it('leaves out a depot or van that holds none', async () => {
    const boilers = await stock('BOILER-COMBI-30', 'eng_amira');
    const inhibitor = await stock('INHIBITOR-1L', 'eng_amira');

    expect(kinds(boilers).sort()).toEqual(['depot:depot_stockport', 'depot:depot_trafford']);
    expect(kinds(inhibitor)).not.toContain('van:eng_tom');
    for (const reply of [boilers, inhibitor]) {
      expect(reply.body.locations.every((l: { qty: number }) => l.qty > 0)).toBe(true);
    }
  });

  it('answers 404 for a SKU the catalogue does not have', async () => {
    expectProblem(await stock('NO-SUCH-PART', 'eng_amira'), 404, 'part.not_found');
  });

  it('refuses a lat or lng out of range, not a number, or without the other with 400, never a 5xx', async () => {
    for (const query of [
      '?lat=53.4',
      '?lng=-2.2',
      '?lat=91&lng=0',
      '?lat=0&lng=-181',
      '?lat=abc&lng=-2.2',
      '?lat=&lng=',
      '?lat=1e1&lng=2',
      '?lat=53.4&lng=-2.2&radius=5',
    ]) {
      expectProblem(await stock('PRV-VALVE', 'eng_amira', query), 400, 'request.validation_failed');
    }
    expectProblem(await stock('PRV%20VALVE', 'eng_amira'), 400, 'request.validation_failed');
  });
});

describe('depots and stock holdings, kept by the office', () => {
  it('adds a depot and records what it holds; an engineer then finds it, until it holds none', async () => {
    const created = await api.call('POST', '/v1/depots', {
      token: admin,
      body: {
        id: 'depot_salford_quays',
        name: 'Salford Quays counter',
        address: '1 Trafford Road, Salford M50 3XX',
        location: { lat: 53.4705, lng: -2.2935 },
      },
    });
    expect(created.status).toBe(201);
    const set = (qty: number) =>
      api.call('POST', '/v1/parts/SMOKE-DET-OPT/holdings', {
        token: admin,
        body: { holderKind: 'depot', holderId: 'depot_salford_quays', qty },
      });

    expect((await set(4)).body).toMatchObject({ sku: 'SMOKE-DET-OPT', holderId: 'depot_salford_quays', qty: 4 });
    const found = await stock('SMOKE-DET-OPT', 'eng_dan');
    expect(kinds(found)[0]).toBe('depot:depot_salford_quays');
    expect(found.body.locations[0]).toMatchObject({ qty: 4, phone: null });
    const part = await api.call('GET', '/v1/parts/SMOKE-DET-OPT', { token: office });
    expect(part.body.holdings).toContainEqual({ holderKind: 'depot', holderId: 'depot_salford_quays', qty: 4 });

    await set(0);
    expect(kinds(await stock('SMOKE-DET-OPT', 'eng_dan'))).not.toContain('depot:depot_salford_quays');
    const listed = await api.call('GET', '/v1/depots', { token: office });
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining(['depot_oldham', 'depot_salford_quays', 'depot_stockport', 'depot_trafford']),
    );
  });

  it('refuses a holding for an unknown part, depot or engineer with 404, and from anyone but an admin with 403', async () => {
    const set = (sku: string, body: unknown, token = admin) =>
      api.call('POST', `/v1/parts/${sku}/holdings`, { token, body });

    expectProblem(await set('NO-SUCH-PART', { holderKind: 'van', holderId: 'eng_dan', qty: 1 }), 404, 'part.not_found');
    expectProblem(
      await set('MCB-32A', { holderKind: 'depot', holderId: 'depot_nowhere', qty: 1 }),
      404,
      'depot.not_found',
    );
    expectProblem(
      await set('MCB-32A', { holderKind: 'van', holderId: 'eng_nobody', qty: 1 }),
      404,
      'engineer.not_found',
    );
    expectProblem(
      await set('MCB-32A', { holderKind: 'van', holderId: 'eng_dan', qty: -1 }),
      400,
      'request.validation_failed',
    );
    expectProblem(
      await set('MCB-32A', { holderKind: 'van', holderId: 'eng_dan', qty: 1 }, await engineer('eng_dan')),
      403,
      'auth.forbidden',
    );
  });
});
