import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultPoint } from '#shared/faults.ts';

/**
 * Each fault point kills the embedded default (`npm start`'s process) at the worst moment; the product then starts
 * again on the same data, as a user would, and every work order must still reach the state it should, once.
 */
const repoRoot = new URL('../../', import.meta.url);
const running = new Set<ChildProcess>();
const folders: string[] = [];

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

interface Server {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  call(method: string, path: string, options?: { token?: string; body?: unknown; key?: string }): Promise<any>;
  token(claims: object): Promise<string>;
}

/** Starts `local/start.ts` in a process of its own on `dataDir`, with a fault point armed or none. */
async function startServer(dataDir: string, fault?: FaultPoint): Promise<Server> {
  // Only what a user's shell would have: none of this test process's AWS or FieldOps settings.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('FIELDOPS_')),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: repoRoot,
    env: { ...env, PORT: '0', SMTP_PORT: '0', FIELDOPS_DATA: dataDir, ...(fault ? { FIELDOPS_FAULT: fault } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal === 'SIGKILL' ? 137 : code);
    }),
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found?.[1]) resolve(found[1]);
    });
    void exited.then(() => reject(new Error(`The server exited before it was ready:\n${output}`)));
  });
  const call = async (method: string, path: string, options: { token?: string; body?: unknown; key?: string } = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.key ? { 'idempotency-key': options.key } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const token = async (claims: object) => (await call('POST', '/local/token', { body: claims })).body.token as string;
  return { url, child, exited, call, token };
}

/** Polls until `read` answers something `until` accepts. */
async function eventually<T>(read: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (until(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  throw new Error(`Not reached in time; last: ${JSON.stringify(last).slice(0, 500)}`);
}

async function dataDir() {
  const folder = await mkdtemp(join(tmpdir(), 'fieldops-fault-'));
  folders.push(folder);
  return folder;
}

const repair = (description: string) => ({
  customerId: 'cus_okafor',
  siteId: 'site_didsbury',
  jobType: 'general_maintenance',
  description,
});

describe('a process that dies', () => {
  it('after a work order is stored and before its execution starts: the work order is started on restart', async () => {
    const folder = await dataDir();
    const crashing = await startServer(folder, 'after-create-before-start');
    const office = await crashing.token({ role: 'dispatcher' });

    const lost = crashing.call('POST', '/v1/work-orders', {
      token: office,
      key: 'fault-create-1',
      body: repair('Gate'),
    });

    await expect(lost).rejects.toThrow();
    expect(await crashing.exited).toBe(137);
    const server = await startServer(folder);
    const again = await server.token({ role: 'dispatcher' });
    const board = await eventually(
      () => server.call('GET', '/v1/work-orders?customerId=cus_okafor&limit=200', { token: again }),
      (reply) => reply.body.items.some((wo: { description: string; status: string }) => wo.description === 'Gate'),
    );
    const mine = board.body.items.filter((wo: { description: string }) => wo.description === 'Gate');
    expect(mine).toHaveLength(1);
    const started = await eventually(
      () => server.call('GET', `/v1/work-orders/${mine[0].id}`, { token: again }),
      (reply) => reply.body.status !== 'logged' && reply.body.waitingFor !== undefined,
    );
    expect(['dispatched', 'ready_to_schedule']).toContain(started.body.status);
    const execution = await server.call('GET', `/v1/work-orders/${mine[0].id}/execution`, { token: again });
    expect(execution.body.status).toBe('RUNNING');
  });

  it('after a change is committed and before the waiting step is answered: the workflow carries on from it', async () => {
    const folder = await dataDir();
    const crashing = await startServer(folder, 'after-commit-before-callback');
    const office = await crashing.token({ role: 'dispatcher' });
    const approver = await crashing.token({ role: 'approver' });
    const created = await crashing.call('POST', '/v1/work-orders', {
      token: office,
      key: 'fault-callback-1',
      body: { ...repair('New boiler'), siteId: 'site_didsbury', jobType: 'boiler_replacement' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await eventually(
      () => crashing.call('GET', `/v1/work-orders/${id}`, { token: office }),
      (reply) => reply.body.waitingFor === 'approval',
    );

    await expect(crashing.call('POST', `/v1/work-orders/${id}/approve`, { token: approver })).rejects.toThrow();

    expect(await crashing.exited).toBe(137);
    const server = await startServer(folder);
    const again = await server.token({ role: 'dispatcher' });
    const moved = await eventually(
      () => server.call('GET', `/v1/work-orders/${id}`, { token: again }),
      (reply) => reply.body.status === 'dispatched' && reply.body.waitingFor === 'acknowledgement',
    );
    const approvals = moved.body.timeline.filter((e: { reason?: string }) => e.reason === 'Approved');
    expect(approvals).toHaveLength(1);
  });

  it('in the middle of closeout: the job closes on restart with one invoice and its stock taken once', async () => {
    const folder = await dataDir();
    const crashing = await startServer(folder, 'mid-closeout');
    const office = await crashing.token({ role: 'dispatcher' });
    const created = await crashing.call('POST', '/v1/work-orders', {
      token: office,
      key: 'fault-closeout-1',
      body: { ...repair('Leaking trap'), jobType: 'general_maintenance' },
    });
    const id = created.body.id as string;
    const dispatched = await eventually(
      () => crashing.call('GET', `/v1/work-orders/${id}`, { token: office }),
      (reply) => reply.body.waitingFor === 'acknowledgement',
    );
    const engineer = await crashing.token({ role: 'engineer', engineerId: dispatched.body.engineerId });
    expect(
      (await crashing.call('POST', `/v1/work-orders/${id}/acknowledge`, { token: engineer, body: { accept: true } }))
        .status,
    ).toBe(200);
    await eventually(
      () => crashing.call('GET', `/v1/work-orders/${id}`, { token: office }),
      (reply) => reply.body.waitingFor === 'completion',
    );
    const at = new Date().toISOString();
    await crashing.call('POST', `/v1/work-orders/${id}/status`, {
      token: engineer,
      body: { eventId: 'evt-fault-start', status: 'in_progress', at },
    });
    const before = (await crashing.call('GET', '/v1/parts/PRV-VALVE', { token: office })).body.stock as number;
    // Completing answers at once; closeout runs after it, and the process dies there.
    await crashing
      .call('POST', `/v1/work-orders/${id}/complete`, {
        token: engineer,
        body: {
          eventId: 'evt-fault-done',
          outcome: 'fixed',
          findings: 'Trap seal perished',
          workDone: 'Replaced the valve',
          partsUsed: [{ sku: 'PRV-VALVE', qty: 1 }],
        },
      })
      .catch(() => undefined);

    expect(await crashing.exited).toBe(137);
    const server = await startServer(folder);
    const again = await server.token({ role: 'dispatcher' });
    await eventually(
      () => server.call('GET', `/v1/work-orders/${id}`, { token: again }),
      (reply) => reply.body.status === 'closed',
    );
    const invoices = await server.call('GET', `/v1/invoices?workOrderId=${id}`, { token: again });
    expect(invoices.body.items).toHaveLength(1);
    expect(invoices.body.items[0].number).toBe('INV-000001');
    expect((await server.call('GET', '/v1/parts/PRV-VALVE', { token: again })).body.stock).toBe(before - 1);
    // The execution is the one that ran before the crash, its history kept: the closeout it died in shows unfinished,
    // and the resumed run's after it.
    const execution = await eventually(
      () => server.call('GET', `/v1/work-orders/${id}/execution`, { token: again }),
      (reply) => reply.body.status === 'SUCCEEDED',
    );
    const path = execution.body.steps.map(
      (step: { state: string; outcome: string }) => `${step.state}:${step.outcome}`,
    );
    expect(execution.body.run).toBe(1);
    expect(path).toEqual(expect.arrayContaining(['WaitForAcknowledgement:succeeded', 'WaitForCompletion:succeeded']));
    expect(path.slice(path.indexOf('Closeout:interrupted'))).toEqual([
      'Closeout:interrupted',
      'LoadWorkOrder:succeeded',
      'RouteByStatus:succeeded',
      'Closeout:succeeded',
      'RouteByStatus:succeeded',
      'Closed:succeeded',
    ]);
  });
});
