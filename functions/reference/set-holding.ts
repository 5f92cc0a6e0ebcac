import { api, ok } from '#shared/http/api.ts';
import { SetHolding, setHolding } from '#shared/stock/parts.ts';
import * as Views from '#shared/stock/views.ts';

/**
 * An admin records how many of a part a depot or an engineer's van holds, as counted (it replaces the count before;
 * 0 says none). 404 for an unknown part, depot or engineer.
 */
export const handler = api({
  roles: ['admin'],
  body: SetHolding,
  response: { status: 200, body: Views.StockHolding },
  errors: [404],
}).handler(async ({ body, params }) =>
  ok(Views.stockHolding(await setHolding({ sku: params.id as string, holding: body }))),
);
