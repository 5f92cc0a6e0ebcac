import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { dispatchBoard } from '#shared/scheduling/dispatch-board.ts';
import { DispatchBoard, dispatchBoardView } from '#shared/scheduling/views.ts';

const Query = z.strictObject({ date: z.iso.date().optional() });

/** A day's dispatch board (the business's today by default): each engineer's jobs, status and place; the work no one holds. */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: { status: 200, body: DispatchBoard },
}).handler(async ({ query }) => ok(dispatchBoardView(await dispatchBoard({ date: query.date }))));
