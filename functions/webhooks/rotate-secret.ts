import { api, etag, ok } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/**
 * A new signing secret for a subscription, answered once; the old one still signs for 24 hours (both signatures are
 * sent), so the receiver changes over without losing a delivery.
 */
export const handler = api({
  roles: ['admin'],
  response: { status: 200, body: Webhooks.WebhookWithSecret },
  errors: [404],
}).handler(async ({ params }) => {
  const record = await Webhooks.rotateSecret(params.id as string);
  return ok(Webhooks.webhookWithSecretView(record), etag(record.version));
});
