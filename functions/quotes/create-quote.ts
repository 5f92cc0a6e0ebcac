import { officeRoles } from '#shared/auth/roles.ts';
import { api, created } from '#shared/http/api.ts';
import { CreateQuote, createQuote } from '#shared/quotes/quotes.ts';
import { QuoteForOffice, quoteView } from '#shared/quotes/views.ts';

/** The office sends a customer a priced quote. */
export const handler = api({
  roles: officeRoles,
  body: CreateQuote,
  idempotency: 'required',
  response: { status: 201, body: QuoteForOffice },
  errors: [404],
}).handler(async ({ body, principal, headers }) =>
  created(
    quoteView(
      await createQuote({
        actor: principal.sub,
        idempotencyKey: headers['idempotency-key'] as string,
        request: body,
      }),
      principal,
    ),
  ),
);
