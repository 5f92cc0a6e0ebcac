import { accepted, api } from '#shared/http/api.ts';
import * as Deliveries from '#shared/webhooks/deliveries.ts';

/** Sends a delivery again under its own webhook-id: due at once, made by the retry run (202). */
export const handler = api({
  roles: ['admin'],
  response: { status: 202, body: Deliveries.Delivery },
  errors: [404, 409],
}).handler(async ({ params }) =>
  accepted(Deliveries.deliveryView(await Deliveries.replay(params.id as string, params.deliveryId as string))),
);
