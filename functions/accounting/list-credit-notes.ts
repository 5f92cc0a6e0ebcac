import { creditNotesOf } from '#shared/accounting/credit-notes.ts';
import { CreditNoteList, creditNoteView } from '#shared/accounting/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';

/** An invoice's credit notes, oldest first. */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: CreditNoteList },
  errors: [404],
}).handler(async ({ params }) => ok({ items: (await creditNotesOf(params.id as string)).map(creditNoteView) }));
