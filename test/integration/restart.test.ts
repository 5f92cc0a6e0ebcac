import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServicePorts, startRuntime } from '#local/runtime.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
const historyDataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
afterAll(() => Promise.all([dataDir, historyDataDir].map((dir) => rm(dir, { recursive: true, force: true }))));

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

/** The work order's execution (`GET /v1/work-orders/{id}/execution`), once `done` holds for it. */
async function executionOf(url: string, token: string, id: string, done: (execution: any) => boolean) {
  let last: { status: number; body: any } | undefined;
  await until(async () => {
    last = await call(url, 'GET', `/v1/work-orders/${id}/execution`, token);
    return last.status === 200 && done(last.body);
  });
  return last?.body;
}

/** Waits until the condition holds, failing after 15 s: executions finish and leave memory asynchronously. */
async function until(condition: () => boolean | Promise<boolean>) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('The condition never held.');
}
