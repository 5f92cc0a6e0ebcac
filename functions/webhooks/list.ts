import { api, ok } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/** The business's webhook subscriptions, oldest first, without their secrets. */
export const handler = api({ roles: ['admin'], response: { status: 200, body: Webhooks.WebhookList } }).handler(
  async () => ok({ items: (await Webhooks.list()).map(Webhooks.webhookView) }),
);
