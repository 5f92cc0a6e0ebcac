import { api, ok } from '#shared/http/api.ts';
import { quoteView, visibleQuote } from '#shared/quotes/quotes.ts';

/** One quote, for its customer or the office. */
export const handler = api({ roles: ['customer', 'dispatcher', 'approver', 'admin'] }).handler(
  async ({ params, principal }) => ok(quoteView(await visibleQuote(params.id as string, principal))),
);
