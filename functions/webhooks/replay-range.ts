import { accepted, api } from '#shared/http/api.ts';
import * as Deliveries from '#shared/webhooks/deliveries.ts';

/** Sends again every event of a time range the subscription takes, each under its original webhook-id (202). */
export const handler = api({
  roles: ['admin'],
  body: Deliveries.ReplayRange,
  response: { status: 202, body: Deliveries.Replayed },
  errors: [404, 409, 422],
}).handler(async ({ params, body }) => accepted(await Deliveries.replayRange(params.id as string, body)));
