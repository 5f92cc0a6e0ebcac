import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { findCandidates } from '#shared/scheduling/candidates.ts';
import { Candidates, candidatesView } from '#shared/scheduling/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/** The engineers who could take a work order, best first, with their ETA and cost, and why the others cannot. */
export const handler = api({ roles: officeRoles, response: { status: 200, body: Candidates }, errors: [404] }).handler(
  async ({ params }) => {
    const found = await findCandidates(await WorkOrder.get(params.id as string));
    return ok(candidatesView({ ...found, candidates: found.candidates.slice(0, 10) }));
  },
);
