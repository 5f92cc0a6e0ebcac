import {
  CalculateRouteMatrixCommand,
  GeoRoutesClient,
  type RouteMatrixBoundary,
  type RouteMatrixEntry,
} from '@aws-sdk/client-geo-routes';
import { config } from '../config.ts';
import { codeOf, logger } from '../observability.ts';
import type { LatLng } from '../work-order/model.ts';
import { estimatedTravel, greatCircleKm, type TravelTimes } from './travel.ts';

/**
 * Travel times from the source the deployment is configured with (`FIELDOPS_TRAVEL`, shared/config.ts). `estimate`,
 * the default and what runs locally, is {@link estimatedTravel}, with no I/O. `amazon-location` asks Amazon Location's
 * route matrix (CalculateRouteMatrix, by car) for the drives between `points` not yet known on `day`, and keeps the
 * answers for the life of the Lambda container: a day's drives barely change, and the matcher runs once per job, so
 * the second planning step of a container over the same places asks nothing.
 *
 * The answer is synchronous, as the planners need it. A drive between two of `points` is the route's duration and
 * distance; a drive the service could not route (an error entry, a throttle, a network error after the SDK's
 * retries, the time allowed running out) and any drive from or to a place not among `points` is the estimate, so
 * planning never fails for want of a route. A place to itself is 0. Places are the same within 4 decimal places of
 * a degree (about 11 m).
 *
 * @param options.day the planned day, `YYYY-MM-DD`: drives are kept per day. @default today (UTC)
 * @param options.client the Amazon Location routes client. @default one client for the container
 */
export async function travelFor(
  points: LatLng[],
  options: { day?: string; client?: GeoRoutesClient } = {},
): Promise<TravelTimes> {
  if (config.travelSource === 'estimate') return estimatedTravel;
  const today = utcDay(new Date());
  forgetDaysBefore(today);
  const day = options.day ?? today;
  const places = placesOf(points);
  const known = legsAmong(places, day);
  await fetchMissing({ places, day, known, routes: options.client ?? defaultClient() });
  return answering(known);
}

/** One drive as the route matrix answered it. */
interface Leg {
  minutes: number;
  km: number;
}

/** A place as the service is asked about it and the cache knows it: rounded, `[longitude, latitude]`. */
interface Place {
  key: string;
  position: [number, number];
}

/** One CalculateRouteMatrix call: every origin to every destination. */
interface MatrixRequest {
  origins: Place[];
  destinations: Place[];
}

/** The most one call may ask for: origins, destinations and routes (origins × destinations). */
interface MatrixLimits {
  origins: number;
  destinations: number;
  routes: number;
}

/**
 * The limits of one call (the API reference, CalculateRouteMatrixRequest `Origins` and `Destinations`): within a
 * routing boundary geometry 500 origins, 500 destinations and 160,000 routes; unbounded 15, 100 and 100.
 */
const boundedLimits: MatrixLimits = { origins: 500, destinations: 500, routes: 160_000 };
const unboundedLimits: MatrixLimits = { origins: 15, destinations: 100, routes: 100 };

/** The largest routing circle the service takes (`Circle.Radius`, at most 200,000 m). */
const maxBoundaryRadiusKm = 200;
/** Room around the places for the roads between them, which may leave their circle (a bypass, an estuary bridge). */
const boundaryMarginKm = 25;

/** The account's default CalculateRouteMatrix quota is 5 requests a second: no more are sent at once. */
const callsAtOnce = 5;
/** What the route matrix may take of a planning step, retries included; API handlers answer within 10 s. */
const fetchBudgetMs = 4_000;

/**
 * Drives known in this container, by `<day>|<from>|<to>`, in the order they came. Bounded (about 15 MB) so that a
 * long-lived container planning many places cannot grow without end: beyond it, the first to come go first.
 */
const legs = new Map<string, Leg>();
const legsKept = 100_000;
/** The UTC day the cache last dropped earlier days for. */
let keptSince: string | undefined;

let client: GeoRoutesClient | undefined;
const defaultClient = () => {
  client ??= new GeoRoutesClient({});
  return client;
};

const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** When a new day starts, yesterday's drives go. */
function forgetDaysBefore(today: string): void {
  if (keptSince === today) return;
  for (const key of legs.keys()) if (key.slice(0, 10) < today) legs.delete(key);
  keptSince = today;
}

/** Drops the oldest drives beyond the bound, in one pass. */
function evictOldest(): void {
  let over = legs.size - legsKept;
  for (const oldest of legs.keys()) {
    if (over-- <= 0) return;
    legs.delete(oldest);
  }
}

const roundedDegrees = (degrees: number): number => Math.round(degrees * 10_000) / 10_000;
const placeKey = (point: LatLng): string => `${roundedDegrees(point.lat)},${roundedDegrees(point.lng)}`;
const pairKey = (from: string, to: string): string => `${from}|${to}`;
const legKey = (day: string, from: string, to: string): string => `${day}|${pairKey(from, to)}`;

/** The distinct places among the points. */
function placesOf(points: LatLng[]): Place[] {
  const places = new Map<string, Place>();
  for (const point of points) {
    const key = placeKey(point);
    if (!places.has(key)) places.set(key, { key, position: [roundedDegrees(point.lng), roundedDegrees(point.lat)] });
  }
  return [...places.values()];
}

/**
 * The drives among the places that the cache knows, by `<from>|<to>`: the answer holds its own, so evicting the
 * cache's oldest (however many one large step fetches) never changes it.
 */
function legsAmong(places: Place[], day: string): Map<string, Leg> {
  const known = new Map<string, Leg>();
  for (const from of places)
    for (const to of places) {
      const leg = legs.get(legKey(day, from.key, to.key));
      if (leg) known.set(pairKey(from.key, to.key), leg);
    }
  return known;
}

function answering(known: Map<string, Leg>): TravelTimes {
  const driveOf = (from: LatLng, to: LatLng): Leg | undefined => {
    const [a, b] = [placeKey(from), placeKey(to)];
    return a === b ? { minutes: 0, km: 0 } : known.get(pairKey(a, b));
  };
  return {
    minutes: (from, to) => driveOf(from, to)?.minutes ?? estimatedTravel.minutes(from, to),
    km: (from, to) => driveOf(from, to)?.km ?? estimatedTravel.km(from, to),
  };
}

/** What one planning step asks: its places, its day, the drives among them known so far, and whom to ask. */
interface Asking {
  places: Place[];
  day: string;
  known: Map<string, Leg>;
  routes: GeoRoutesClient;
}

/** Asks for the drives among the places not known on the day, and keeps what comes back. */
async function fetchMissing(asking: Asking): Promise<void> {
  const { places, day, routes } = asking;
  const missing = missingPairs(places, asking.known);
  if (missing.size === 0) return;
  const boundary = boundaryOf(places);
  const limits = boundary.Unbounded ? unboundedLimits : boundedLimits;
  const requests = requestsFor(places, missing).flatMap((request) => withinLimits(request, limits));
  const signal = AbortSignal.timeout(fetchBudgetMs);
  const unanswered: Record<string, number> = {};
  for (const batch of groupsOf(requests, callsAtOnce))
    await Promise.all(
      batch.map(async (request) => keep(asking, request, await ask(routes, request, boundary, signal), unanswered)),
    );
  evictOldest();
  const pairs = Object.values(unanswered).reduce((sum, count) => sum + count, 0);
  if (pairs > 0)
    logger.warn('travel estimated where the route matrix gave no route', { pairs, reasons: unanswered, day });
}

/** Each place with the places it lacks a drive to or from (either way round), by key. */
function missingPairs(places: Place[], known: Map<string, Leg>): Map<string, Set<string>> {
  const missing = new Map<string, Set<string>>();
  const add = (a: string, b: string) => missing.set(a, (missing.get(a) ?? new Set()).add(b));
  for (const from of places)
    for (const to of places)
      if (from.key !== to.key && !known.has(pairKey(from.key, to.key))) {
        add(from.key, to.key);
        add(to.key, from.key);
      }
  return missing;
}

/**
 * Requests that ask every missing drive and few known ones. The places lacking most are picked until every missing
 * pair has one of them (a greedy cover); the requests are then those places to every place, and every other place
 * to them. A new place among known ones is two thin requests; places none known, one square.
 */
function requestsFor(places: Place[], missing: Map<string, Set<string>>): MatrixRequest[] {
  const picked = coverOf(missing);
  const others = places.filter((place) => !picked.has(place.key));
  // Leaving one place out of the square saves a single route: not worth a second request.
  if (others.length <= 1) return [{ origins: places, destinations: places }];
  const chosen = places.filter((place) => picked.has(place.key));
  return [
    { origins: chosen, destinations: places },
    { origins: others, destinations: chosen },
  ];
}

function coverOf(missing: Map<string, Set<string>>): Set<string> {
  const left = new Map([...missing].map(([key, others]) => [key, new Set(others)]));
  const picked = new Set<string>();
  for (;;) {
    let most: string | undefined;
    let mostLacking = 0;
    for (const [key, others] of left) if (others.size > mostLacking) [most, mostLacking] = [key, others.size];
    if (most === undefined) return picked;
    picked.add(most);
    for (const other of left.get(most) ?? []) left.get(other)?.delete(most);
    left.delete(most);
  }
}

/**
 * A circle around the places when it is one the service takes, for its larger limits; else unbounded. The circle is
 * centred on the places' bounding box, so for a business's own area it comes out at tens of kilometres.
 */
function boundaryOf(places: Place[]): RouteMatrixBoundary {
  const lngs = places.map((place) => place.position[0]);
  const lats = places.map((place) => place.position[1]);
  const centre = {
    lat: (Math.min(...lats) + Math.max(...lats)) / 2,
    lng: (Math.min(...lngs) + Math.max(...lngs)) / 2,
  };
  const farthestKm = Math.max(...places.map(({ position: [lng, lat] }) => greatCircleKm(centre, { lat, lng })));
  const radiusKm = farthestKm + boundaryMarginKm;
  if (radiusKm > maxBoundaryRadiusKm) return { Unbounded: true };
  return { Geometry: { Circle: { Center: [centre.lng, centre.lat], Radius: Math.ceil(radiusKm * 1000) } } };
}

/** The request cut into calls within the limits, shaped for the fewest calls. */
function withinLimits(request: MatrixRequest, limits: MatrixLimits): MatrixRequest[] {
  const { rows, columns } = callShape(request.origins.length, request.destinations.length, limits);
  return groupsOf(request.origins, rows).flatMap((origins) =>
    groupsOf(request.destinations, columns).map((destinations) => ({ origins, destinations })),
  );
}

function callShape(origins: number, destinations: number, limits: MatrixLimits): { rows: number; columns: number } {
  let best = { rows: 1, columns: 1, calls: Number.POSITIVE_INFINITY };
  for (let rows = 1; rows <= Math.min(origins, limits.origins); rows++) {
    const columns = Math.min(destinations, limits.destinations, Math.floor(limits.routes / rows));
    const calls = Math.ceil(origins / rows) * Math.ceil(destinations / columns);
    if (calls < best.calls) best = { rows, columns, calls };
  }
  return best;
}

function groupsOf<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}

/** The matrix of one call, or why there is none. */
type Answer = { matrix: RouteMatrixEntry[][] } | { failed: string };

async function ask(
  routes: GeoRoutesClient,
  request: MatrixRequest,
  boundary: RouteMatrixBoundary,
  abortSignal: AbortSignal,
): Promise<Answer> {
  try {
    const answer = await routes.send(
      new CalculateRouteMatrixCommand({
        Origins: request.origins.map(({ position }) => ({ Position: position })),
        Destinations: request.destinations.map(({ position }) => ({ Position: position })),
        RoutingBoundary: boundary,
        TravelMode: 'Car',
        // No departure time: free-flow speeds from historical traffic, the same answer whatever the hour it is
        // asked, which is what lets one answer serve the whole day.
      }),
      { abortSignal },
    );
    return { matrix: answer.RouteMatrix ?? [] };
  } catch (error) {
    return { failed: codeOf(error) };
  }
}

/**
 * Keeps the drives a call answered, for the step and the container, counting by reason those it did not that were
 * not known already (a square asks a few known ones again).
 */
function keep(asking: Asking, request: MatrixRequest, answer: Answer, unanswered: Record<string, number>): void {
  request.origins.forEach((from, row) => {
    request.destinations.forEach((to, column) => {
      if (from.key === to.key) return;
      const pair = pairKey(from.key, to.key);
      const entry = 'matrix' in answer ? answer.matrix[row]?.[column] : undefined;
      const leg = entry && legFrom(entry);
      if (leg) {
        asking.known.set(pair, leg);
        legs.set(legKey(asking.day, from.key, to.key), leg);
      } else if (!asking.known.has(pair)) {
        const reason = 'failed' in answer ? answer.failed : (entry?.Error ?? 'Missing');
        unanswered[reason] = (unanswered[reason] ?? 0) + 1;
      }
    });
  });
}

/** An entry's drive: Duration is seconds, Distance metres. None for an error entry or one without both. */
function legFrom(entry: RouteMatrixEntry): Leg | undefined {
  if (entry.Error !== undefined || entry.Duration === undefined || entry.Distance === undefined) return undefined;
  return { minutes: Math.max(0, entry.Duration) / 60, km: Math.max(0, entry.Distance) / 1000 };
}
