import { api, noContent } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/** An admin deletes a subscription: nothing more is sent to it. */
export const handler = api({ roles: ['admin'], response: { status: 204 }, errors: [404] }).handler(
  async ({ params }) => {
    await Webhooks.remove(params.id as string);
    return noContent();
  },
);
