import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { listInboundMessages } from '#shared/db/inbound-mail.ts';
import { api, ok, PageQuery } from '#shared/http/api.ts';
import { InboundMailPage, inboundMailView } from '#shared/intake/views.ts';

const Query = PageQuery.extend({ outcome: z.enum(['logged', 'linked', 'rejected']).optional() });

/** Every e-mail received, newest first, with what became of it: logged, linked, or rejected and why. */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: { status: 200, body: InboundMailPage },
}).handler(async ({ query }) => {
  const page = await listInboundMessages(query);
  return ok({
    items: page.items.map(inboundMailView),
    nextCursor: page.nextCursor,
  });
});
