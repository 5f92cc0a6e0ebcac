import { api, created } from '#shared/http/api.ts';
import { addEntry, CreateRotaEntry } from '#shared/rota/rota.ts';
import { RotaEntry, rotaEntryView } from '#shared/rota/views.ts';

/**
 * The office adds to the engineers' rota: time off (leave, sickness, training), when the engineer is never
 * matched, or an on-call period, when emergencies may go to them outside their shift.
 */
export const handler = api({
  roles: ['admin', 'dispatcher'],
  body: CreateRotaEntry,
  idempotency: 'required',
  response: { status: 201, body: RotaEntry },
}).handler(async ({ body, principal, headers }) =>
  created(
    rotaEntryView(
      await addEntry({ actor: principal.sub, idempotencyKey: headers['idempotency-key'] as string, entry: body }),
    ),
  ),
);
