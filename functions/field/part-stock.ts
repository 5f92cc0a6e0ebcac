import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { whereToGet } from '#shared/stock/parts.ts';
import * as Views from '#shared/stock/views.ts';

/** Degrees as a query gives them, a plain decimal (never empty, which a number coercion would read as 0). */
const degrees = (limit: number) =>
  z
    .string()
    .regex(/^[-+]?\d{1,3}(\.\d{1,12})?$/, 'A decimal number of degrees, such as -2.2426.')
    .transform(Number)
    .pipe(z.number().min(-limit).max(limit));

const Query = z
  .strictObject({ lat: degrees(90).optional(), lng: degrees(180).optional() })
  .refine((query) => (query.lat === undefined) === (query.lng === undefined), {
    message: 'Give both lat and lng, or neither.',
    path: ['lat'],
  });

/**
 * Where the engineer can get a part: the depots and vans holding some, nearest first, by road from `lat`/`lng` (both,
 * or neither for the engineer's home base). 404 for a SKU the catalogue does not have.
 */
export const handler = api({
  roles: ['engineer'],
  query: Query,
  response: { status: 200, body: Views.PartStock },
  errors: [404],
}).handler(async ({ params, query, principal }) => {
  const from = query.lat !== undefined && query.lng !== undefined ? { lat: query.lat, lng: query.lng } : undefined;
  return ok(
    Views.partStock(await whereToGet({ sku: params.sku as string, engineerId: principal.engineerId as string, from })),
  );
});
