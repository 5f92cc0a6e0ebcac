import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canTransition } from '#shared/work-order/lifecycle.ts';
import { Status } from '#shared/work-order/model.ts';
import { arrange, completionOf, generalJob } from '../fixtures/jobs-on-site.ts';
import { type LocalApi, type Reply, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
const tokens: Record<'office' | 'approver' | 'engineer', string> = { office: '', approver: '', engineer: '' };

beforeAll(async () => {
  api = await startLocalApi();
  tokens.office = await api.token({ role: 'dispatcher' });
  tokens.approver = await api.token({ role: 'approver' });
  tokens.engineer = await api.token({ role: 'engineer', engineerId: 'eng_lucy' });
});
afterAll(() => api.close());

/**
 * Every API call that moves a work order, with the status it moves it to, and the statuses it is meant for where
 * it asks more than the table (an approval decides a job pending approval, not any move to scheduling).
 */
const moves: Array<{
  name: string;
  to: Status;
  only?: Status[];
  send: (id: string, index: number) => Promise<Reply>;
}> = [
  {
    name: 'approve',
    to: 'ready_to_schedule',
    only: ['pending_approval'],
    send: (id) => post(id, 'approve', 'approver'),
  },
  {
    name: 'reject',
    to: 'rejected',
    only: ['pending_approval'],
    send: (id) => post(id, 'reject', 'approver', { reason: 'Too dear' }),
  },
  { name: 'cancel', to: 'cancelled', send: (id) => post(id, 'cancel', 'office', { reason: 'No longer needed' }) },
  {
    name: 'assign',
    to: 'scheduled',
    only: ['ready_to_schedule'],
    send: (id, index) =>
      post(id, 'assign', 'office', { engineerId: 'eng_lucy', start: `${dayAhead(index)}T10:00:00.000Z` }),
  },
  {
    name: 'reassign',
    to: 'scheduled',
    only: ['dispatched', 'acknowledged'],
    send: (id, index) =>
      post(id, 'reassign', 'office', {
        engineerId: 'eng_dan',
        reason: 'Lucy is off sick',
        start: `${dayAhead(index)}T10:00:00.000Z`,
      }),
  },
  { name: 'acknowledge', to: 'acknowledged', send: (id) => post(id, 'acknowledge', 'engineer', { accept: true }) },
  {
    name: 'refuse',
    to: 'ready_to_schedule',
    send: (id) => post(id, 'acknowledge', 'engineer', { accept: false, reason: 'Van off the road' }),
  },
  ...(['en_route', 'on_site', 'in_progress', 'paused'] as const).map((to) => ({
    name: `status ${to}`,
    to,
    send: (id: string) =>
      post(id, 'status', 'engineer', { eventId: `evt-gate-${id}-${to}`, status: to, at: new Date().toISOString() }),
  })),
  { name: 'complete', to: 'completed', send: (id) => post(id, 'complete', 'engineer', completionOf(id)) },
];

function post(id: string, action: string, as: keyof typeof tokens, body?: unknown) {
  return api.call('POST', `/v1/work-orders/${id}/${action}`, { token: tokens[as], body });
}

const dayAhead = (days: number) => new Date(Date.now() + (days + 1) * 86_400_000).toISOString().slice(0, 10);

describe('the lifecycle table is the only gate', () => {
  it('moves a work order through the API exactly when the table allows it, from every status', async () => {
    let index = 0;
    const disagreements: string[] = [];
    for (const from of Status.options) {
      for (const move of moves) {
        index++;
        const id = await arrangeIn(`wo_gate_${index}`, from, index);
        const reply = await move.send(id, index);
        const after = (await api.call('GET', `/v1/work-orders/${id}`, { token: tokens.office })).body.status;

        const allowed = canTransition(from, move.to) && (move.only?.includes(from) ?? true);
        const expected = allowed || from === move.to ? move.to : from;
        const answered =
          expected === move.to
            ? reply.status < 300
            : // A status the job has already passed is recorded as late news and never applied.
              reply.status === 409 || (move.name.startsWith('status') && reply.status === 200);
        if (after !== expected || (from !== move.to && !answered)) {
          disagreements.push(`${from} --${move.name}--> ${after} (HTTP ${reply.status} ${reply.body?.code ?? ''})`);
        }
      }
    }

    expect(disagreements).toEqual([]);
  }, 120_000);
});

/**
 * A general maintenance job in `status`, held by Lucy on a day of its own, with no execution: the API call under
 * test is the only thing that moves it.
 */
async function arrangeIn(workOrderId: string, status: Status, index: number): Promise<string> {
  await arrange(
    generalJob({ workOrderId, status, engineerId: 'eng_lucy', scheduledStart: `${dayAhead(index)}T10:00:00.000Z` }),
  );
  return workOrderId;
}
