import { describe, expect, it } from 'vitest';
import { matchJob, type NewJob, vanStockBonus } from '#shared/scheduling/insertion.ts';
import { checkEngineer, workable } from '#shared/scheduling/match.ts';
import type { TravelTimes } from '#shared/scheduling/travel.ts';
import { engineer, manchester } from '../fixtures/engineers.ts';

const london = 'Europe/London';
const at = (iso: string) => Date.parse(iso);
/** Every drive takes half an hour, so starts are easy to read. */
const halfHourAway: TravelTimes = { minutes: () => 30, km: () => 20 };
const open = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
const job = (priority: NewJob['priority']): NewJob => ({
  workOrderId: `wo-${priority}`,
  requiredSkills: ['boiler'],
  requiredCertifications: [],
  location: manchester,
  serviceMinutes: 60,
  window: open,
  priority,
});
const noCertificates = { certifications: [] };

describe('time off', () => {
  const shift = { start: at('2026-12-07T08:00:00Z'), end: at('2026-12-07T17:00:00Z') };

  it('cuts a shift by the time off in it: the whole day, the morning, the afternoon, or the longer side of an hour out', () => {
    expect(workable(shift, [])).toEqual(shift);
    expect(workable(shift, [{ from: at('2026-12-06T00:00:00Z'), to: at('2026-12-08T00:00:00Z') }])).toBeUndefined();
    expect(workable(shift, [{ from: at('2026-12-07T00:00:00Z'), to: at('2026-12-07T12:00:00Z') }])).toEqual({
      start: at('2026-12-07T12:00:00Z'),
      end: shift.end,
    });
    expect(workable(shift, [{ from: at('2026-12-07T13:00:00Z'), to: at('2026-12-08T00:00:00Z') }])).toEqual({
      start: shift.start,
      end: at('2026-12-07T13:00:00Z'),
    });
    // A dentist at 10:00: the afternoon is the longer side.
    expect(workable(shift, [{ from: at('2026-12-07T10:00:00Z'), to: at('2026-12-07T11:00:00Z') }])).toEqual({
      start: at('2026-12-07T11:00:00Z'),
      end: shift.end,
    });
    // Time off on another day changes nothing.
    expect(workable(shift, [{ from: at('2026-12-08T08:00:00Z'), to: at('2026-12-08T17:00:00Z') }])).toBe(shift);
  });

  it('never matches an engineer on leave, and says so', () => {
    const monday = new Date('2026-12-07T07:00:00Z');
    const away = [{ from: at('2026-12-07T00:00:00Z'), to: at('2026-12-12T00:00:00Z') }];
    const onLeave = engineer({ id: 'on-leave', ...noCertificates, away });
    const working = engineer({ id: 'working', ...noCertificates });
    const plans = [onLeave, working].map((e) => ({ engineer: e, stops: [] }));

    const matched = matchJob({ job: job('P3'), plans, travel: halfHourAway, now: monday, timeZone: london });

    expect(matched.candidates.map((c) => c.engineerId)).toEqual(['working']);
    expect(matched.excluded).toEqual([{ engineerId: 'on-leave', reasons: ['on_leave'] }]);
    // An assignment by hand is refused too, and the first day back is offered instead of a day away.
    const requirements = {
      requiredSkills: ['boiler'],
      requiredCertifications: [],
      location: manchester,
      estimatedMinutes: 60,
    };
    const byHand = checkEngineer({
      job: requirements,
      engineer: onLeave,
      at: monday,
      travel: halfHourAway,
      timeZone: london,
    });
    expect(byHand).toMatchObject({ ok: true, start: '2026-12-14T08:00:00.000Z' });
    const allWeek = engineer({
      ...noCertificates,
      shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' },
      away: [{ from: at('2026-12-05T00:00:00Z'), to: at('2026-12-19T00:00:00Z') }],
    });
    expect(
      checkEngineer({ job: requirements, engineer: allWeek, at: monday, travel: halfHourAway, timeZone: london }),
    ).toEqual({
      ok: false,
      reasons: ['on_leave'],
    });
  });
});

describe('on call', () => {
  // Tuesday 8 December 2026, 03:45 in London (GMT): every shift starts at 08:00.
  const night = new Date('2026-12-08T03:45:00Z');
  const onCall = [{ from: at('2026-12-07T19:00:00Z'), to: at('2026-12-08T07:00:00Z') }];

  it('sends an emergency at night to the engineer on call at once, and leaves other work for the shift', () => {
    const callable = engineer({ id: 'on-call', ...noCertificates, onCall });
    const sleeping = engineer({ id: 'asleep', ...noCertificates });
    const plans = [callable, sleeping].map((e) => ({ engineer: e, stops: [] }));

    // A P1's SLA: attended within four hours.
    const leak = { ...job('P1'), window: { from: Number.NEGATIVE_INFINITY, to: night.getTime() + 4 * 3_600_000 } };
    const emergency = matchJob({ job: leak, plans, travel: halfHourAway, now: night, timeZone: london });
    // Called out now: half an hour's drive from home. The shift would start too late for the SLA.
    expect(emergency.candidates).toEqual([
      expect.objectContaining({ engineerId: 'on-call', start: '2026-12-08T04:15:00.000Z' }),
    ]);
    expect(emergency.excluded).toEqual([{ engineerId: 'asleep', reasons: ['no_feasible_slot'] }]);

    const routine = matchJob({ job: job('P2'), plans, travel: halfHourAway, now: night, timeZone: london });
    expect(routine.candidates.map((c) => c.start)).toEqual(['2026-12-08T08:30:00.000Z', '2026-12-08T08:30:00.000Z']);
  });

  it('keeps to the call-out range: an emergency further than it goes to the shift', () => {
    const near = engineer({
      id: 'on-call',
      ...noCertificates,
      onCall: [{ ...onCall[0], maxTravelMinutes: 20 }] as never,
    });
    const matched = matchJob({
      job: job('P1'),
      plans: [{ engineer: near, stops: [] }],
      travel: halfHourAway,
      now: night,
      timeZone: london,
    });
    expect(matched.candidates).toEqual([]);
    expect(matched.excluded).toEqual([{ engineerId: 'on-call', reasons: ['beyond_call_out'] }]);
  });
});

describe('van stock', () => {
  it('prefers, among engineers alike, the one whose van holds every part the job needs', () => {
    const monday = new Date('2026-12-07T07:00:00Z');
    const parts = [{ sku: 'PRV-VALVE', qty: 2 }];
    const carrying = engineer({ id: 'carrying', ...noCertificates, van: { 'PRV-VALVE': 2 } });
    const short = engineer({ id: 'a-short', ...noCertificates, van: { 'PRV-VALVE': 1 } });
    const empty = engineer({ id: 'an-empty', ...noCertificates });
    const plans = [empty, short, carrying].map((e) => ({ engineer: e, stops: [] }));

    const matched = matchJob({
      job: { ...job('P3'), parts },
      plans,
      travel: halfHourAway,
      now: monday,
      timeZone: london,
    });

    expect(matched.candidates.map((c) => c.engineerId)).toEqual(['carrying', 'a-short', 'an-empty']);
    expect(matched.candidates[0]).toMatchObject({ carriesParts: true });
    expect(matched.candidates[1]?.carriesParts).toBeUndefined();
    expect((matched.candidates[1]?.score ?? 0) - (matched.candidates[0]?.score ?? 0)).toBe(vanStockBonus);
    // A job that needs no parts: no one is preferred for their van.
    const none = matchJob({ job: job('P3'), plans, travel: halfHourAway, now: monday, timeZone: london });
    expect(none.candidates.map((c) => c.engineerId)).toEqual(['a-short', 'an-empty', 'carrying']);
  });
});
