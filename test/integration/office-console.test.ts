import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedCall } from '../fixtures/documented.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/*
 * What the office console reads and does through the API: the state machine to draw, the path a work order took on
 * it, the KPIs as a download, and attributing a request that came by unverified e-mail.
 */

let api: LocalApi;
let office: string;
let call: LocalApi['call'];
let transport: Transporter;

beforeAll(async () => {
  api = await startLocalApi({ smtpPort: 0 });
  office = await api.token({ role: 'dispatcher' });
  call = documentedCall(api.call);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: api.runtime.smtpPort, ignoreTLS: true });
});

afterAll(async () => {
  transport?.close();
  await api?.close();
});

/** A 4xx answered as every error of this API is: problem+json with the RFC 9457 fields and a code. */
function expectProblem(reply: Awaited<ReturnType<LocalApi['call']>>, status: number, code?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({
    type: 'about:blank',
    status,
    detail: expect.any(String),
    code: code ?? expect.any(String),
  });
}

/** The work order's current execution, once `done` holds for it. */
async function executionOf(id: string, done: (execution: any) => boolean) {
  const deadline = Date.now() + 15_000;
  let last: any;
  while (Date.now() < deadline) {
    last = await call('GET', `/v1/work-orders/${id}/execution`, { token: office });
    if (last.status === 200 && done(last.body)) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The execution of ${id} never got there; last: ${JSON.stringify(last?.body)}`);
}

describe('the workflow to draw', () => {
  it('is the state machine as a graph, for the office', async () => {
    const reply = await call('GET', '/v1/workflow', { token: office });

    expect(reply.status).toBe(200);
    expect(reply.body.startAt).toBe('LoadWorkOrder');
    expect(reply.body.states).toContainEqual({
      name: 'WaitForApproval',
      type: 'Task',
      comment: expect.any(String),
      next: ['MatchEngineer', 'Rejected', 'EscalateApproval', 'FlagForAttention'],
      end: false,
    });
    expect(reply.body.states).toContainEqual({ name: 'Closed', type: 'Succeed', comment: null, next: [], end: true });
  });

  it('is refused to a caller not of the office, and to a query it does not take', async () => {
    const engineer = await api.token({ role: 'engineer', engineerId: 'eng_amira' });
    const customer = await api.token({ role: 'customer', customerId: 'cus_northwest_homes' });

    expectProblem(await call('GET', '/v1/workflow'), 401);
    expectProblem(await call('GET', '/v1/workflow', { token: engineer }), 403);
    expectProblem(await call('GET', '/v1/workflow', { token: customer }), 403);
    expectProblem(await call('GET', '/v1/workflow?states=all', { token: office }), 400, 'request.validation_failed');
  });
});

describe('the path a work order took', () => {
  it('gives each state entered with its times and outcome, each step an edge of the workflow, up to where it is', async () => {
    const created = await call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'console-path-1' },
      body: {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'boiler_replacement',
        description: 'New combi boiler',
      },
    });
    expect(created.status).toBe(201);

    const execution = await executionOf(created.body.id, (each) => each.currentState === 'WaitForApproval');

    expect(execution).toMatchObject({ run: 1, runs: 1, status: 'RUNNING' });
    expect(execution.steps.map((step: any) => [step.state, step.outcome])).toEqual([
      ['LoadWorkOrder', 'succeeded'],
      ['RouteByStatus', 'succeeded'],
      ['RequestApproval', 'succeeded'],
      ['WaitForApproval', 'running'],
    ]);
    for (const step of execution.steps) {
      expect(Date.parse(step.enteredAt)).toBeLessThanOrEqual(Date.parse(step.exitedAt ?? new Date().toISOString()));
    }
    const { states } = (await call('GET', '/v1/workflow', { token: office })).body;
    const edges = new Set(states.flatMap((state: any) => state.next.map((next: string) => `${state.name}>${next}`)));
    for (const [from, to] of execution.steps
      .slice(1)
      .map((step: any, index: number) => [execution.steps[index], step])) {
      expect(edges).toContain(`${from.state}>${to.state}`);
    }
  });

  it('answers a run the work order has not had 404, and a run that is not one 400', async () => {
    const created = await call('POST', '/v1/work-orders', {
      token: office,
      headers: { 'idempotency-key': 'console-path-2' },
      body: { customerId: 'cus_okafor', siteId: 'site_didsbury', jobType: 'boiler_replacement', description: 'Flue' },
    });
    const id = created.body.id;
    await executionOf(id, () => true);

    expect((await call('GET', `/v1/work-orders/${id}/execution?run=1`, { token: office })).body.run).toBe(1);
    expectProblem(await call('GET', `/v1/work-orders/${id}/execution?run=2`, { token: office }), 404);
    expectProblem(await call('GET', `/v1/work-orders/${id}/execution?run=first`, { token: office }), 400);
    expectProblem(await call('GET', `/v1/work-orders/${id}/execution?run=0`, { token: office }), 400);
    expectProblem(await call('GET', `/v1/work-orders/${id}/execution?runs=1`, { token: office }), 400);
  });
});

describe('the KPIs as a download', () => {
  it('answers format=csv with the figures of the JSON report, a row each with the counts behind it', async () => {
    const window = `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const report = (await call('GET', `/v1/reports/kpis?${window}`, { token: office })).body;

    const reply = await call('GET', `/v1/reports/kpis?${window}&format=csv`, { token: office });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(reply.headers.get('content-disposition')).toMatch(
      /^attachment; filename="kpis-\d{4}-\d{2}-\d{2}-until-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const [header, ...rows] = (reply.body as string)
      .split('\r\n')
      .slice(0, -1)
      .map((line) => line.split(','));
    expect(header).toEqual(['figure', 'item', 'value', 'counted', 'of', 'from', 'to']);
    const row = (figure: string, item = '') => rows.find((each) => each[0] === figure && each[1] === item);
    const figure = (value: number | null) => (value === null ? '' : String(value));
    const { basis } = report;
    expect(row('firstTimeFixRate')).toEqual([
      'firstTimeFixRate',
      '',
      figure(report.firstTimeFixRate),
      String(basis.firstTimeFixes),
      String(basis.completed),
      report.from,
      report.to,
    ]);
    expect(row('slaCompliance')?.slice(2, 5)).toEqual([
      figure(report.slaCompliance),
      String(basis.attendedWithinSla),
      String(basis.attended),
    ]);
    expect(row('meanJobMinutes')?.slice(2, 5)).toEqual([
      figure(report.meanJobMinutes),
      String(basis.timedJobs),
      String(basis.completed),
    ]);
    expect(row('meanCloseoutLagMinutes')?.slice(2, 5)).toEqual([
      figure(report.meanCloseoutLagMinutes),
      String(basis.closed),
      '',
    ]);
    for (const [status, count] of Object.entries(report.countsByStatus)) {
      expect(row('countsByStatus', status)?.slice(2, 5)).toEqual([String(count), '', String(basis.logged)]);
    }
    expect(rows.filter((each) => each[0] === 'partsUsage')).toHaveLength(report.partsUsage.length);
    expect(rows).toHaveLength(4 + report.partsUsage.length + Object.keys(report.countsByStatus).length);
  });

  it('refuses a format it does not make, and the download to a caller not of the office', async () => {
    const engineer = await api.token({ role: 'engineer', engineerId: 'eng_amira' });

    expectProblem(
      await call('GET', '/v1/reports/kpis?format=xlsx', { token: office }),
      400,
      'request.validation_failed',
    );
    expectProblem(await call('GET', '/v1/reports/kpis?format=', { token: office }), 400, 'request.validation_failed');
    expectProblem(await call('GET', '/v1/reports/kpis?format=csv', { token: engineer }), 403);
    expectProblem(
      await call('GET', '/v1/reports/kpis?format=csv&from=2026-03-02&to=2026-03-01', { token: office }),
      400,
    );
  });
});

describe('attributing a request that came by unverified e-mail', () => {
  it('takes the customer and the site in one PATCH; released, the job goes on to an engineer', async () => {
    await transport.sendMail({
      from: 'Someone <someone@unknown.example>',
      to: 'jobs@fieldops.example',
      subject: 'Boiler not firing',
      text: 'The boiler at the Ancoats flats shows a fault code and there is no hot water.',
      messageId: '<console-unverified-1@unknown.example>',
    });
    const message = await inboundMessage('console-unverified-1@unknown.example');
    const logged = await api.waitFor(message.workOrderId, (wo) => wo.waitingFor === 'release');
    expect(logged).toMatchObject({ status: 'logged', unverified: { reasons: expect.any(Array) } });
    expect(logged.customerId).toBeUndefined();

    const attributed = await call('PATCH', `/v1/work-orders/${logged.id}`, {
      token: office,
      headers: { 'if-match': `"${logged.version}"` },
      body: { customerId: 'cus_northwest_homes', siteId: 'site_ancoats' },
    });
    expect(attributed.status).toBe(200);
    expect(attributed.body).toMatchObject({ customerId: 'cus_northwest_homes', siteId: 'site_ancoats' });
    expect(attributed.body.unverified).toBeUndefined();

    const released = await call('POST', `/v1/work-orders/${logged.id}/release`, { token: office });
    expect(released.status).toBe(200);
    const moved = await api.waitFor(logged.id, (wo) => wo.status !== 'logged' && wo.waitingFor !== undefined);
    expect(['pending_approval', 'dispatched', 'ready_to_schedule']).toContain(moved.status);
    const execution = await executionOf(logged.id, (each) => each.currentState !== 'WaitForRelease');
    expect(execution.steps.map((step: any) => [step.state, step.outcome]).slice(0, 4)).toEqual([
      ['LoadWorkOrder', 'succeeded'],
      ['RouteByStatus', 'succeeded'],
      ['WaitForRelease', 'succeeded'],
      ['LoadWorkOrder', 'succeeded'],
    ]);
  });
});

/** The inbound mail record of a Message-ID, once the bucket trigger has run. */
async function inboundMessage(messageId: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await api.runtime.settled();
    const page = await api.call('GET', '/v1/inbound-mail?limit=200', { token: office });
    const found = page.body.items.find((each: any) => each.messageId === messageId);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No inbound record for ${messageId}`);
}
