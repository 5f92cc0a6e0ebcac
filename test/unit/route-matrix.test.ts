import {
  CalculateRouteMatrixCommand,
  type CalculateRouteMatrixCommandInput,
  type CalculateRouteMatrixCommandOutput,
  GeoRoutesClient,
  type RouteMatrixEntry,
} from '@aws-sdk/client-geo-routes';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/observability.ts';
import { travelFor } from '#shared/scheduling/route-matrix.ts';
import { estimatedTravel, greatCircleKm } from '#shared/scheduling/travel.ts';
import type { LatLng } from '#shared/work-order/model.ts';

const routes = mockClient(GeoRoutesClient);
const client = new GeoRoutesClient({ region: 'eu-west-2' });

// Around Manchester: well inside one routing circle.
const depot = { lat: 53.4808, lng: -2.2426 };
const salford = { lat: 53.4875, lng: -2.2901 };
const stockport = { lat: 53.4106, lng: -2.1575 };
const bolton = { lat: 53.5769, lng: -2.4282 };

/** Places from Penzance to Inverness: too far apart for one routing circle, so the matrix is unbounded. */
const acrossBritain: LatLng[] = Array.from({ length: 20 }, (_, index) => ({
  lat: Math.round((50.1 + index * 0.39) * 100) / 100,
  lng: Math.round((-5.5 + (index % 5) * 0.8) * 100) / 100,
}));

/** The service as the tests imagine it: roads 1.5 times the straight line, driven at 45 km/h. */
const fakeRoadKm = (from: LatLng, to: LatLng) => greatCircleKm(from, to) * 1.5;
const fakeRoadMinutes = (from: LatLng, to: LatLng) => (fakeRoadKm(from, to) / 45) * 60;
const atPosition = ([lng = 0, lat = 0]: number[]): LatLng => ({ lat, lng });

function fakeEntry(origin: number[], destination: number[]): RouteMatrixEntry {
  const [from, to] = [atPosition(origin), atPosition(destination)];
  return { Distance: Math.round(fakeRoadKm(from, to) * 1000), Duration: Math.round(fakeRoadMinutes(from, to) * 60) };
}

function fakeMatrix(input: CalculateRouteMatrixCommandInput): CalculateRouteMatrixCommandOutput {
  return {
    $metadata: {},
    ErrorCount: 0,
    PricingBucket: 'Core',
    RoutingBoundary: input.RoutingBoundary,
    RouteMatrix: (input.Origins ?? []).map((origin) =>
      (input.Destinations ?? []).map((destination) => fakeEntry(origin.Position ?? [], destination.Position ?? [])),
    ),
  };
}

const requests = () => routes.commandCalls(CalculateRouteMatrixCommand).map((call) => call.args[0].input);
const positionsOf = (places: { Position?: number[] }[] | undefined) => (places ?? []).map((place) => place.Position);
/** Every origin-to-destination pair the calls asked for, as `lng,lat>lng,lat`, a place to itself left out. */
function askedPairs(): string[] {
  return requests().flatMap((input) =>
    positionsOf(input.Origins).flatMap((origin) =>
      positionsOf(input.Destinations)
        .filter((destination) => String(destination) !== String(origin))
        .map((destination) => `${origin}>${destination}`),
    ),
  );
}
const pairOf = (from: LatLng, to: LatLng) => `${from.lng},${from.lat}>${to.lng},${to.lat}`;
/** Every ordered pair of distinct points. */
const everyPair = (points: LatLng[]) =>
  points.flatMap((from) => points.filter((to) => to !== from).map((to) => pairOf(from, to)));

/** A throttle as the SDK throws it once its retries are spent. */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

beforeEach(() => {
  process.env.FIELDOPS_TRAVEL = 'amazon-location';
  routes.on(CalculateRouteMatrixCommand).callsFake(fakeMatrix);
});

afterEach(() => {
  delete process.env.FIELDOPS_TRAVEL;
  routes.reset();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

// The cache lives for the module, as for a Lambda container: each test plans a day of its own.

describe('the estimate source', () => {
  it.each([
    ['unset', undefined],
    ['estimate', 'estimate'],
  ])('is the straight-line estimate, asking nothing, when FIELDOPS_TRAVEL is %s', async (_, source) => {
    if (source === undefined) delete process.env.FIELDOPS_TRAVEL;
    else process.env.FIELDOPS_TRAVEL = source;

    const travel = await travelFor([depot, salford, stockport], { day: '2025-01-01', client });

    expect(travel).toBe(estimatedTravel);
    expect(routes.calls()).toHaveLength(0);
  });

  it('refuses a source it does not know rather than guessing', async () => {
    process.env.FIELDOPS_TRAVEL = 'google';

    await expect(travelFor([depot, salford], { day: '2025-01-02', client })).rejects.toThrow(/FIELDOPS_TRAVEL/);
  });
});

describe('the Amazon Location route matrix', () => {
  it('asks once, by car within a circle around the places, and answers minutes and km from the matrix', async () => {
    const travel = await travelFor([depot, salford, stockport], { day: '2025-02-01', client });

    expect(requests()).toHaveLength(1);
    const [input] = requests();
    expect(input).toMatchObject({ TravelMode: 'Car', RoutingBoundary: { Geometry: { Circle: {} } } });
    expect(input?.DepartNow).toBeUndefined();
    expect(input?.DepartureTime).toBeUndefined();
    expect(askedPairs().sort()).toEqual(everyPair([depot, salford, stockport]).sort());
    expect(travel.minutes(depot, stockport)).toBeCloseTo(fakeRoadMinutes(depot, stockport), 1);
    expect(travel.km(stockport, salford)).toBeCloseTo(fakeRoadKm(stockport, salford), 2);
  });

  it('draws a circle the service takes, holding every place', async () => {
    await travelFor([depot, salford, stockport, bolton], { day: '2025-02-02', client });

    const circle = requests()[0]?.RoutingBoundary?.Geometry?.Circle;
    const [lng = 0, lat = 0] = circle?.Center ?? [];
    expect(circle?.Radius).toBeLessThanOrEqual(200_000);
    for (const place of [depot, salford, stockport, bolton])
      expect(greatCircleKm({ lat, lng }, place) * 1000).toBeLessThan(circle?.Radius ?? 0);
  });

  it('converts seconds to minutes and metres to kilometres, and never answers a negative time', async () => {
    routes.on(CalculateRouteMatrixCommand).resolves({
      RouteMatrix: [
        [
          { Duration: 0, Distance: 0 },
          { Duration: 1_830, Distance: 25_400 },
        ],
        [
          { Duration: -60, Distance: -100 },
          { Duration: 0, Distance: 0 },
        ],
      ],
    });

    const travel = await travelFor([depot, salford], { day: '2025-02-03', client });

    expect(travel.minutes(depot, salford)).toBe(30.5);
    expect(travel.km(depot, salford)).toBe(25.4);
    expect(travel.minutes(salford, depot)).toBe(0);
    expect(travel.km(salford, depot)).toBe(0);
  });

  it('answers 0 for a place to itself, the same place within 4 decimals, without asking for it', async () => {
    const nearDepot = { lat: depot.lat + 0.00001, lng: depot.lng - 0.00001 };

    const travel = await travelFor([depot, nearDepot, salford], { day: '2025-02-04', client });

    expect(travel.minutes(depot, depot)).toBe(0);
    expect(travel.km(nearDepot, depot)).toBe(0);
    expect(positionsOf(requests()[0]?.Origins)).toHaveLength(2);
  });

  it('estimates a drive from or to a place it was not given', async () => {
    const travel = await travelFor([depot, salford], { day: '2025-02-05', client });

    expect(travel.minutes(depot, bolton)).toBe(estimatedTravel.minutes(depot, bolton));
  });
});

describe('the day cache', () => {
  it('asks nothing the second time for the same places on the same day', async () => {
    const first = await travelFor([depot, salford, stockport], { day: '2025-03-01', client });
    routes.resetHistory();

    const second = await travelFor([stockport, depot, salford], { day: '2025-03-01', client });

    expect(routes.calls()).toHaveLength(0);
    expect(second.minutes(salford, stockport)).toBe(first.minutes(salford, stockport));
  });

  it('asks only for the pairs of a new place', async () => {
    await travelFor([depot, salford, stockport], { day: '2025-03-02', client });
    routes.resetHistory();

    const travel = await travelFor([depot, salford, stockport, bolton], { day: '2025-03-02', client });

    const newPairs = everyPair([depot, salford, stockport, bolton]).filter((pair) =>
      pair.includes(`${bolton.lng},${bolton.lat}`),
    );
    expect(askedPairs().sort()).toEqual(newPairs.sort());
    expect(travel.minutes(bolton, depot)).toBeCloseTo(fakeRoadMinutes(bolton, depot), 1);
  });

  it('asks again on another day', async () => {
    await travelFor([depot, salford], { day: '2025-03-03', client });
    routes.resetHistory();

    await travelFor([depot, salford], { day: '2025-03-04', client });

    expect(askedPairs().sort()).toEqual(everyPair([depot, salford]).sort());
  });

  it("plans today (UTC) by default, and drops yesterday's drives when the next day starts", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-05T23:30:00Z'));
    await travelFor([depot, stockport], { client });
    await travelFor([depot, stockport], { day: '2025-03-05', client });
    expect(requests()).toHaveLength(1);

    vi.setSystemTime(new Date('2025-03-06T00:30:00Z'));
    await travelFor([depot, stockport], { client });
    await travelFor([depot, stockport], { day: '2025-03-05', client });

    expect(requests()).toHaveLength(3);
  });
});

describe('faults', () => {
  it('estimates every pair when the call fails, warns, and asks again next time', async () => {
    routes.on(CalculateRouteMatrixCommand).rejects(throttled());
    const warn = vi.spyOn(logger, 'warn');

    const travel = await travelFor([depot, salford, stockport], { day: '2025-04-01', client });

    expect(travel.minutes(depot, salford)).toBe(estimatedTravel.minutes(depot, salford));
    expect(travel.km(stockport, depot)).toBe(estimatedTravel.km(stockport, depot));
    expect(warn).toHaveBeenCalledWith(expect.any(String), {
      pairs: 6,
      reasons: { ThrottlingException: 6 },
      day: '2025-04-01',
    });
    routes.on(CalculateRouteMatrixCommand).callsFake(fakeMatrix);
    routes.resetHistory();
    await travelFor([depot, salford, stockport], { day: '2025-04-01', client });
    expect(requests()).toHaveLength(1);
  });

  it('estimates a pair the matrix could not route, and takes the rest from the matrix', async () => {
    routes.on(CalculateRouteMatrixCommand).callsFake((input: CalculateRouteMatrixCommandInput) => {
      const answer = fakeMatrix(input);
      const salfordToStockport = answer.RouteMatrix?.[1]?.[2];
      if (salfordToStockport) Object.assign(salfordToStockport, { Error: 'NoRoute' });
      return { ...answer, ErrorCount: 1 };
    });
    const warn = vi.spyOn(logger, 'warn');

    const travel = await travelFor([depot, salford, stockport], { day: '2025-04-02', client });

    expect(travel.minutes(salford, stockport)).toBe(estimatedTravel.minutes(salford, stockport));
    expect(travel.minutes(stockport, salford)).toBeCloseTo(fakeRoadMinutes(stockport, salford), 1);
    expect(travel.km(depot, salford)).toBeCloseTo(fakeRoadKm(depot, salford), 2);
    expect(warn).toHaveBeenCalledWith(expect.any(String), { pairs: 1, reasons: { NoRoute: 1 }, day: '2025-04-02' });
  });

  it('estimates the pairs of a failed call and takes the other calls from the matrix', async () => {
    routes.on(CalculateRouteMatrixCommand).rejectsOnce(throttled()).callsFake(fakeMatrix);
    const points = acrossBritain.slice(0, 12);

    const travel = await travelFor(points, { day: '2025-04-03', client });

    const [failed] = requests();
    const failedPairs = new Set<string>();
    for (const origin of positionsOf(failed?.Origins))
      for (const destination of positionsOf(failed?.Destinations)) failedPairs.add(`${origin}>${destination}`);
    const answers = points.flatMap((from) =>
      points
        .filter((to) => to !== from)
        .map((to) => ({ failed: failedPairs.has(pairOf(from, to)), minutes: travel.minutes(from, to), from, to })),
    );
    expect(answers.some((answer) => answer.failed)).toBe(true);
    expect(answers.some((answer) => !answer.failed)).toBe(true);
    for (const { failed: wasFailed, minutes, from, to } of answers)
      expect(minutes).toBeCloseTo(wasFailed ? estimatedTravel.minutes(from, to) : fakeRoadMinutes(from, to), 1);
  });
});

describe('calls within the limits', () => {
  it('asks unbounded for places far apart, within 15 origins, 100 destinations and 100 routes a call', async () => {
    await travelFor(acrossBritain, { day: '2025-05-01', client });

    for (const input of requests()) {
      const [origins, destinations] = [input.Origins?.length ?? 0, input.Destinations?.length ?? 0];
      expect(input.RoutingBoundary).toEqual({ Unbounded: true });
      expect(origins).toBeLessThanOrEqual(15);
      expect(destinations).toBeLessThanOrEqual(100);
      expect(origins * destinations).toBeLessThanOrEqual(100);
    }
    // 20 × 20 routes at 100 a call: 4 calls, the fewest there can be.
    expect(requests()).toHaveLength(4);
    expect(new Set(askedPairs())).toEqual(new Set(everyPair(acrossBritain)));
  });

  it('asks within a circle for more than 500 nearby places, within 500 origins, 500 destinations and 160,000 routes', async () => {
    const nearby = Array.from({ length: 600 }, (_, index) => ({
      lat: 53.3 + Math.floor(index / 25) * 0.01,
      lng: -2.5 + (index % 25) * 0.02,
    }));

    const travel = await travelFor(nearby, { day: '2025-05-02', client });

    for (const input of requests()) {
      const [origins, destinations] = [input.Origins?.length ?? 0, input.Destinations?.length ?? 0];
      expect(input.RoutingBoundary?.Geometry?.Circle).toBeDefined();
      expect(origins).toBeLessThanOrEqual(500);
      expect(destinations).toBeLessThanOrEqual(500);
      expect(origins * destinations).toBeLessThanOrEqual(160_000);
    }
    expect(requests()).toHaveLength(4);
    const [first, last] = [nearby[0] as LatLng, nearby[599] as LatLng];
    expect(travel.minutes(first, last)).toBeCloseTo(fakeRoadMinutes(first, last), 1);
  });
});

describe("the cache's bound", () => {
  it('keeps at most 100,000 drives, so a step of more asks again for those it let go', async () => {
    const many = Array.from({ length: 400 }, (_, index) => ({
      lat: 53.3 + Math.floor(index / 20) * 0.01,
      lng: -2.5 + (index % 20) * 0.02,
    }));
    await travelFor(many, { day: '2025-06-01', client });
    routes.resetHistory();

    const again = await travelFor(many, { day: '2025-06-01', client });

    // 400 × 399 = 159,600 drives: the 59,600 first kept have gone, the last 100,000 are still there.
    const asked = new Set(askedPairs());
    expect(asked.size).toBeGreaterThanOrEqual(59_600);
    expect(asked.size).toBeLessThan(159_600);
    const [first, last] = [many[0] as LatLng, many[399] as LatLng];
    expect(again.minutes(last, first)).toBeCloseTo(fakeRoadMinutes(last, first), 1);
  });
});
