import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';
import { ListRota, listEntries } from '#shared/rota/rota.ts';
import { RotaEntries, rotaEntryView } from '#shared/rota/views.ts';

/** The rota between two days or instants (at most 92 days), of one engineer or all, by start. */
export const handler = api({
  roles: officeRoles,
  query: ListRota,
  response: { status: 200, body: RotaEntries },
}).handler(async ({ query }) => ok({ items: (await listEntries(query)).map(rotaEntryView) }));
