import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime } from '#local/runtime.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'fieldops-restart-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

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
    const first = await startRuntime({ port: 0, dataDir });
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

    const second = await startRuntime({ port: 0, dataDir, servicePorts: first.servicePorts });
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
});
