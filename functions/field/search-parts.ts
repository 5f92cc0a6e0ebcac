import * as z from 'zod';
import { api, ok } from '#shared/http/api.ts';
import { searchParts } from '#shared/stock/parts.ts';
import * as Views from '#shared/stock/views.ts';

const Query = z.strictObject({
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/**
 * Parts for the engineer to pick materials from: those whose SKU or name holds every word of `q`, whatever the case
 * (the SKU typed whole first, then by name), with the business's stock of each.
 */
export const handler = api({
  roles: ['engineer'],
  query: Query,
  response: { status: 200, body: Views.PartMatches },
}).handler(async ({ query }) => {
  const parts = await searchParts({ text: query.q, limit: query.limit });
  return ok(
    Views.partMatches({
      items: parts.map((part) => ({
        sku: part.sku,
        name: part.name,
        unitPriceMinor: part.unitPriceMinor,
        inStock: part.stock,
      })),
    }),
  );
});
