/**
 * `npm run bench:match`: how fast the instant match is, printed, never asserted. Builds a seeded Monday of planned
 * routes around Greater Manchester (each engineer 8-15 feasible stops, varied skills and certifications), then times
 * 2,000 one-job matches against 500 engineers and again against 100, after an untimed warm-up. Breaks, the rota and
 * van stock are in play: every engineer takes half an hour's lunch between 12:00 and 14:00, one in ten has the
 * afternoon off, one in twenty is on call, vans hold some of the parts, and a job in three needs one.
 */
import { type DayPlan, matchJob, type NewJob, type PlannedStop } from '#shared/scheduling/insertion.ts';
import { seededRandom } from '#shared/scheduling/solver/random.ts';
import { estimatedTravel } from '#shared/scheduling/travel.ts';
import type { Certification, Engineer, LatLng, Priority } from '#shared/work-order/model.ts';

const minuteMs = 60_000;
const monday = Date.parse('2025-01-06T00:00:00.000Z');
const shiftStart = monday + 8 * 60 * minuteMs;
const shiftEnd = monday + 17 * 60 * minuteMs;
const now = monday + 9 * 60 * minuteMs;
const matches = 2_000;
const warmUp = 500;

const skills = ['boiler', 'plumbing', 'electrical', 'hvac', 'roofing', 'locksmith', 'drainage'];
const certificates = ['gas_safe', 'niceic', 'f_gas'];
const priorities: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const parts = ['PRV-VALVE', 'MCB-32A', 'TRV-HEAD', 'PUMP-15-60', 'SMOKE-DET-OPT', 'COMP-FITTING-15'];

// Seeded, so every run measures the same work.
const random = seededRandom(161);
const between = (low: number, high: number) => low + random() * (high - low);
const choose = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
const some = <T>(items: T[], count: number): T[] => [...items].sort(() => random() - 0.5).slice(0, count);
/** Greater Manchester, roughly Wigan to Oldham and Bolton to Stockport. */
const anywhere = (): LatLng => ({ lat: between(53.38, 53.62), lng: between(-2.65, -2.0) });
const near = (place: LatLng, km: number): LatLng => ({
  lat: place.lat + between(-km, km) / 111,
  lng: place.lng + between(-km, km) / 66,
});
const drive = (from: LatLng, to: LatLng) => Math.ceil(estimatedTravel.minutes(from, to)) * minuteMs;

function engineer(id: string): Engineer {
  const certifications: Certification[] = some(certificates, Math.floor(between(0, 3))).map((code) => ({
    code,
    number: `${code}-${id}`,
    // One in ten has lapsed, so the hard filter does some work.
    expiresAt: random() < 0.1 ? '2024-12-31' : '2026-06-30',
  }));
  return {
    id,
    name: id,
    skills: some(skills, Math.floor(between(2, 5))),
    certifications,
    homeBase: anywhere(),
    shift: { days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00', break: { from: '12:00', to: '14:00', minutes: 30 } },
    hourlyRateMinor: 6000,
    active: true,
    van: Object.fromEntries(some(parts, Math.floor(between(0, 4))).map((sku) => [sku, Math.floor(between(1, 5))])),
    ...(random() < 0.1 && { away: [{ from: monday + 13 * 60 * minuteMs, to: monday + 24 * 60 * minuteMs }] }),
    ...(random() < 0.05 && { onCall: [{ from: monday - 7 * 60 * minuteMs, to: monday + 8 * 60 * minuteMs }] }),
  };
}

/** A feasible day of 8-15 stops near the engineer's home; jobs already under way at 09:00 are pinned. */
function plan(id: string): DayPlan {
  for (;;) {
    const who = engineer(id);
    const count = Math.floor(between(8, 16));
    const budget = 480 / count;
    const stops: PlannedStop[] = [];
    let time = shiftStart;
    let place = who.homeBase;
    for (let index = 0; index < count; index++) {
      const location = near(who.homeBase, 4);
      const serviceMinutes = Math.max(10, Math.floor(budget - between(15, 25)));
      const start = time + drive(place, location);
      stops.push({
        workOrderId: `${id}-wo-${index}`,
        location,
        serviceMinutes,
        window: {
          from: start - Math.floor(between(0, 60)) * minuteMs,
          to: start + Math.floor(between(10, 120)) * minuteMs,
        },
        priority: choose(priorities),
        ...(start < now && { pinned: true }),
      });
      time = start + serviceMinutes * minuteMs;
      place = location;
    }
    if (time + drive(place, who.homeBase) <= shiftEnd) return { engineer: who, stops };
  }
}

function job(index: number): NewJob {
  const from = now + Math.floor(between(0, 240)) * minuteMs;
  return {
    workOrderId: `new-${index}`,
    requiredSkills: [choose(skills)],
    requiredCertifications: random() < 0.3 ? [choose(certificates)] : [],
    location: anywhere(),
    serviceMinutes: Math.floor(between(30, 120)),
    window: { from, to: from + Math.floor(between(60, 360)) * minuteMs },
    priority: choose(priorities),
    ...(random() < 0.33 && { parts: [{ sku: choose(parts), qty: 1 }] }),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

function run(engineers: number): void {
  const plans = Array.from({ length: engineers }, (_, index) => plan(`eng-${String(index).padStart(3, '0')}`));
  const jobs = Array.from({ length: matches }, (_, index) => job(index));
  const at = new Date(now);
  for (let index = 0; index < warmUp; index++) matchJob({ job: jobs[index] as NewJob, plans, now: at });

  const times: number[] = [];
  let candidates = 0;
  let displaced = 0;
  const started = performance.now();
  for (const next of jobs) {
    const before = performance.now();
    const result = matchJob({ job: next, plans, now: at });
    times.push(performance.now() - before);
    candidates += result.candidates.length;
    if (result.candidates[0]?.displaced !== undefined) displaced++;
  }
  const elapsed = performance.now() - started;
  times.sort((a, b) => a - b);

  const stops = plans.reduce((sum, p) => sum + p.stops.length, 0);
  const memory = process.memoryUsage();
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(`${engineers} engineers, ${stops} planned stops, ${matches} matches (after ${warmUp} untimed)`);
  console.log(
    `  per match: p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, ` +
      `max ${percentile(times, 100).toFixed(3)} ms; ${Math.round((matches / elapsed) * 1000)} matches/s`,
  );
  console.log(
    `  eligible engineers per job ${(candidates / matches).toFixed(1)}, best candidate displaces a job in ` +
      `${displaced} of ${matches}; heap ${mb(memory.heapUsed)}, rss ${mb(memory.rss)}`,
  );
}

run(500);
run(100);
