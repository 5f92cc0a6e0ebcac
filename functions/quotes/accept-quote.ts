import { api, ok } from '#shared/http/api.ts';
import { acceptQuote } from '#shared/quotes/quotes.ts';
import { AcceptedQuote, acceptedQuoteView } from '#shared/quotes/views.ts';

/** The quote's customer or the office accepts it: one work order, however often this is called. */
export const handler = api({
  roles: ['customer', 'dispatcher', 'approver', 'admin'],
  idempotency: 'optional',
  response: { status: 200, body: AcceptedQuote },
  errors: [404],
}).handler(async ({ params, principal }) =>
  ok(acceptedQuoteView(await acceptQuote({ quoteId: params.id as string, principal }))),
);
