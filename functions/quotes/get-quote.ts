import { api, ok } from '#shared/http/api.ts';
import { visibleQuote } from '#shared/quotes/quotes.ts';
import { Quote, quoteView } from '#shared/quotes/views.ts';

/** One quote, for its customer or the office. */
export const handler = api({
  roles: ['customer', 'dispatcher', 'approver', 'admin'],
  response: { status: 200, body: Quote },
  errors: [404],
}).handler(async ({ params, principal }) =>
  ok(quoteView(await visibleQuote(params.id as string, principal), principal)),
);
