import * as z from 'zod';
import {
  getDepot,
  getDepots,
  getEngineer,
  getEngineers,
  getPart,
  listAllParts,
  type PartRecord,
} from '../db/reference.ts';
import { holdingsOf, putHolding, type StockHoldingRecord } from '../db/stock.ts';
import { NotFound } from '../errors.ts';
import { estimatedTravel } from '../scheduling/travel.ts';
import type { LatLng } from '../work-order/model.ts';

/**
 * The parts an engineer is looking for: those whose SKU or name holds every word of the text, whatever the case (the
 * SKU typed whole first, then by name). The catalogue is read whole: a business stocks hundreds of parts.
 */
export async function searchParts(options: { text: string; limit: number }): Promise<PartRecord[]> {
  const text = options.text.trim().toLowerCase();
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  const exact = (part: PartRecord) => (part.sku.toLowerCase() === text ? 0 : 1);
  return (await listAllParts())
    .filter((part) => {
      const searched = `${part.sku} ${part.name}`.toLowerCase();
      return words.every((word) => searched.includes(word));
    })
    .sort((a, b) => exact(a) - exact(b) || a.name.localeCompare(b.name) || a.sku.localeCompare(b.sku))
    .slice(0, options.limit);
}

/** One place an engineer can get a part, and how far it is. */
export interface StockLocation {
  kind: StockHoldingRecord['holderKind'];
  id: string;
  name: string;
  qty: number;
  distanceKm: number;
  location: LatLng;
  address: string | null;
  phone: string | null;
}

/**
 * Where an engineer can get a part, nearest first: the depots and vans holding some (a holding at 0 is left out),
 * each with its distance by road from `from` (where the engineer is) or else from the engineer's home base, by the
 * same estimate scheduling uses. A van is where its engineer is based and is reached on their phone; the van of an
 * engineer who is not active (away, or gone) is nowhere to get a part.
 */
export async function whereToGet(options: { sku: string; engineerId: string; from?: LatLng }) {
  const [part, holdings, engineer] = await Promise.all([
    getPart(options.sku),
    holdingsOf(options.sku),
    options.from ? undefined : getEngineer(options.engineerId),
  ]);
  if (!part) throw new NotFound('part', options.sku);
  const from = options.from ?? engineer?.homeBase;
  if (!from) throw new NotFound('engineer', options.engineerId);
  const held = holdings.filter((holding) => holding.qty > 0);
  const holderIds = (kind: StockHoldingRecord['holderKind']) =>
    held.filter((holding) => holding.holderKind === kind).map((holding) => holding.holderId);
  const [depots, engineers] = await Promise.all([getDepots(holderIds('depot')), getEngineers(holderIds('van'))]);
  const depotsById = new Map(depots.map((depot) => [depot.depotId, depot]));
  const vansById = new Map(engineers.filter((van) => van.active).map((van) => [van.engineerId, van]));
  const placeOf = (holding: StockHoldingRecord): Omit<StockLocation, 'qty' | 'distanceKm'> | undefined => {
    if (holding.holderKind === 'depot') {
      const depot = depotsById.get(holding.holderId);
      return (
        depot && {
          kind: 'depot',
          id: depot.depotId,
          name: depot.name,
          location: depot.location,
          address: depot.address,
          phone: depot.phone ?? null,
        }
      );
    }
    const van = vansById.get(holding.holderId);
    return (
      van && {
        kind: 'van',
        id: van.engineerId,
        name: `${van.name}'s van`,
        location: van.homeBase,
        address: null,
        phone: van.phone ?? null,
      }
    );
  };
  const locations = held
    .flatMap((holding) => {
      const place = placeOf(holding);
      return place ? [{ ...place, qty: holding.qty, km: estimatedTravel.km(from, place.location) }] : [];
    })
    .sort((a, b) => a.km - b.km || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id))
    .map(({ km, ...place }): StockLocation => ({ ...place, distanceKm: Math.round(km * 10) / 10 }));
  return { sku: part.sku, name: part.name, from, locations };
}

/** A count of a part at one holder, as the office sets it. */
export const SetHolding = z.strictObject({
  holderKind: z.enum(['depot', 'van']),
  /** The depot's id, or the engineer's whose van it is. */
  holderId: z.string().min(1).max(200),
  qty: z.number().int().min(0).max(1_000_000),
});
export type SetHolding = z.infer<typeof SetHolding>;

/**
 * Records how many of a part a depot or an engineer's van holds, as counted: it replaces the count before, so sending
 * it again changes nothing. The part and the holder must exist. `part.stock`, the business's own figure, is not
 * touched (see the stockHolding entity).
 */
export async function setHolding(options: { sku: string; holding: SetHolding }): Promise<StockHoldingRecord> {
  const { holderKind, holderId, qty } = options.holding;
  const [part, holder] = await Promise.all([
    getPart(options.sku),
    holderKind === 'depot' ? getDepot(holderId) : getEngineer(holderId),
  ]);
  if (!part) throw new NotFound('part', options.sku);
  if (!holder) throw new NotFound(holderKind === 'depot' ? 'depot' : 'engineer', holderId);
  const record = { sku: part.sku, holderKind, holderId, qty, updatedAt: new Date().toISOString() };
  await putHolding(record);
  return record;
}
