import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { documentedCall } from '../fixtures/documented.ts';
import { arrange, generalJob } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
/** `api.call`, each answer checked against `openapi.json`: a listed status, and a success valid against its schema. */
let call: LocalApi['call'];
let office: string;
let customer: string;
let lucy: string;

beforeAll(async () => {
  api = await startLocalApi();
  call = documentedCall(api.call);
  office = await api.token({ role: 'dispatcher' });
  customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });
  lucy = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
});
afterAll(() => api.close());

const today = new Date().toISOString().slice(0, 10);

/**
 * A job dispatched to Lucy that holds everything the office keeps on a work order: its cost and approval, the
 * engineer who refused it, the e-mail it came in, a request linked to it, triage's reasons, the office's flag.
 */
function fullJob(workOrderId: string, overrides: Partial<WorkOrderRecord> = {}): WorkOrderRecord {
  return generalJob({
    workOrderId,
    status: 'dispatched',
    engineerId: 'eng_lucy',
    scheduledStart: new Date(Date.parse(`${today}T12:00:00.000Z`)).toISOString(),
    source: 'email',
    triageReasons: ['keyword: leak'],
    contact: { name: 'Jo Whitfield', phone: '+44 161 555 0142' },
    accessInstructions: 'Key safe by the rear door',
    estimatedCostMinor: 48_000,
    approvalRequired: true,
    approvedCostMinor: 48_000,
    refusedBy: ['eng_dan'],
    run: 1,
    quoteId: 'q_views',
    attention: { reason: 'Checked by the office', at: new Date().toISOString() },
    email: {
      messageKey: 'msg_views',
      from: 'maintenance@northwesthomes.co.uk',
      subject: 'Leak at Chapel Street',
      attachments: [],
      leftOut: [],
    },
    unverified: { reasons: ['dmarc=none'], candidateCustomerId: 'cus_northwest_homes' },
    linkedRequests: [
      {
        requestId: 'wo_views_linked',
        at: new Date().toISOString(),
        actor: 'local-customer-cus_northwest_homes',
        source: 'api',
        request: { category: 'general_maintenance', description: 'Again', contact: { name: 'Jo' } },
      },
    ],
    ...overrides,
  });
}

/** What only the office reads of a work order. */
const officeOnly = [
  'estimatedCostMinor',
  'approvalRequired',
  'approvedCostMinor',
  'refusedBy',
  'email',
  'unverified',
  'linkedRequests',
  'triageReasons',
  'attention',
  'quoteId',
  'owner',
  'run',
  'waitingFor',
];
/** What no view carries: the workflow's bookkeeping and the store's index keys and names. */
const internal = ['taskToken', 'board', 'scheduledDay', 'workOrderId', 'categoryId'];

function expectNone(view: Record<string, unknown>, fields: string[]): void {
  expect(Object.keys(view).filter((field) => fields.includes(field))).toEqual([]);
}

describe('what each role reads', () => {
  it("gives the engineer the job, its site, contact and job sheet, never the office's cost, approval, refusals or e-mail", async () => {
    await arrange(fullJob('wo_views_engineer'));

    const pack = await call('GET', '/v1/work-orders/wo_views_engineer/job-pack', { token: lucy });
    expect(pack.status).toBe(200);
    expect(pack.body.workOrder).toMatchObject({
      id: 'wo_views_engineer',
      contact: { name: 'Jo Whitfield' },
      accessInstructions: 'Key safe by the rear door',
      location: expect.any(Object),
    });
    expectNone(pack.body.workOrder, [...officeOnly, ...internal, 'source', 'customerId']);

    const day = await call('GET', `/v1/me/jobs?date=${today}`, { token: lucy });
    const listed = day.body.items.find((job: { id: string }) => job.id === 'wo_views_engineer');
    expect(listed).toMatchObject({ eta: expect.any(String) });
    expectNone(listed, [...officeOnly, ...internal, 'source', 'customerId']);

    const accepted = await call('POST', '/v1/work-orders/wo_views_engineer/acknowledge', {
      token: lucy,
      body: { accept: true },
    });
    expect(accepted.body.status).toBe('acknowledged');
    expectNone(accepted.body, [...officeOnly, ...internal, 'source', 'customerId']);

    const reported = await call('POST', '/v1/work-orders/wo_views_engineer/status', {
      token: lucy,
      body: { eventId: 'evt-views-en-route', status: 'en_route', at: new Date().toISOString() },
    });
    expect(Object.keys(reported.body).sort()).toEqual(['id', 'status', 'version']);
  });

  it("gives the customer their request's progress and their quote, never a staff account or the office's internals", async () => {
    await arrange(fullJob('wo_views_customer'));

    const request = await call('GET', '/v1/requests/wo_views_customer', { token: customer });
    expect(request.body).toMatchObject({
      id: 'wo_views_customer',
      status: 'dispatched',
      engineer: { firstName: 'Lucy' },
    });
    expect(Object.keys(request.body.engineer)).toEqual(['firstName']);
    expectNone(request.body, [...officeOnly, ...internal, 'engineerId', 'contact', 'timeline', 'completion']);
    const mine = await call('GET', '/v1/requests?limit=200', { token: customer });
    expectNone(
      mine.body.items.find((item: { id: string }) => item.id === 'wo_views_customer'),
      officeOnly,
    );

    const quoted = await call('POST', '/v1/quotes', {
      token: office,
      headers: { 'idempotency-key': 'views-quote' },
      body: {
        customerId: 'cus_northwest_homes',
        siteId: 'site_ancoats',
        jobType: 'boiler_repair',
        description: 'Replace the pressure relief valve',
        lines: [{ description: 'Labour', qty: 1, unitMinor: 9_000 }],
      },
    });
    expect(quoted.body.createdBy).toBe('local-dispatcher-user');
    const sent = await call('GET', `/v1/quotes/${quoted.body.id}`, { token: customer });
    expect(sent.body).toMatchObject({ id: quoted.body.id, status: 'sent', totalMinor: 10_800 });
    expectNone(sent.body, ['createdBy', 'acceptedBy', 'quoteId']);

    const accepted = await call('POST', `/v1/quotes/${quoted.body.id}/accept`, { token: customer });
    expect(Object.keys(accepted.body).sort()).toEqual(['quoteId', 'workOrderId']);
    const afterwards = await call('GET', `/v1/quotes/${quoted.body.id}`, { token: customer });
    expect(afterwards.body).toMatchObject({ status: 'accepted', workOrderId: accepted.body.workOrderId });
    expectNone(afterwards.body, ['createdBy', 'acceptedBy']);
    const officeCopy = await call('GET', `/v1/quotes/${quoted.body.id}`, { token: office });
    expect(officeCopy.body).toMatchObject({ createdBy: 'local-dispatcher-user', acceptedBy: expect.any(String) });
  });

  it("gives the office the whole work order, but not the workflow's task token nor the store's index keys", async () => {
    await arrange(fullJob('wo_views_office', { waitingFor: 'acknowledgement', taskToken: 'the-workflow-s-own' }));

    const read = await call('GET', '/v1/work-orders/wo_views_office', { token: office });
    expect(read.body).toMatchObject({
      id: 'wo_views_office',
      category: 'general_maintenance',
      estimatedCostMinor: 48_000,
      refusedBy: ['eng_dan'],
      email: { from: 'maintenance@northwesthomes.co.uk' },
      waitingFor: 'acknowledgement',
      timeline: [expect.objectContaining({ type: 'logged' })],
      attachments: [],
    });
    expectNone(read.body, internal);
    const listed = await call('GET', '/v1/work-orders?limit=200', { token: office });
    expectNone(
      listed.body.items.find((item: { id: string }) => item.id === 'wo_views_office'),
      internal,
    );

    const board = await call('GET', `/v1/dispatch-board?date=${today}`, { token: office });
    const lucyOnBoard = board.body.engineers.find((engineer: { id: string }) => engineer.id === 'eng_lucy');
    expect(lucyOnBoard.jobs.map((job: { id: string }) => job.id)).toContain('wo_views_office');

    for (const path of [
      '/v1/customers/cus_northwest_homes',
      '/v1/sites?limit=10',
      '/v1/assets/asset_boiler_ancoats',
      '/v1/engineers/eng_lucy',
      '/v1/parts?limit=10',
      '/v1/job-templates/boiler_service',
      '/v1/categories',
      '/v1/events?limit=50',
      '/v1/inbound-mail',
      '/v1/reports/kpis',
      '/v1/work-orders/wo_views_office/candidates',
    ]) {
      expect((await call('GET', path, { token: office })).status, path).toBe(200);
    }
  });
});
