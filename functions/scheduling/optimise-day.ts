import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { optimiseDay } from '#shared/scheduling/optimise.ts';
import { DayPlan, dayPlanView } from '#shared/scheduling/views.ts';

const Body = z.strictObject({
  date: z.iso.date(),
  /** The solver's budget; the Lambda's timeout leaves room for reading and applying around it. */
  seconds: z.number().min(0.1).max(5).default(2),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 32 - 1)
    .optional(),
});
const Query = z.strictObject({ apply: z.enum(['true', 'false']).default('false') });

/** A plan for the whole day (routes per engineer, unassigned work with reasons); `?apply=true` applies it. */
export const handler = api({
  roles: officeRoles,
  body: Body,
  query: Query,
  idempotency: 'optional',
  response: { status: 200, body: DayPlan },
}).handler(async ({ body, query, principal }) =>
  ok(
    dayPlanView(
      await optimiseDay({
        date: body.date,
        apply: query.apply === 'true',
        actor: principal.sub,
        timeLimitMs: body.seconds * 1000,
        seed: body.seed,
      }),
    ),
  ),
);
