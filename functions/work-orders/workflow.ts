import { officeRoles } from '#shared/auth/roles.ts';
import { endpoint, ok } from '#shared/http/endpoint.ts';
import * as Views from '#shared/work-order/views.ts';
import { workOrderWorkflow } from '#shared/work-order/workflow-graph.ts';

// Reads no store: built with endpoint() rather than api(), as the OpenAPI document's route is; the ASL is bundled in.

/**
 * The work order state machine as a graph, for drawing the path of `GET /v1/work-orders/{id}/execution` on it: where
 * it starts, and each state of `statemachines/work-order.asl.json` with its type, comment, every state it may go to
 * (Next, each choice, Default, each catcher) and whether the execution may end in it.
 */
export const handler = endpoint({
  roles: officeRoles,
  response: { status: 200, body: Views.Workflow },
}).handler(async () => ok(Views.workflow(workOrderWorkflow())));
