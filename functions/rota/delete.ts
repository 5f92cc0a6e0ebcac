import { api, noContent } from '#shared/http/api.ts';
import { removeEntry } from '#shared/rota/rota.ts';

/** Takes an entry off the rota (a cancelled holiday, a swapped on-call week); a visit its job still holds stays (409). */
export const handler = api({ roles: ['admin', 'dispatcher'], response: { status: 204 }, errors: [404, 409] }).handler(
  async ({ params }) => {
    await removeEntry(params.id as string);
    return noContent();
  },
);
