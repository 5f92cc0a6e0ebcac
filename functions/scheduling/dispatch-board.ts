import { z } from 'zod';
import { api, officeRoles, ok } from '#shared/http/api.ts';
import { dispatchBoard } from '#shared/scheduling/dispatch-board.ts';

const Query = z.strictObject({ date: z.iso.date().optional() });

/** A day's dispatch board (today, UTC, by default): each engineer's jobs, status and place; the work no one holds. */
export const handler = api({ roles: officeRoles, query: Query }).handler(async ({ query }) =>
  ok(await dispatchBoard({ date: query.date ?? new Date().toISOString().slice(0, 10) })),
);
