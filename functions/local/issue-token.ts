import * as z from 'zod';
import { signLocalToken } from '#local/http-server.ts';
import { config } from '#shared/config.ts';
import { api, ok } from '#shared/http/api.ts';
import { Role } from '#shared/work-order/model.ts';

const TokenRequest = z
  .strictObject({
    role: Role,
    customerId: z.string().min(1).max(64).optional(),
    engineerId: z.string().min(1).max(64).optional(),
    sub: z.string().min(1).max(128).optional(),
  })
  .refine((r) => r.role !== 'customer' || r.customerId, { message: 'A customer token needs a customerId.' })
  .refine((r) => r.role !== 'engineer' || r.engineerId, { message: 'An engineer token needs an engineerId.' });

/** Local mode only: signs a token for any role, as a Cognito sign-in would in the cloud. */
export const handler = api({
  auth: false,
  body: TokenRequest,
  response: { status: 200, body: z.object({ token: z.string() }) },
}).handler(async ({ body }) => {
  const sub = body.sub ?? `local-${body.role}-${body.customerId ?? body.engineerId ?? 'user'}`;
  return ok({ token: await signLocalToken(config.localJwtSecret, { ...body, sub }) });
});
