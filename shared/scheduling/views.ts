import * as z from 'zod';
import { Instant, view } from '../http/views.ts';
import { Priority } from '../work-order/model.ts';
import { BoardCard } from '../work-order/views.ts';

/*
 * The office's scheduling answers. Each is computed, not stored, but carries what is (engineers, work orders): an
 * allow-list keeps a field added to what it is computed from out of the answer.
 */

const Point = z.object({ lat: z.number(), lng: z.number() });

/** A day's dispatch board: each engineer's jobs, status and place, and the work no engineer holds yet. */
export const DispatchBoard = z
  .object({
    date: z.string().meta({ format: 'date' }),
    engineers: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: z.enum(['in_progress', 'on_site', 'en_route', 'inactive', 'off_shift', 'available']),
        location: Point,
        locationSource: z.enum(['job_site', 'home_base']),
        jobs: z.array(BoardCard),
      }),
    ),
    unassigned: z.array(BoardCard),
  })
  .meta({ title: 'Dispatch board' });

export const dispatchBoardView = view(DispatchBoard);

const ExclusionReason = z.enum([
  'inactive',
  'refused',
  'missing_skill',
  'missing_certification',
  'expired_certification',
  'off_shift',
  'on_leave',
  'beyond_call_out',
  'no_feasible_slot',
]);

/** The windows offered for a request, by day, each ranked for the business. */
export const Slots = z
  .object({
    timeZone: z.string().meta({
      description: 'The site’s (the business’s, unless the site has its own): the windows are its wall-clock hours.',
    }),
    items: z.array(
      z.object({
        day: z.string().meta({ format: 'date' }),
        from: Instant,
        to: Instant,
        label: z.string().meta({ description: '“Morning”, “Afternoon”, or “10:00 to 12:00”.' }),
        rank: z.number().int().meta({ description: '1 suits the business best (the least added travel, the SLA).' }),
        score: z.number(),
      }),
    ),
  })
  .meta({ title: 'Slots' });

/** The engineers who could take a work order, best first, and why each other one cannot. */
export const Candidates = z
  .object({
    candidates: z.array(
      z.object({
        engineerId: z.string(),
        position: z.number().int(),
        start: Instant,
        eta: Instant,
        addedTravelMinutes: z.number(),
        slaSlackMinutes: z
          .number()
          .nullable()
          .describe(
            'Minutes to spare before the SLA; null when the job has no window end and its SLA is out of reach.',
          ),
        overtimeMinutes: z.number(),
        score: z.number(),
        displaced: z.string().optional(),
        calledOut: z.boolean().optional().meta({ description: 'On call: they go out now, outside their shift.' }),
        carriesParts: z.boolean().optional().meta({ description: 'Their van holds every part the job needs.' }),
      }),
    ),
    excluded: z.array(z.object({ engineerId: z.string(), reasons: z.array(ExclusionReason) })),
    day: z.string().meta({ format: 'date' }).nullable(),
    slaMet: z.boolean(),
  })
  .meta({ title: 'Candidates' });

export const candidatesView = view(Candidates);

const PlannedJob = z.object({ workOrderId: z.string(), ref: z.string(), priority: Priority });

/** A plan of a whole day, and how many of its changes were applied (`?apply=true`). */
export const DayPlan = z
  .object({
    date: z.string().meta({ format: 'date' }),
    routes: z.array(
      z.object({
        engineerId: z.string(),
        jobs: z.array(PlannedJob.extend({ start: Instant })),
        travelMinutes: z.number(),
        travelKm: z.number(),
      }),
    ),
    unassigned: z.array(PlannedJob.extend({ reason: z.string() })),
    figures: z.object({
      jobsPlanned: z.number().int(),
      jobsUnassigned: z.number().int(),
      travelMinutes: z.number(),
      travelKm: z.number(),
      slaMetToday: z.number().int(),
      slaBreachedToday: z.number().int(),
    }),
    applied: z.number().int(),
  })
  .meta({ title: 'Day plan' });

export const dayPlanView = view(DayPlan);
