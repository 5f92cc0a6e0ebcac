import { api, etag, ok } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/** An admin changes a subscription's URL, event types or whether it is enabled, from the version read (If-Match). */
export const handler = api({
  roles: ['admin'],
  body: Webhooks.UpdateWebhook,
  ifMatch: true,
  response: { status: 200, body: Webhooks.Webhook },
  errors: [404],
}).handler(async ({ params, body, expectedVersion }) => {
  const record = await Webhooks.update(params.id as string, body, expectedVersion);
  return ok(Webhooks.webhookView(record), etag(record.version));
});
