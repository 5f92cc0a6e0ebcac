/**
 * `npm run bench:day`: a generated business day, planned two ways, with the figures printed, never asserted.
 *
 * The day: Tuesday 30 March 2027 in London (British Summer Time, so every shift is read in local time), 50 engineers
 * on 08:00 to 17:00 shifts with half an hour's lunch between 12:00 and 14:00, around Greater Manchester with mixed
 * skills and certificates, three of them on leave and one
 * with the morning off; 500 jobs of 20 to 60 minutes, 40 % with a window the customer booked (a morning or an
 * afternoon), the rest due by their SLA. Seeded, so every run plans the same day.
 *
 * 1. The instant matcher, as the jobs arrive one by one through the day before (each to the best engineer's best
 *    place, never displacing): how many it places, and how fast each match is.
 * 2. The day optimiser over the same day from scratch (`POST /v1/schedule/optimise`): jobs served, booked windows
 *    kept, travel, overtime and the time to plan; then each route re-timed with its lunch as applying the plan does,
 *    and the windows and breaks kept then. `--seconds N` sets its budget (default 10).
 */
import type { EngineerRecord } from '#shared/db/reference.ts';
import type { WorkOrderRecord } from '#shared/db/work-orders.ts';
import { newJobOf } from '#shared/scheduling/candidates.ts';
import { type BreakWindow, retimeDay, type TimedStop } from '#shared/scheduling/day-timing.ts';
import { type DayPlan, matchJob, type NewJob, type PlannedStop } from '#shared/scheduling/insertion.ts';
import { breakWindowOn } from '#shared/scheduling/match.ts';
import { buildDayProblem, describePlan } from '#shared/scheduling/optimise.ts';
import { solve } from '#shared/scheduling/solver/index.ts';
import { seededRandom } from '#shared/scheduling/solver/random.ts';
import { atLocal } from '#shared/time/zone.ts';
import type { Engineer, LatLng, Priority } from '#shared/work-order/model.ts';

const london = 'Europe/London';
const lunch = { from: '12:00', to: '14:00', minutes: 30 };
const date = '2027-03-30';
const minuteMs = 60_000;
const engineerCount = 50;
const jobCount = 500;
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] ?? 10) || 10;

const skills = ['gas', 'heating', 'plumbing', 'electrical', 'drainage', 'fire_security', 'general'];
const random = seededRandom(2027);
const between = (low: number, high: number) => low + random() * (high - low);
const choose = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const some = <T>(items: readonly T[], count: number): T[] => [...items].sort(() => random() - 0.5).slice(0, count);
/** Greater Manchester, roughly Wigan to Oldham and Bolton to Stockport. */
const anywhere = (): LatLng => ({ lat: between(53.38, 53.62), lng: between(-2.65, -2.0) });
const at = (hour: number, minute = 0) => atLocal(date, hour * 60 + minute, london);
const iso = (ms: number) => new Date(ms).toISOString();

const engineers: Array<EngineerRecord & Pick<Engineer, 'away'>> = Array.from({ length: engineerCount }, (_, i) => {
  const id = `eng-${String(i).padStart(2, '0')}`;
  const held = some(skills, Math.floor(between(2, 5)));
  return {
    engineerId: id,
    version: 1,
    name: id,
    skills: held,
    certifications: held.includes('gas') ? [{ code: 'gas_safe', number: id, expiresAt: '2028-01-31' }] : [],
    homeBase: anywhere(),
    shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: lunch },
    hourlyRateMinor: 6_000,
    active: true,
    createdAt: '2027-01-01T00:00:00.000Z',
    // Three on leave all day, one with the morning off.
    ...(i < 3 && { away: [{ from: at(0), to: at(24) }] }),
    ...(i === 3 && { away: [{ from: at(0), to: at(12, 30) }] }),
  };
});

const priorities: Priority[] = ['P2', 'P3', 'P3', 'P4'];
const jobs: WorkOrderRecord[] = Array.from({ length: jobCount }, (_, i) => {
  const skill = choose(skills);
  const booked = random() < 0.4;
  const morning = random() < 0.5;
  const priority = choose(priorities);
  return {
    workOrderId: `wo-${String(i).padStart(3, '0')}`,
    ref: `WO-${String(i + 1).padStart(6, '0')}`,
    status: 'ready_to_schedule',
    priority,
    location: anywhere(),
    requiredSkills: [skill],
    requiredCertifications: skill === 'gas' ? ['gas_safe'] : [],
    estimatedMinutes: Math.floor(between(20, 60)),
    slaDueAt: iso(at(8) + Math.floor(between(4, 30)) * 60 * minuteMs),
    loggedAt: iso(at(-12)),
    ...(booked && {
      preferredWindow: morning ? { from: iso(at(8)), to: iso(at(12)) } : { from: iso(at(12)), to: iso(at(17)) },
      windowBooked: true,
    }),
  } as WorkOrderRecord;
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** The jobs arriving one by one before the day, each matched at once into the day as it then stands. */
function instantMatching(): void {
  // As matching plans a later day: from its midnight.
  const evening = new Date(at(0));
  const plans: DayPlan[] = engineers.map((record) => ({ engineer: { ...record, id: record.engineerId }, stops: [] }));
  const times: number[] = [];
  let placed = 0;
  let travelMinutes = 0;
  for (const record of jobs) {
    const window = record.preferredWindow
      ? { from: Date.parse(record.preferredWindow.from), to: Date.parse(record.preferredWindow.to) }
      : { from: at(0), to: Math.max(Date.parse(record.slaDueAt), at(17)) };
    const job: NewJob = {
      workOrderId: record.workOrderId,
      requiredSkills: record.requiredSkills ?? [],
      requiredCertifications: record.requiredCertifications ?? [],
      location: record.location as LatLng,
      serviceMinutes: record.estimatedMinutes ?? 60,
      window,
      priority: 'P3',
    };
    const before = performance.now();
    const best = matchJob({ job, plans, now: evening, timeZone: london }).candidates[0];
    times.push(performance.now() - before);
    if (!best) continue;
    const plan = plans.find((p) => p.engineer.id === best.engineerId) as DayPlan;
    const stop: PlannedStop = {
      workOrderId: job.workOrderId,
      location: job.location,
      serviceMinutes: job.serviceMinutes,
      window,
      priority: 'P3',
    };
    plan.stops.splice(best.position, 0, stop);
    placed++;
    travelMinutes += best.addedTravelMinutes;
  }
  times.sort((a, b) => a - b);
  console.log(`Instant matching, ${jobCount} jobs arriving one by one before the day:`);
  console.log(`  placed ${placed} of ${jobCount}; travel ${Math.round(travelMinutes)} min`);
  console.log(
    `  per match: p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, max ` +
      `${percentile(times, 100).toFixed(3)} ms`,
  );
}

/** The whole day planned at once, as the office's "Optimise the day" does. */
function dayOptimiser(): void {
  const rota = (engineerId: string) => ({ away: engineers.find((e) => e.engineerId === engineerId)?.away });
  const started = performance.now();
  const day = buildDayProblem({ date, now: new Date(at(6)), engineers, workOrders: jobs, timeZone: london, rota });
  const plan = solve(day.problem, { timeLimitMs: seconds * 1000, seed: 1 });
  const described = describePlan(day, plan, date);
  const elapsed = performance.now() - started;

  const byId = new Map(jobs.map((job) => [job.workOrderId, job]));
  const planned = described.routes.flatMap((route) => route.jobs);
  const booked = jobs.filter((job) => job.windowBooked).length;
  const kept = planned.filter((stop) => {
    const window = byId.get(stop.workOrderId)?.preferredWindow;
    return byId.get(stop.workOrderId)?.windowBooked && window && stop.start >= window.from && stop.start <= window.to;
  }).length;
  // Overtime: each route's return home after its shift's end.
  let overtime = 0;
  for (const route of plan.routes) {
    const vehicle = day.problem.vehicles[route.vehicle];
    let time = vehicle?.shiftStart ?? 0;
    let place = vehicle?.start ?? 0;
    for (const index of route.jobs) {
      const job = day.problem.jobs[index];
      if (!job || !vehicle) continue;
      time =
        Math.max(time + (day.problem.duration[place * day.problem.size + job.location] ?? 0), job.ready) + job.service;
      place = job.location;
    }
    const back = time + (day.problem.duration[place * day.problem.size + (vehicle?.end ?? 0)] ?? 0);
    overtime += Math.max(0, back - (vehicle?.shiftEnd ?? back));
  }
  const reasons = new Map<string, number>();
  for (const job of described.unassigned) reasons.set(job.reason, (reasons.get(job.reason) ?? 0) + 1);
  console.log(
    `The day optimiser, ${engineerCount} engineers (${engineerCount - day.problem.vehicles.length} away), ${seconds} s budget:`,
  );
  console.log(
    `  served ${described.figures.jobsPlanned} of ${jobCount}; booked windows kept ${kept} of ${booked} booked ` +
      `(${planned.filter((s) => byId.get(s.workOrderId)?.windowBooked).length} of them planned)`,
  );
  console.log(
    `  travel ${described.figures.travelKm} km, ${described.figures.travelMinutes} min; overtime ${Math.round(overtime)} min; ` +
      `left out: ${[...reasons].map(([reason, count]) => `${count} ${reason}`).join(', ') || 'none'}`,
  );
  console.log(`  time to plan ${(elapsed / 1000).toFixed(2)} s (the search stops at its budget)`);

  // Applied: each route re-timed with its lunch, as reflow does.
  const lunchWindow = breakWindowOn(lunch, date, london) as BreakWindow;
  let windowsKept = 0;
  let windowsTimed = 0;
  let breaksPlaced = 0;
  for (const route of described.routes) {
    const engineer = engineers.find((e) => e.engineerId === route.engineerId) as EngineerRecord;
    const stops: TimedStop[] = route.jobs.map((stop) => {
      const record = byId.get(stop.workOrderId) as WorkOrderRecord;
      return { ...(newJobOf(record, at(6), !record.windowBooked) as NewJob), start: Date.parse(stop.start) };
    });
    const timed = retimeDay({
      stops,
      home: engineer.homeBase,
      shiftStart: at(8),
      now: at(6),
      breakWindow: lunchWindow,
    });
    const starts = new Map(timed.map((t) => [t.workOrderId, t.start]));
    for (const stop of stops) {
      if (!byId.get(stop.workOrderId)?.windowBooked) continue;
      windowsTimed++;
      if ((starts.get(stop.workOrderId) ?? Infinity) <= stop.window.to) windowsKept++;
    }
    const ends = timed.map(
      (t) => t.start + (stops.find((s) => s.workOrderId === t.workOrderId)?.serviceMinutes ?? 0) * minuteMs,
    );
    if (Math.max(...ends) > lunchWindow.earliest) breaksPlaced++;
  }
  console.log(
    `  re-timed with lunch: ${breaksPlaced} of ${described.routes.length} routes work into lunch's window, each given it; ` +
      `booked windows still kept ${windowsKept} of ${windowsTimed}`,
  );
}

instantMatching();
dayOptimiser();
