import { describe, expect, it } from 'vitest';
import { certificatesFor, expiryWarningDays, standingOf } from '#shared/work-order/certificates.ts';

/** Monday 6 January 2025, 09:00 UTC. */
const mondayMorning = new Date('2025-01-06T09:00:00.000Z');

describe('standingOf', () => {
  it('counts the expiry day as the last valid day: expiring, with 0 days left', () => {
    expect(standingOf('2025-01-06', mondayMorning)).toEqual({ status: 'expiring', daysLeft: 0 });
    expect(standingOf('2025-01-05', mondayMorning)).toEqual({ status: 'expired', daysLeft: -1 });
  });

  it(`warns ${expiryWarningDays} days ahead, and no earlier`, () => {
    expect(standingOf('2025-02-05', mondayMorning)).toEqual({ status: 'expiring', daysLeft: 30 });
    expect(standingOf('2025-02-06', mondayMorning)).toEqual({ status: 'valid', daysLeft: 31 });
  });

  it('reads a timestamp by its UTC day, and an unreadable expiry as expired, as the matcher does', () => {
    expect(standingOf('2025-01-06T23:59:00Z', mondayMorning)).toEqual({ status: 'expiring', daysLeft: 0 });
    expect(standingOf('soon', mondayMorning)).toEqual({ status: 'expired', daysLeft: -1 });
  });
});

describe('certificatesFor', () => {
  it("judges each required code by the engineer's latest certificate of it, missing ones first, then soonest expiry", () => {
    const held = [
      { code: 'gas_safe', number: 'old', expiresAt: '2025-01-01' },
      { code: 'gas_safe', number: 'renewed', expiresAt: '2026-01-01' },
      { code: 'f_gas', number: 'F-1', expiresAt: '2025-01-20' },
    ];

    const { required, mine } = certificatesFor({ required: ['gas_safe', 'niceic', 'f_gas'], held, on: mondayMorning });

    expect(required).toEqual([
      { code: 'niceic', status: 'missing', expiresAt: null },
      { code: 'f_gas', status: 'expiring', expiresAt: '2025-01-20' },
      { code: 'gas_safe', status: 'valid', expiresAt: '2026-01-01' },
    ]);
    expect(mine.map((certificate) => [certificate.number, certificate.status])).toEqual([
      ['old', 'expired'],
      ['F-1', 'expiring'],
      ['renewed', 'valid'],
    ]);
  });
});
