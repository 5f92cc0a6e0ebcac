import { IssueCreditNote, issueCreditNote } from '#shared/accounting/credit-notes.ts';
import { CreditNote, creditNoteView } from '#shared/accounting/views.ts';
import { api, created } from '#shared/http/api.ts';

/**
 * An admin corrects an issued invoice with a credit note (`CN-000001`, its own sequence): the whole invoice, or the
 * lines given with VAT; never more than is left un-credited (409 `creditnote.exceeds_invoice`). The invoice never
 * changes; its balance does.
 */
export const handler = api({
  roles: ['admin'],
  body: IssueCreditNote,
  idempotency: 'required',
  response: { status: 201, body: CreditNote },
  errors: [404, 409],
}).handler(async ({ params, body, principal, headers }) =>
  created(
    creditNoteView(
      await issueCreditNote({
        invoiceId: params.id as string,
        actor: principal.sub,
        idempotencyKey: headers['idempotency-key'] as string,
        request: body,
      }),
    ),
  ),
);
