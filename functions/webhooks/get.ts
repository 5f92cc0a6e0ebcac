import { api, etag, ok } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/** One webhook subscription, without its secret; the ETag is its version. */
export const handler = api({
  roles: ['admin'],
  response: { status: 200, body: Webhooks.Webhook },
  errors: [404],
}).handler(async ({ params }) => {
  const record = await Webhooks.get(params.id as string);
  return ok(Webhooks.webhookView(record), etag(record.version));
});
