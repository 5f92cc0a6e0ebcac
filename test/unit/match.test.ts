import { describe, expect, it } from 'vitest';
import { checkEngineer, type JobRequirements, lapsedCertifications } from '#shared/scheduling/match.ts';
import type { TravelTimes } from '#shared/scheduling/travel.ts';
import { engineer, manchester } from '../fixtures/engineers.ts';

const bolton = { lat: 53.5769, lng: -2.4282 };

/** Monday 6 January 2025, 09:00 UTC. */
const mondayMorning = new Date('2025-01-06T09:00:00.000Z');

const boilerJob: JobRequirements = {
  requiredSkills: ['boiler'],
  requiredCertifications: ['gas_safe'],
  location: manchester,
  estimatedMinutes: 120,
};

const gasSafe = (expiresAt: string) => [{ code: 'gas_safe', number: '123456', expiresAt }];

/** Every drive takes half an hour, so starts are easy to read. */
const halfHourAway: TravelTimes = { minutes: () => 30, km: () => 20 };

describe('checkEngineer', () => {
  it('accepts a qualified engineer on shift and starts the job once they have driven there', () => {
    // Act
    const result = checkEngineer({ job: boilerJob, engineer: engineer(), at: mondayMorning, travel: halfHourAway });

    // Assert
    expect(result).toEqual({ ok: true, start: '2025-01-06T09:30:00.000Z', travelMinutes: 30 });
  });

  it('never matches an engineer whose Gas Safe registration has expired', () => {
    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ certifications: gasSafe('2025-01-05') }),
      at: mondayMorning,
    });

    // Assert
    expect(result).toEqual({ ok: false, reasons: ['expired_certification'] });
  });

  it('still accepts a certificate on the last day it is valid', () => {
    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ certifications: gasSafe('2025-01-06') }),
      at: mondayMorning,
    });

    // Assert
    expect(result.ok).toBe(true);
  });

  it('rejects a certificate that lapses before the first shift the job fits in', () => {
    // Arrange: Friday 16:30, too late for a two-hour job, so the job waits for Monday
    const fridayLate = new Date('2025-01-10T16:30:00.000Z');

    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ certifications: gasSafe('2025-01-10') }),
      at: fridayLate,
    });

    // Assert
    expect(result).toEqual({ ok: false, reasons: ['expired_certification'] });
  });

  it('counts the latest of several certificates with the same code', () => {
    // Arrange
    const certifications = [...gasSafe('2024-12-31'), ...gasSafe('2025-12-31')];

    // Act
    const result = checkEngineer({ job: boilerJob, engineer: engineer({ certifications }), at: mondayMorning });

    // Assert
    expect(result.ok).toBe(true);
  });

  it('reports a required certification the engineer does not hold', () => {
    // Act
    const result = checkEngineer({ job: boilerJob, engineer: engineer({ certifications: [] }), at: mondayMorning });

    // Assert
    expect(result).toEqual({ ok: false, reasons: ['missing_certification'] });
  });

  it('lists every reason an engineer cannot take the job', () => {
    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ active: false, skills: ['electrical'], certifications: [] }),
      at: mondayMorning,
    });

    // Assert
    expect(result).toEqual({ ok: false, reasons: ['inactive', 'missing_skill', 'missing_certification'] });
  });

  it('waits for the next shift day when the job no longer fits today', () => {
    // Arrange: Friday 18:00, after the shift
    const fridayEvening = new Date('2025-01-10T18:00:00.000Z');

    // Act
    const result = checkEngineer({ job: boilerJob, engineer: engineer(), at: fridayEvening, travel: halfHourAway });

    // Assert
    expect(result).toEqual({ ok: true, start: '2025-01-13T08:00:00.000Z', travelMinutes: 30 });
  });

  it('starts a job during a night shift that began the evening before', () => {
    // Arrange: Tuesday 02:00, on the Monday 22:00-06:00 shift
    const nightShift = { days: [1], start: '22:00', end: '06:00' };

    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ shift: nightShift }),
      at: new Date('2025-01-07T02:00:00.000Z'),
      travel: halfHourAway,
    });

    // Assert
    expect(result).toEqual({ ok: true, start: '2025-01-07T02:30:00.000Z', travelMinutes: 30 });
  });

  it('rounds travel up to whole minutes', () => {
    // Act
    const result = checkEngineer({
      job: boilerJob,
      engineer: engineer({ homeBase: bolton }),
      at: mondayMorning,
      travel: { minutes: () => 12.2, km: () => 8 },
    });

    // Assert
    expect(result).toEqual({ ok: true, start: '2025-01-06T09:13:00.000Z', travelMinutes: 13 });
  });
});

describe('certifications checked again at completion', () => {
  const certifications = [
    { code: 'gas_safe', number: '601234', expiresAt: '2026-11-25' },
    { code: 'niceic', number: 'NIC-1', expiresAt: '2026-11-24T23:59:59Z' },
  ];

  it('counts a certificate as valid through its expiry day and lapsed the day after', () => {
    expect(
      lapsedCertifications({ required: ['gas_safe'], certifications, on: new Date('2026-11-25T18:00:00Z') }),
    ).toEqual([]);
    expect(
      lapsedCertifications({ required: ['gas_safe'], certifications, on: new Date('2026-11-26T08:00:00Z') }),
    ).toEqual(['gas_safe']);
  });

  it('names each required certification that is missing or lapsed, and only those', () => {
    const lapsed = lapsedCertifications({
      required: ['gas_safe', 'niceic', 'bafe_sp203'],
      certifications,
      on: new Date('2026-11-25T09:00:00Z'),
    });

    expect(lapsed).toEqual(['niceic', 'bafe_sp203']);
  });
});
