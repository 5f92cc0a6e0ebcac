import { api, created, officeRoles } from '#shared/http/api.ts';
import { CreateQuote, createQuote, quoteView } from '#shared/quotes/quotes.ts';

/** The office sends a customer a priced quote. */
export const handler = api({ roles: officeRoles, body: CreateQuote, idempotency: 'required' }).handler(
  async ({ body, principal, headers }) =>
    created(
      quoteView(
        await createQuote({
          actor: principal.sub,
          idempotencyKey: headers['idempotency-key'] as string,
          request: body,
        }),
      ),
    ),
);
