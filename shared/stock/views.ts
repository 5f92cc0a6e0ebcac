import * as z from 'zod';
import { Instant, view } from '../http/views.ts';

/*
 * Parts as the engineer's app reads them: found in the catalogue, and where to get one. The office reads the
 * catalogue itself through the reference views.
 */

const Point = z.object({ lat: z.number(), lng: z.number() });

/** Parts whose SKU or name holds the words searched for; `inStock` is the business's stock figure. */
export const PartMatches = z
  .object({
    items: z.array(
      z.object({ sku: z.string(), name: z.string(), unitPriceMinor: z.number().int(), inStock: z.number().int() }),
    ),
  })
  .meta({ title: 'Parts found' });

export const partMatches = view(PartMatches);

/**
 * Where to get a part, nearest first: depots and engineers' vans holding some, each with its estimated road distance
 * from `from`. A van has no address: it is where its engineer is based.
 */
export const PartStock = z
  .object({
    sku: z.string(),
    name: z.string(),
    from: Point,
    locations: z.array(
      z.object({
        kind: z.enum(['depot', 'van']),
        id: z.string(),
        name: z.string(),
        qty: z.number().int(),
        distanceKm: z.number(),
        location: Point,
        address: z.string().nullable(),
        phone: z.string().nullable(),
      }),
    ),
  })
  .meta({ title: 'Where to get a part' });

export const partStock = view(PartStock);

/** How many of a part a depot or a van holds: the last count, less the jobs' use since, plus deliveries. */
export const StockHolding = z
  .object({
    sku: z.string(),
    holderKind: z.enum(['depot', 'van']),
    holderId: z.string(),
    qty: z.number().int(),
    updatedAt: Instant,
  })
  .meta({ title: 'Stock holding' });

export const stockHolding = view(StockHolding);
