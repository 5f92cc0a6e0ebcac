import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What `npm start` writes: the embedded default runs as a process of its own, as a developer starts it, and its
 * standard output (the functions' log stream) is read line by line.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
let server: ChildProcess;
let dataDir: string;
let stdout = '';
let stderr = '';
let url: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fieldops-logs-'));
  server = spawn(join(root, 'node_modules/.bin/tsx'), ['local/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      SMTP_PORT: '0',
      FIELDOPS_DATA: dataDir,
      // As a developer's shell has them: the test runner's own quiet settings are not `npm start`'s.
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  server.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  url = await eventually(() => /API\s+(http:\/\/\S+)/.exec(stdout)?.[1], 'the local server to start', 45_000);
});

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const stopped = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000, 'late'))]);
    if (stopped === 'late') server.kill('SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

/** Polls until `check` answers something, and answers it. */
async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (server.exitCode !== null) throw new Error(`The server exited (${server.exitCode}): ${stderr.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Line = Record<string, any>;

/** `npm start`'s banner, the one thing on standard output written for a person rather than a log reader. */
const banner = /\n {2}FieldOps is running on the embedded default[\s\S]*?ready in [\d.]+ s\n\n/;

/** Every complete line written so far but the banner's, each parsed as JSON (throws on one that is not). */
const lines = (): Line[] =>
  stdout
    .replace(banner, '')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Line);

async function call(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function token(claims: Record<string, string>): Promise<string> {
  return (await call('POST', '/local/token', undefined, claims)).body.token;
}

/** Polls the work order until `until` holds (the state machine moves it on its own), and answers it. */
async function workOrderWhen(id: string, office: string, until: (wo: any) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await call('GET', `/v1/work-orders/${id}`, office)).body;
    if (until(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Work order ${id} did not get there; last ${last?.status}`);
}

describe('the log stream of a local run', () => {
  it('is JSON lines naming the work order at every stage of its life, and no one’s personal details', async () => {
    const office = await token({ role: 'dispatcher' });
    const approver = await token({ role: 'approver' });
    const description = 'Replace the condemned combi boiler in the utility cupboard';
    const findings = 'Heat exchanger cracked beyond repair';

    const created = await call(
      'POST',
      '/v1/work-orders',
      office,
      {
        customerId: 'cus_northwest_homes',
        siteId: 'site_ancoats',
        assetIds: ['asset_boiler_ancoats'],
        jobType: 'boiler_replacement',
        description,
      },
      { 'idempotency-key': 'logs-replacement-1' },
    );
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    await workOrderWhen(id, office, (wo) => wo.status === 'pending_approval');
    expect((await call('POST', `/v1/work-orders/${id}/approve`, approver)).status).toBe(200);
    const dispatched = await workOrderWhen(id, office, (wo) => wo.waitingFor === 'acknowledgement');
    const engineer = await token({ role: 'engineer', engineerId: dispatched.engineerId });
    expect((await call('POST', `/v1/work-orders/${id}/acknowledge`, engineer, { accept: true })).status).toBe(200);
    await workOrderWhen(id, office, (wo) => wo.waitingFor === 'completion');
    const arrived = Date.now() - 3_600_000;
    for (const [index, status] of ['en_route', 'on_site', 'in_progress'].entries()) {
      const at = new Date(arrived + index * 600_000).toISOString();
      const update = await call('POST', `/v1/work-orders/${id}/status`, engineer, {
        eventId: `evt-${status}`,
        status,
        at,
      });
      expect(update.status).toBe(200);
    }
    const completed = await call('POST', `/v1/work-orders/${id}/complete`, engineer, {
      eventId: 'evt-complete',
      outcome: 'fixed',
      findings,
      workDone: 'Fitted a new combi boiler and flue, commissioned and tested',
      partsUsed: [
        { sku: 'BOILER-COMBI-30', qty: 1 },
        { sku: 'FLUE-KIT-STD', qty: 1 },
      ],
    });
    expect(completed.status).toBe(202);
    await workOrderWhen(id, office, (wo) => wo.status === 'closed');
    // The closing task writes its last line just after the work order is saved closed.
    const closing = await eventually(
      () => lines().find((l) => l.workOrderId === id && l.message === 'work order moved' && l.to === 'closed'),
      'the move to closed to be logged',
    );
    await eventually(
      () => lines().some((l) => l.requestId === closing.requestId && l.message === 'invocation ended'),
      'the closing task to end',
    );

    const all = lines();
    const ofJob = all.filter((l) => l.workOrderId === id);
    const logged = all.filter((l) => typeof l.message === 'string');
    for (const line of logged) expect(line).toMatchObject({ service: 'fieldops-local', requestId: expect.any(String) });
    const ended = (where: Record<string, unknown>) =>
      ofJob.some((l) => l.message === 'invocation ended' && Object.entries(where).every(([k, v]) => l[k] === v));
    const movedTo = (status: string) => ofJob.some((l) => l.message === 'work order moved' && l.to === status);
    const taskEnded = (name: RegExp) =>
      ofJob.some((l) => l.message === 'invocation ended' && name.test(l.task) && l.outcome === 'ok');
    // Created: the office's request, with the id of what it created.
    expect(ended({ route: 'POST /v1/work-orders', status: 201 })).toBe(true);
    expect(ofJob.some((l) => l.message === 'work order logged' && l.source === 'office')).toBe(true);
    // Approved, matched and dispatched by the workflow's tasks, each naming it from its input.
    expect(ended({ route: 'POST /v1/work-orders/{id}/approve', status: 200 })).toBe(true);
    expect(movedTo('ready_to_schedule') && movedTo('scheduled') && movedTo('dispatched')).toBe(true);
    expect(taskEnded(/match-engineer/)).toBe(true);
    expect(taskEnded(/dispatch/)).toBe(true);
    // Acknowledged and worked by the engineer, completed, and closed out with its invoice.
    expect(ended({ route: 'POST /v1/work-orders/{id}/acknowledge', status: 200 })).toBe(true);
    expect(movedTo('acknowledged') && movedTo('in_progress') && movedTo('completed')).toBe(true);
    expect(ended({ route: 'POST /v1/work-orders/{id}/complete', status: 202 })).toBe(true);
    expect(taskEnded(/closeout/)).toBe(true);
    expect(ofJob.some((l) => l.message === 'invoice issued')).toBe(true);
    expect(movedTo('closed')).toBe(true);

    // Its metrics, in EMF: logged once, its SLA met on arrival, invoiced once, closed once with its first-time fix and
    // closeout lag.
    const metrics = all.filter((l) => l._aws?.CloudWatchMetrics?.[0]?.Namespace === 'FieldOps');
    const closedMetrics = metrics.find((l) => l.requestId === closing.requestId);
    expect(closedMetrics).toMatchObject({ WorkOrdersClosed: 1, FirstTimeFix: 1 });
    // The SLA is settled, and counted once, when the engineer reports being on site, not again at close.
    const arriving = ofJob.find((l) => l.message === 'work order moved' && l.to === 'on_site');
    expect(metrics.find((l) => l.requestId === arriving?.requestId)).toMatchObject({ SlaMet: 1 });
    expect(metrics.filter((l) => l.SlaMet !== undefined || l.SlaBreached !== undefined)).toHaveLength(1);
    expect(closedMetrics?.CloseoutLag).toBeGreaterThanOrEqual(0);
    expect(metrics.some((l) => l.InvoicesIssued === 1)).toBe(true);

    // Ids, codes and statuses: never what the office or the engineer wrote, nor the customer's contact.
    expect(stdout).not.toContain(description);
    expect(stdout).not.toContain(findings);
    expect(stdout).not.toMatch(/northwesthomes\.co\.uk|@example\./);
  });

  it('names a replayed Idempotency-Key answer, and counts it', async () => {
    const office = await token({ role: 'dispatcher' });
    const create = () =>
      call(
        'POST',
        '/v1/work-orders',
        office,
        { customerId: 'cus_okafor', siteId: 'site_didsbury', jobType: 'general_maintenance', description: 'Gate' },
        { 'idempotency-key': 'logs-replayed-1' },
      );
    const first = await create();

    const again = await create();

    expect(again).toEqual(first);
    const replay = await eventually(
      () => lines().find((l) => l.message === 'replayed a stored answer' && l.replay === 'idempotency_key'),
      'the replay to be logged',
    );
    const ended = await eventually(
      () => lines().find((l) => l.requestId === replay.requestId && l.message === 'invocation ended'),
      'the replayed request to end',
    );
    expect(ended).toMatchObject({ route: 'POST /v1/work-orders', status: 201 });
    expect(lines().some((l) => l.requestId === replay.requestId && l.IdempotentReplays === 1)).toBe(true);
  });
});
