import { api, created } from '#shared/http/api.ts';
import * as Webhooks from '#shared/webhooks/subscriptions.ts';

/**
 * An admin subscribes a URL to the business's events (Standard Webhooks): answered with its signing secret, which
 * no later read shows. The URL must be https:// to a public address (the SSRF guard, shared/webhooks/guard.ts).
 */
export const handler = api({
  roles: ['admin'],
  body: Webhooks.CreateWebhook,
  response: { status: 201, body: Webhooks.WebhookWithSecret },
}).handler(async ({ body }) => created(Webhooks.webhookWithSecretView(await Webhooks.create(body))));
