import { describe, expect, it } from 'vitest';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { newJobOf } from '#shared/scheduling/candidates.ts';
import { windowAtRisk } from '#shared/work-order/sla-watch.ts';

const window = { from: '2026-12-10T12:00:00.000Z', to: '2026-12-10T17:00:00.000Z' };
const job = (overrides: Partial<WorkOrderRecord> = {}) =>
  ({
    workOrderId: 'wo-1',
    status: 'dispatched',
    priority: 'P3',
    slaDueAt: '2026-12-05T12:00:00.000Z',
    loggedAt: '2026-12-02T12:00:00.000Z',
    location: { lat: 53.48, lng: -2.24 },
    preferredWindow: window,
    windowBooked: true,
    scheduledStart: '2026-12-10T13:00:00.000Z',
    ...overrides,
  }) as WorkOrderRecord;
const at = (iso: string) => Date.parse(iso);

describe('a booked window', () => {
  it('binds before the SLA: the business offered it', () => {
    const now = at('2026-12-03T09:00:00.000Z');
    expect(newJobOf(job(), now)?.window).toEqual({ from: at(window.from), to: at(window.to) });
    // Only preferred, the window is cut short by the SLA while it can be met.
    expect(newJobOf(job({ windowBooked: undefined }), now)?.window.to).toBe(at('2026-12-05T12:00:00.000Z'));
  });

  it('is flagged before it is missed: planned after it closes, or closing within the half hour with no one on the way', () => {
    const early = at('2026-12-10T09:00:00.000Z');
    expect(windowAtRisk(job(), early)).toBe(false);
    expect(windowAtRisk(job({ scheduledStart: '2026-12-10T17:30:00.000Z' }), early)).toBe(true);
    expect(windowAtRisk(job(), at('2026-12-10T16:35:00.000Z'))).toBe(true);
    expect(windowAtRisk(job({ status: 'en_route' }), at('2026-12-10T16:35:00.000Z'))).toBe(false);
    expect(windowAtRisk(job({ status: 'on_site' }), at('2026-12-10T18:00:00.000Z'))).toBe(false);
    // Once a booking; and not for a window only preferred.
    expect(windowAtRisk(job({ windowAtRiskAt: '2026-12-10T16:35:00.000Z' }), at('2026-12-10T16:40:00.000Z'))).toBe(
      false,
    );
    expect(windowAtRisk(job({ windowBooked: undefined }), at('2026-12-10T16:35:00.000Z'))).toBe(false);
  });
});
