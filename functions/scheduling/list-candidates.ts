import { api, officeRoles, ok } from '#shared/http/api.ts';
import { findCandidates } from '#shared/scheduling/candidates.ts';
import { WorkOrder } from '#shared/work-order/index.ts';

/** The engineers who could take a work order, best first, with their ETA and cost, and why the others cannot. */
export const handler = api({ roles: officeRoles }).handler(async ({ params }) => {
  const found = await findCandidates(await WorkOrder.get(params.id as string));
  return ok({ ...found, candidates: found.candidates.slice(0, 10) });
});
