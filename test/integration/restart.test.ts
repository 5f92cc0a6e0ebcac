import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServicePorts, startRuntime } from '#local/runtime.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';
import { resumeTask } from '#shared/workflow.ts';
import { completionOf, jobsOnSite } from '../fixtures/jobs-on-site.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
const historyDataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
const journalDataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
const failedDataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
afterAll(() =>
  Promise.all(
    [dataDir, historyDataDir, journalDataDir, failedDataDir].map((dir) => rm(dir, { recursive: true, force: true })),
  ),
);

let ports: ServicePorts | undefined;
/**
 * A runtime on the data in `directory`. The handlers' SDK clients are built once per process, so every runtime of
 * this file takes the service ports the first one had.
 */
async function start(directory: string) {
  const runtime = await startRuntime({ port: 0, dataDir: directory, servicePorts: ports });
  ports ??= runtime.servicePorts;
  return runtime;
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown, key?: string) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function waitForStatus(url: string, token: string, id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const wo = (await call(url, 'GET', `/v1/work-orders/${id}`, token)).body;
    if (wo.status === status && wo.waitingFor) return wo;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Work order ${id} never reached ${status}`);
}

describe('the embedded default across a restart', () => {
  it('keeps an execution’s history, stopped mid-run and once ended: the same events, in the same order', async () => {
    const first = await start(journalDataDir);
    let office = '';
    let id = '';
    let waiting: any;
    try {
      office = (await call(first.url, 'POST', '/local/token', undefined, { role: 'dispatcher' })).body.token;
      const [job] = await jobsOnSite('journal', 1);
      id = job?.workOrderId ?? '';
      waiting = await executionOf(first.url, office, id, (execution) => execution.currentState === 'WaitForCompletion');
      expect(pathOf(waiting)).toEqual([
        'LoadWorkOrder:succeeded',
        'RouteByStatus:succeeded',
        'WaitForCompletion:running',
      ]);
    } finally {
      await first.close();
    }

    // Stopped while it waited: the same execution goes on, its history kept and carried on from where it was.
    const second = await start(journalDataDir);
    let ended: any;
    try {
      const resumed = await executionOf(second.url, office, id, (execution) => execution.steps.length > 3);
      expect(resumed).toMatchObject({ executionId: waiting.executionId, run: 1, runs: 1, status: 'RUNNING' });
      expect(resumed.startedAt).toBe(waiting.startedAt);
      expect(resumed.events.slice(0, waiting.events.length)).toEqual(waiting.events);
      expect(resumed.events.filter((event: { type: string }) => event.type === 'ExecutionStarted')).toHaveLength(1);
      await executionOf(second.url, office, id, (execution) => execution.currentState === 'WaitForCompletion');
      await until(async () => (await WorkOrder.get(id)).waitingFor === 'completion');

      const engineer = (
        await call(second.url, 'POST', '/local/token', undefined, {
          role: 'engineer',
          engineerId: 'eng_amira',
        })
      ).body.token;
      expect(
        (await call(second.url, 'POST', `/v1/work-orders/${id}/complete`, engineer, completionOf(id))).status,
      ).toBe(202);
      ended = await executionOf(second.url, office, id, (execution) => execution.status === 'SUCCEEDED');
      expect(pathOf(ended)).toEqual([
        'LoadWorkOrder:succeeded',
        'RouteByStatus:succeeded',
        'WaitForCompletion:interrupted',
        'LoadWorkOrder:succeeded',
        'RouteByStatus:succeeded',
        'WaitForCompletion:succeeded',
        'Closeout:succeeded',
        'RouteByStatus:succeeded',
        'Closed:succeeded',
      ]);
      const unfinished = ended.steps.filter((step: { exitedAt: string | null }) => step.exitedAt === null);
      expect(unfinished.map((step: { state: string }) => step.state)).toEqual(['WaitForCompletion']);
    } finally {
      await second.close();
    }

    // Ended, then the runtime stopped: the history read again is the same, event for event.
    const third = await start(journalDataDir);
    try {
      const again = await executionOf(third.url, office, id, () => true);
      expect(again).toEqual(ended);
      expect(again.events.map((event: { type: string }) => event.type).at(-1)).toBe('ExecutionSucceeded');
    } finally {
      await third.close();
    }
  });

  it('keeps a failed execution’s history, re-driven after a restart, and the office re-drives it again', async () => {
    const first = await start(failedDataDir);
    let office = '';
    let id = '';
    let failed: any;
    try {
      office = (await call(first.url, 'POST', '/local/token', undefined, { role: 'dispatcher' })).body.token;
      const [job] = await jobsOnSite('failing', 1);
      id = job?.workOrderId ?? '';
      await until(async () => (await WorkOrder.get(id)).waitingFor === 'completion');
      await resumeTask((await WorkOrder.get(id)).taskToken ?? '', {
        error: 'Engineer.Unreachable',
        cause: 'No answer from the phone',
      });
      failed = await executionOf(first.url, office, id, (execution) => execution.status === 'FAILED');
      expect(pathOf(failed)).toEqual([
        'LoadWorkOrder:succeeded',
        'RouteByStatus:succeeded',
        'WaitForCompletion:caught',
        'FlagForAttention:succeeded',
        'WorkflowFailed:failed',
      ]);
      expect(failed.steps[2].error).toBe('Engineer.Unreachable');
    } finally {
      await first.close();
    }

    // At start the reconciler re-drives it (a second run); the failed run is still read as it was.
    const second = await start(failedDataDir);
    try {
      const current = await executionOf(second.url, office, id, (execution) => execution.run === 2);
      expect(current).toMatchObject({ runs: 2, status: 'RUNNING' });
      const earlier = await executionOf(second.url, office, id, () => true, 1);
      expect(earlier).toEqual({ ...failed, runs: 2 });
      expect((await call(second.url, 'GET', `/v1/work-orders/${id}/execution?run=3`, office)).status).toBe(404);
      expect((await call(second.url, 'GET', `/v1/work-orders/${id}/execution?run=0`, office)).status).toBe(400);

      // The office re-drives it too: refused while the run runs, then a third run once it is stopped.
      await executionOf(second.url, office, id, (execution) => execution.currentState === 'WaitForCompletion');
      const reason = { reason: 'The phone is back' };
      const running = await call(second.url, 'POST', `/v1/work-orders/${id}/redrive`, office, reason);
      expect([running.status, running.body.code]).toEqual([409, 'workflow.running']);
      await resumeTask((await WorkOrder.get(id)).taskToken ?? '', { error: 'Engineer.Unreachable', cause: 'Again' });
      await executionOf(second.url, office, id, (execution) => execution.status === 'FAILED' && execution.run === 2);
      const redriven = await call(second.url, 'POST', `/v1/work-orders/${id}/redrive`, office, reason);
      expect(redriven.status).toBe(200);
      await until(async () => (await WorkOrder.get(id)).waitingFor === 'completion');
      const engineer = (
        await call(second.url, 'POST', '/local/token', undefined, {
          role: 'engineer',
          engineerId: 'eng_amira',
        })
      ).body.token;
      expect(
        (await call(second.url, 'POST', `/v1/work-orders/${id}/complete`, engineer, completionOf(id))).status,
      ).toBe(202);
      const closed = await executionOf(second.url, office, id, (execution) => execution.status === 'SUCCEEDED');
      expect(closed).toMatchObject({ run: 3, runs: 3 });
    } finally {
      await second.close();
    }
  });

  it('keeps its data and carries on a work order that was waiting mid-flow', async () => {
    const first = await start(dataDir);
    const office = (await call(first.url, 'POST', '/local/token', undefined, { role: 'dispatcher' })).body.token;
    const created = await call(
      first.url,
      'POST',
      '/v1/work-orders',
      office,
      {
        customerId: 'cus_okafor',
        siteId: 'site_didsbury',
        jobType: 'boiler_replacement',
        description: 'New combi boiler',
      },
      'restart-1',
    );
    await waitForStatus(first.url, office, created.body.id, 'pending_approval');
    await first.close();

    const second = await start(dataDir);
    try {
      expect(second.seeded).toBe(false);
      expect(second.redriven).toBeGreaterThanOrEqual(1);
      const approver = (await call(second.url, 'POST', '/local/token', undefined, { role: 'approver' })).body.token;
      await waitForStatus(second.url, approver, created.body.id, 'pending_approval');

      const approved = await call(second.url, 'POST', `/v1/work-orders/${created.body.id}/approve`, approver);

      expect(approved.status).toBe(200);
      const dispatched = await waitForStatus(second.url, approver, created.body.id, 'dispatched');
      expect(['eng_amira', 'eng_priya']).toContain(dispatched.engineerId);
    } finally {
      await second.close();
    }
  });

  it('lets finished executions leave memory and still serves their history, after a restart too', async () => {
    const first = await start(historyDataDir);
    const ids: string[] = [];
    let office = '';
    try {
      office = (await call(first.url, 'POST', '/local/token', undefined, { role: 'dispatcher' })).body.token;
      const approver = (await call(first.url, 'POST', '/local/token', undefined, { role: 'approver' })).body.token;
      const held = first.executionsInMemory();
      for (let index = 0; index < 5; index++) {
        const body = {
          customerId: 'cus_okafor',
          siteId: 'site_didsbury',
          jobType: 'boiler_replacement',
          description: `Replacement quote ${index}`,
        };
        const { id } = (await call(first.url, 'POST', '/v1/work-orders', office, body, `finished-${index}`)).body;
        await waitForStatus(first.url, office, id, 'pending_approval');
        const reason = { reason: 'Not this year' };
        expect((await call(first.url, 'POST', `/v1/work-orders/${id}/reject`, approver, reason)).status).toBe(200);
        ids.push(id);
      }
      for (const id of ids) await executionOf(first.url, office, id, (execution) => execution.status === 'SUCCEEDED');

      // Five executions started and finished: the runner holds what it held before.
      await until(() => first.executionsInMemory() === held);
    } finally {
      await first.close();
    }

    const second = await start(historyDataDir);
    try {
      for (const id of ids) {
        const execution = await executionOf(second.url, office, id, () => true);
        expect(execution.status).toBe('SUCCEEDED');
        expect(execution.events.map((event: { state?: string }) => event.state)).toContain('Rejected');
      }
    } finally {
      await second.close();
    }
  });
});

/** The work order's execution (`GET /v1/work-orders/{id}/execution[?run=]`), once `done` holds for it. */
async function executionOf(url: string, token: string, id: string, done: (execution: any) => boolean, run?: number) {
  let last: { status: number; body: any } | undefined;
  await until(async () => {
    last = await call(url, 'GET', `/v1/work-orders/${id}/execution${run ? `?run=${run}` : ''}`, token);
    return last.status === 200 && done(last.body);
  });
  return last?.body;
}

/** A step of an execution as the office draws it: the state and how it ended. */
const pathOf = (execution: { steps: Array<{ state: string; outcome: string }> }) =>
  execution.steps.map((step) => `${step.state}:${step.outcome}`);

/** Waits until the condition holds, failing after 15 s: executions finish and leave memory asynchronously. */
async function until(condition: () => boolean | Promise<boolean>) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('The condition never held.');
}
