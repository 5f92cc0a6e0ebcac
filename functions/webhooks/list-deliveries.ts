import { api, ok, PageQuery } from '#shared/http/api.ts';
import * as Deliveries from '#shared/webhooks/deliveries.ts';

/** A subscription's deliveries, newest event first, each with every attempt made (status, latency, answer). */
export const handler = api({
  roles: ['admin'],
  query: PageQuery,
  response: { status: 200, body: Deliveries.DeliveryPage },
  errors: [404],
}).handler(async ({ params, query }) => ok(await Deliveries.listOf(params.id as string, query)));
