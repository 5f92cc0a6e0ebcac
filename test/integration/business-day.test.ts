import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

let api: LocalApi;
let office: string;
let admin: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
  admin = await api.token({ role: 'admin' });
});
afterAll(() => api?.close());

async function createWorkOrder(key: string, body: Record<string, unknown>) {
  const reply = await api.call('POST', '/v1/work-orders', { token: office, headers: { 'idempotency-key': key }, body });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function setBusiness(body: Record<string, unknown>) {
  return api.call('PATCH', '/v1/business', { token: admin, headers: { 'if-match': '*' }, body });
}

/** A job wanted on one day in summer, the customer's window the whole of it (the SLA is long since lapsed then). */
const summerJob = (siteId: string, customerId: string, day: string, offset: string) => ({
  customerId,
  siteId,
  jobType: 'boiler_repair',
  description: 'Boiler service visit',
  preferredWindow: { from: `${day}T00:00:00${offset}`, to: `${day}T23:59:00${offset}` },
});

describe('the business day in local time', () => {
  it('plans a summer day by London clocks: the 07:00 shift starts at 06:00 UTC', async () => {
    const business = await api.call('GET', '/v1/business', { token: admin });
    expect(business.body.timeZone).toBe('Europe/London');

    // Monday 5 July 2027, British Summer Time. The demo engineers work 07:00 to 19:00.
    const id = await createWorkOrder(
      'local-time-summer',
      summerJob('site_didsbury', 'cus_okafor', '2027-07-05', '+01:00'),
    );
    const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
    // Travel from home, then the job, from the shift's start: within the first hour of it, 07:00 to 08:00 BST.
    expect(wo.scheduledStart >= '2027-07-05T06:00:00.000Z').toBe(true);
    expect(wo.scheduledStart < '2027-07-05T07:00:00.000Z').toBe(true);

    // The engineer's day is London's day: the job is listed on 5 July.
    const engineer = await api.token({ role: 'engineer', engineerId: wo.engineerId });
    const day = await api.call('GET', '/v1/me/jobs?date=2027-07-05', { token: engineer });
    expect(day.body.items.map((job: { id: string }) => job.id)).toContain(id);
    const board = await api.call('GET', '/v1/dispatch-board?date=2027-07-05', { token: office });
    const lane = board.body.engineers.find((e: { id: string }) => e.id === wo.engineerId);
    expect(lane.jobs.map((job: { id: string }) => job.id)).toContain(id);
  });

  it('plans by the business’s own time zone once the office sets one, and refuses one that is not a zone', async () => {
    for (const timeZone of ['Mars/Olympus_Mons', 'GMT+1 please', 42]) {
      const refused = await setBusiness({ timeZone });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await setBusiness({ timeZone: 'America/New_York' })).body.timeZone).toBe('America/New_York');
    try {
      // The same shift, 07:00 Eastern Daylight Time: 11:00 UTC.
      const id = await createWorkOrder(
        'local-time-new-york',
        summerJob('site_ancoats', 'cus_northwest_homes', '2027-07-06', '-04:00'),
      );
      const wo = await api.waitFor(id, (w) => w.status === 'dispatched', patience);
      expect(wo.scheduledStart >= '2027-07-06T11:00:00.000Z').toBe(true);
      expect(wo.scheduledStart < '2027-07-06T12:00:00.000Z').toBe(true);
    } finally {
      expect((await setBusiness({ timeZone: null })).body.timeZone).toBe('Europe/London');
    }
  });
});
