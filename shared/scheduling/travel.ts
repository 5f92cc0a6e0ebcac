import type { LatLng } from '../work-order/model.ts';

/**
 * How long and how far a drive is. One small interface so the walking-skeleton estimate below can later be swapped
 * for a routing engine without touching the matcher.
 */
export interface TravelTimes {
  /** Driving time in minutes. */
  minutes(from: LatLng, to: LatLng): number;
  /** Driving distance in kilometres. */
  km(from: LatLng, to: LatLng): number;
}

/** Mean Earth radius (IUGG), km: the best single radius for great-circle distances. */
export const earthRadiusKm = 6371.0088;

/**
 * Roads are not straight lines: across mixed UK urban and rural driving the road distance is typically about 1.3
 * times the great-circle distance (the usual circuity figure for Great Britain's road network).
 */
export const roadFactor = 1.3;

/**
 * Average door-to-door speed, km/h. A van crossing towns, A roads and some motorway in the UK averages roughly
 * 40 km/h once junctions, traffic and parking are counted; motorway speeds would make ETAs optimistic.
 */
export const averageSpeedKmh = 40;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance in km between two points (haversine formula, mean Earth radius). */
export function greatCircleKm(from: LatLng, to: LatLng): number {
  const dLat = toRadians(to.lat - from.lat);
  const dLng = toRadians(to.lng - from.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(from.lat)) * Math.cos(toRadians(to.lat)) * Math.sin(dLng / 2) ** 2;
  // min() guards against rounding pushing h just above 1 for antipodal points, where asin would return NaN.
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The walking-skeleton travel estimate: great-circle distance × {@link roadFactor} gives the road distance, and that
 * ÷ {@link averageSpeedKmh} gives the driving time. Good enough to rank engineers by proximity without a routing
 * engine; `km` is the estimated road distance, the same quantity a routing engine would return.
 */
export const estimatedTravel: TravelTimes = {
  km: (from, to) => greatCircleKm(from, to) * roadFactor,
  minutes: (from, to) => ((greatCircleKm(from, to) * roadFactor) / averageSpeedKmh) * 60,
};
