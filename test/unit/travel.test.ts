import { describe, expect, it } from 'vitest';
import {
  averageSpeedKmh,
  earthRadiusKm,
  estimatedTravel,
  greatCircleKm,
  roadFactor,
} from '#shared/scheduling/travel.ts';

const manchester = { lat: 53.4808, lng: -2.2426 };
const leeds = { lat: 53.8008, lng: -1.5491 };

describe('estimated travel', () => {
  it('uses the mean Earth radius, a 1.3 road factor and 40 km/h', () => {
    expect([earthRadiusKm, roadFactor, averageSpeedKmh]).toEqual([6371.0088, 1.3, 40]);
  });

  it('puts Manchester about 58 km from Leeds as the crow flies', () => {
    // Act
    const km = greatCircleKm(manchester, leeds);

    // Assert
    expect(km).toBeGreaterThan(57.5);
    expect(km).toBeLessThan(58.5);
  });

  it('estimates the road distance as the great-circle distance times the road factor', () => {
    // Act
    const km = estimatedTravel.km(manchester, leeds);

    // Assert
    expect(km).toBeCloseTo(greatCircleKm(manchester, leeds) * 1.3, 9);
  });

  it('estimates minutes as km × 1.3 / 40 × 60, about 113 minutes from Manchester to Leeds', () => {
    // Arrange
    const km = greatCircleKm(manchester, leeds);

    // Act
    const minutes = estimatedTravel.minutes(manchester, leeds);

    // Assert
    expect(minutes).toBeCloseTo(((km * 1.3) / 40) * 60, 9);
    expect(Math.round(minutes)).toBe(113);
  });

  it('is symmetric and zero for the same place', () => {
    expect(estimatedTravel.minutes(leeds, manchester)).toBeCloseTo(estimatedTravel.minutes(manchester, leeds), 9);
    expect(estimatedTravel.minutes(leeds, leeds)).toBe(0);
  });
});
