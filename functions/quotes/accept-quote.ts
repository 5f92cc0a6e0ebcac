import { api, ok } from '#shared/http/api.ts';
import { acceptQuote } from '#shared/quotes/quotes.ts';

/** The quote's customer or the office accepts it: one work order, however often this is called. */
export const handler = api({ roles: ['customer', 'dispatcher', 'approver', 'admin'], idempotency: 'optional' }).handler(
  async ({ params, principal }) => ok(await acceptQuote({ quoteId: params.id as string, principal })),
);
