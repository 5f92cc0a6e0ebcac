import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

let api: LocalApi;
let office: string;
beforeAll(async () => {
  api = await startLocalApi();
  office = await api.token({ role: 'dispatcher' });
});
afterAll(() => api.close());

/** The first weekday at least `days` ahead, when the seeded engineers are on shift. */
function weekdayAhead(days: number): string {
  const day = new Date(Date.now() + days * 86_400_000);
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** A job waiting for the office to assign it, which two engineers can do: the optimiser has it to plan. */
async function jobToPlan(): Promise<string> {
  const created = await api.call('POST', '/v1/work-orders', {
    token: office,
    headers: { 'idempotency-key': 'optimiser-thread-job' },
    body: {
      customerId: 'cus_northwest_homes',
      siteId: 'site_salford',
      jobType: 'boiler_service',
      description: 'Annual service; the loft needs a ladder',
      requiredSkills: ['gas', 'heating', 'ladder_access'],
    },
  });
  expect(created.status).toBe(201);
  const waiting = await api.waitFor(created.body.id, (wo) => wo.waitingFor === 'assignment');
  const patched = await api.call('PATCH', `/v1/work-orders/${waiting.id}`, {
    token: office,
    headers: { 'if-match': `"${waiting.version}"` },
    body: { requiredSkills: ['gas', 'heating'] },
  });
  expect(patched.status).toBe(200);
  return waiting.id;
}

describe('the local server while the day optimiser solves', () => {
  it('answers requests started after the optimiser began before the optimiser answers', async () => {
    const id = await jobToPlan();
    let optimised = false;

    // With a job to place, the solver searches for its whole budget: five seconds of CPU.
    const optimise = api
      .call('POST', '/v1/schedule/optimise', { token: office, body: { date: weekdayAhead(2), seconds: 5, seed: 1 } })
      .finally(() => {
        optimised = true;
      });
    // More reads, one after another, than fit in the moments the optimiser spends reading before it solves.
    const answeredBeforeThePlan: boolean[] = [];
    for (let read = 0; read < 20; read++) {
      const reply = await api.call('GET', `/v1/work-orders/${id}`, { token: office });
      expect(reply.status).toBe(200);
      answeredBeforeThePlan.push(!optimised);
    }
    const plan = await optimise;

    expect(answeredBeforeThePlan).toEqual(Array(20).fill(true));
    expect(plan.status).toBe(200);
    // Solved in a thread of its own, from the same store the API writes to.
    const route = plan.body.routes.find((r: { jobs: Array<{ workOrderId: string }> }) =>
      r.jobs.some((job) => job.workOrderId === id),
    );
    expect(['eng_amira', 'eng_priya']).toContain(route?.engineerId);
  });
});
