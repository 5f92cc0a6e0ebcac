import * as z from 'zod';
import { Attachment } from '../attachments/views.ts';
import type { TimelineRecord, WorkOrderRecord } from '../db/work-orders.ts';
import { Instant, Page, view } from '../http/views.ts';
import { Outcome, Priority, Source, Status } from './model.ts';

/*
 * A work order as each role reads it. Each view is an allow-list (see `view`): the office reads the record but
 * not the workflow's bookkeeping, the engineer what the job needs, the customer how their request is going.
 */

const Point = z.object({ lat: z.number(), lng: z.number() });
const Day = z.string().meta({ format: 'date' });
const Site = z.object({
  address: z.string(),
  postcode: z.string(),
  lat: z.number().optional(),
  lng: z.number().optional(),
});
const Contact = z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() });
const Window = z.object({ from: Instant, to: Instant });
const PartLine = z.object({ sku: z.string(), qty: z.number() });
/** One item of a job sheet: what the engineer records on site, and the range a reading must fall in. */
export const ChecklistItem = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['boolean', 'number', 'text', 'photo']),
  required: z.boolean(),
  min: z.number().optional(),
  max: z.number().optional(),
  unit: z.string().optional(),
});
const Completion = z.object({
  outcome: Outcome,
  findings: z.string(),
  workDone: z.string(),
  partsUsed: z.array(PartLine),
  followUp: z.string().optional(),
  reason: z.string().optional(),
  completedBy: z.string(),
  at: Instant,
  firstTimeFix: z.boolean().optional(),
});
const FieldEntry = z.object({ eventId: z.string(), at: Instant, engineerId: z.string() });
const TimeLog = z.object({
  eventId: z.string(),
  kind: z.enum(['travel', 'work']),
  startedAt: Instant,
  endedAt: Instant,
  engineerId: z.string(),
});

/** What the engineer recorded on site: both the office and the engineer read it. */
const fieldRecords = {
  timeLogs: z.array(TimeLog).optional(),
  materials: z.array(FieldEntry.extend(PartLine.shape)).optional(),
  partsRequests: z.array(FieldEntry.extend({ ...PartLine.shape, note: z.string().optional() })).optional(),
  notes: z.array(FieldEntry.extend({ text: z.string() })).optional(),
  checklistAnswers: z
    .record(z.string(), FieldEntry.extend({ value: z.union([z.boolean(), z.number(), z.string()]) }))
    .optional(),
};

/** One visit of a job planned over several days. */
const Visit = z
  .object({
    day: z.string().meta({ format: 'date', description: 'The business’s day.' }),
    from: Instant.meta({ description: 'The engineer is held from this time (the drive there included).' }),
    start: Instant.meta({ description: 'Work on site starts.' }),
    end: Instant,
    minutes: z.number().int().meta({ description: 'Work on site; the rest is a break taken there.' }),
  })
  .meta({ title: 'Visit' });

/** What the job is, where, and what it needs: every role that works on it reads this much. */
const job = {
  id: z.string(),
  ref: z.string(),
  version: z.number().int(),
  status: Status,
  priority: Priority,
  slaDueAt: Instant,
  category: z.string().optional(),
  jobType: z.string().optional(),
  description: z.string(),
  siteId: z.string().optional(),
  site: Site.optional(),
  location: Point.optional(),
  assetIds: z.array(z.string()).optional(),
  contact: Contact.optional(),
  preferredWindow: Window.optional(),
  accessInstructions: z.string().optional(),
  safetyNotes: z.string().optional(),
  parts: z.array(PartLine).optional(),
  estimatedMinutes: z.number().optional(),
  engineerId: z.string().optional(),
  scheduledStart: Instant.optional(),
  calledOut: z
    .boolean()
    .optional()
    .meta({ description: 'Sent to an engineer on call, outside their shift: they set out as soon as they can.' }),
  visits: z
    .array(Visit)
    .optional()
    .meta({
      description:
        'A job longer than a shift, or a return with parts: the visits it is planned as, on the engineer’s working ' +
        'days in turn. The first starts at `scheduledStart` unless it is a return.',
    }),
  checklist: z.array(ChecklistItem).optional(),
  requiresSignature: z.boolean().optional(),
  completion: Completion.optional(),
  updatedAt: Instant,
  ...fieldRecords,
};

const TimelineEntry = z.object({
  at: Instant,
  actor: z.string(),
  type: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  reason: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The office's view: the whole record but the workflow's own bookkeeping (the parked task token, the board and
 * day index keys). With the audit trail and attachments when one work order is read.
 */
export const WorkOrderForOffice = z
  .object({
    ...job,
    loggedAt: Instant,
    source: Source,
    owner: z.string(),
    triageReasons: z.array(z.string()).optional(),
    customerId: z.string().optional(),
    requiredSkills: z.array(z.string()).optional(),
    requiredCertifications: z.array(z.string()).optional(),
    estimatedCostMinor: z.number().optional(),
    approvalRequired: z.boolean().optional(),
    approvedCostMinor: z.number().optional(),
    run: z.number().int().optional(),
    refusedBy: z.array(z.string()).optional(),
    waitingFor: z.enum(['release', 'approval', 'assignment', 'acknowledgement', 'completion']).optional(),
    attention: z
      .object({ reason: z.string(), at: Instant, state: z.string().optional(), error: z.string().optional() })
      .optional(),
    stageTimes: z.partialRecord(Status, Instant).optional(),
    invoiceId: z.string().nullable(),
    plannedFor: z.string().meta({ format: 'date' }).optional(),
    followUpOf: z.string().optional(),
    followUpId: z.string().optional(),
    linkedRequests: z
      .array(
        z.object({
          requestId: z.string(),
          at: Instant,
          actor: z.string(),
          source: Source,
          request: z.record(z.string(), z.unknown()),
        }),
      )
      .optional(),
    quoteId: z.string().optional(),
    email: z
      .object({
        messageKey: z.string(),
        from: z.string(),
        subject: z.string(),
        attachments: z.array(
          z.object({ key: z.string(), filename: z.string(), contentType: z.string(), sizeBytes: z.number() }),
        ),
        leftOut: z.array(z.object({ filename: z.string(), contentType: z.string(), reason: z.string() })),
      })
      .optional(),
    unverified: z.object({ reasons: z.array(z.string()), candidateCustomerId: z.string().optional() }).optional(),
    timeline: z.array(TimelineEntry).optional(),
    attachments: z.array(Attachment).optional(),
  })
  .meta({ title: 'Work order (office)' });

/** The job list: a page of work orders in board order. */
export const WorkOrderPage = Page(WorkOrderForOffice).meta({ title: 'Work orders' });

const forOffice = view(WorkOrderForOffice);

/** The whole work order as the office reads it; `timeline` and `attachments` when one work order is read. */
export function office(
  record: WorkOrderRecord,
  extra: { timeline?: TimelineRecord[]; invoiceId?: string; attachments?: z.input<typeof Attachment>[] } = {},
) {
  return forOffice({
    ...record,
    id: record.workOrderId,
    category: record.categoryId,
    invoiceId: extra.invoiceId ?? record.invoiceId ?? null,
    timeline: extra.timeline,
    attachments: extra.attachments,
  });
}

/**
 * The engineer's view: the job, where it is and how to get in, who to ask for, the parts and the job sheet, and
 * what they have recorded on it. Not what it costs, its approval, who refused it, how or from whom it came in.
 */
export const WorkOrderForEngineer = z.object(job).meta({ title: 'Work order (engineer)' });

const forEngineer = view(WorkOrderForEngineer);

export function engineer(record: WorkOrderRecord) {
  return forEngineer({ ...record, id: record.workOrderId, category: record.categoryId });
}

/** The answer to a newly logged request. */
export const LoggedRequest = z
  .object({
    id: z.string(),
    ref: z.string(),
    status: Status,
    priority: Priority,
    slaDueAt: Instant,
    loggedAt: Instant,
    source: Source,
  })
  .meta({ title: 'Logged request' });

const asLogged = view(LoggedRequest);

function logged(record: WorkOrderRecord) {
  return asLogged({ ...record, id: record.workOrderId });
}

/** A submitted request: linked to a job already open at the site, or logged as a new one. */
export const SubmittedRequest = LoggedRequest.extend({ linked: z.boolean() }).meta({ title: 'Submitted request' });

export function submitted(record: WorkOrderRecord, linked: boolean) {
  return { ...logged(record), linked };
}

/** What a customer sees of their own request: progress, not the office's internals nor who works for whom. */
export const Request = LoggedRequest.extend({
  category: z.string().optional(),
  description: z.string(),
  siteId: z.string().nullable(),
  scheduledStart: Instant.nullable(),
  bookedWindow: Window.nullable().meta({ description: 'The window the customer booked (GET .../slots), if any.' }),
  engineer: z.object({ firstName: z.string() }).nullable(),
  eta: Instant.nullable(),
  timeZone: z.string().meta({
    description: 'The site’s clock (the business’s, unless the site has its own): show the times above in it.',
  }),
  visits: z
    .array(z.object({ start: Instant, end: Instant }))
    .nullable()
    .meta({ description: 'A job done over several days: when the engineer is there each day.' }),
  outcome: Outcome.nullable(),
}).meta({ title: 'Request (customer)' });

/** A customer's own requests, newest first. */
export const RequestPage = Page(Request).meta({ title: 'Requests (customer)' });

const asRequest = view(Request);

/** A customer's request; `businessZone` is the business's time zone, for a site with none of its own. */
export function customer(record: WorkOrderRecord, businessZone: string, engineerName?: string) {
  return asRequest({
    ...record,
    id: record.workOrderId,
    category: record.categoryId,
    siteId: record.siteId ?? null,
    scheduledStart: record.scheduledStart ?? null,
    bookedWindow: record.windowBooked && record.preferredWindow ? record.preferredWindow : null,
    engineer: engineerName ? { firstName: engineerName.split(' ')[0] ?? engineerName } : null,
    eta: record.scheduledStart ?? null,
    timeZone: record.timeZone ?? businessZone,
    visits: record.visits?.map(({ start, end }) => ({ start, end })) ?? null,
    outcome: record.completion?.outcome ?? null,
  });
}

/** A work order as a card on the dispatch board: enough to place and plan it, not the whole record. */
export const BoardCard = z.object({
  id: z.string(),
  ref: z.string(),
  status: Status,
  priority: Priority,
  slaDueAt: Instant,
  scheduledStart: Instant.nullable(),
  plannedFor: z.string().meta({ format: 'date' }).nullable(),
  customerId: z.string().nullable(),
  siteId: z.string().nullable(),
  site: Site.nullable(),
  location: Point.nullable(),
  category: z.string().nullable(),
  description: z.string(),
  estimatedMinutes: z.number().nullable(),
});

/**
 * Picks a card's fields; the board that holds the cards is parsed as a whole (`DispatchBoard`), once, so a board of
 * hundreds of cards is not built twice.
 */
export function boardCard(record: WorkOrderRecord): z.input<typeof BoardCard> {
  return {
    id: record.workOrderId,
    ref: record.ref,
    status: record.status,
    priority: record.priority,
    slaDueAt: record.slaDueAt,
    scheduledStart: record.scheduledStart ?? null,
    plannedFor: record.plannedFor ?? null,
    customerId: record.customerId ?? null,
    siteId: record.siteId ?? null,
    site: record.site ?? null,
    location: record.location ?? null,
    category: record.categoryId ?? null,
    description: record.description,
    estimatedMinutes: record.estimatedMinutes ?? null,
  };
}

/** A return visit booked: the work order's visits, for the office and the engineer alike. */
export const VisitsBooked = z
  .object({
    id: z.string(),
    status: Status,
    version: z.number().int(),
    engineerId: z.string().nullable(),
    visits: z.array(Visit),
  })
  .meta({ title: 'Visits booked' });

const asVisitsBooked = view(VisitsBooked);

export const visitsBooked = (record: WorkOrderRecord) =>
  asVisitsBooked({
    ...record,
    id: record.workOrderId,
    engineerId: record.engineerId ?? null,
    visits: record.visits ?? [],
  });

/** The answer to a field event (a status, a record, a completion): the work order as the event left it. */
export const FieldAnswer = z
  .object({ id: z.string(), status: Status, version: z.number().int(), eventId: z.string().optional() })
  .meta({ title: 'Field event answer' });

/** Built from the answer the event recorded, which a replay answers again. */
export const fieldAnswer = (answer: unknown) => FieldAnswer.parse(answer);

/** Everything the engineer needs on site, in one read (see `jobPack`). */
export const JobPack = z
  .object({
    workOrder: WorkOrderForEngineer,
    customer: z.object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() }),
    site: z.object({
      address: z.string().nullable(),
      postcode: z.string().nullable(),
      accessInstructions: z.string().nullable(),
      hazards: z.array(z.string()),
    }),
    parts: z.array(PartLine.extend({ name: z.string(), inStock: z.number(), location: z.string().nullable() })),
    assets: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        make: z.string().nullable(),
        model: z.string().nullable(),
        installedAt: Day.nullable(),
        lastServicedAt: Instant.nullable(),
        nextServiceDue: Day.nullable(),
      }),
    ),
    checklist: z.array(ChecklistItem),
    requiresSignature: z.boolean(),
    safetyNotes: z.string().nullable(),
    previousVisits: z.array(
      z.object({
        workOrderId: z.string(),
        ref: z.string(),
        date: Instant,
        outcome: z.string(),
        findings: z.string().nullable(),
        workDone: z.string().nullable(),
        notes: z.array(z.string()),
      }),
    ),
    /**
     * The certifications the job needs, judged against the engineer's own today (`missing` when they hold none), and
     * all their own: `expiring` within 30 days, `daysLeft` 0 on the last valid day. Soonest expiry first.
     */
    certificates: z.object({
      required: z.array(
        z.object({
          code: z.string(),
          status: z.enum(['valid', 'expiring', 'expired', 'missing']),
          expiresAt: z.string().nullable(),
        }),
      ),
      mine: z.array(
        z.object({
          code: z.string(),
          number: z.string(),
          expiresAt: z.string(),
          status: z.enum(['valid', 'expiring', 'expired']),
          daysLeft: z.number().int(),
        }),
      ),
    }),
    /** What closeout has done, once the job is completed: `pending` until it has closed the job, then `done`. */
    closeout: z
      .object({
        status: z.enum(['pending', 'done']),
        invoice: z
          .object({
            id: z.string(),
            number: z.string().nullable(),
            totalMinor: z.number().int(),
            currency: z.string(),
          })
          .nullable(),
        nextServiceDue: Day.nullable(),
        followUpWorkOrderId: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ title: 'Job pack' });

export const jobPack = view(JobPack);

/** The engineer's day in route order, each job with its ETA. */
export const MyDay = z
  .object({
    date: z.string().meta({ format: 'date' }),
    items: z.array(
      WorkOrderForEngineer.extend({
        eta: Instant,
        visit: Visit.optional().meta({ description: 'A job planned over several days: this day’s visit.' }),
      }),
    ),
  })
  .meta({ title: "Engineer's day" });

export const myDay = view(MyDay);

/**
 * One state the execution entered, in the order entered (see `executionSteps`): the path it took and, for a running
 * one, the step it is in now (`running`).
 */
export const ExecutionStep = z
  .object({
    state: z.string(),
    type: z.string(),
    enteredAt: Instant,
    exitedAt: Instant.nullable(),
    outcome: z.enum(['succeeded', 'caught', 'failed', 'timed_out', 'aborted', 'running', 'interrupted']),
    /** The error that ended the step (caught, or the execution's), else null. */
    error: z.string().nullable(),
    /** Failed attempts its Retry rules tried again. */
    retries: z.number().int(),
  })
  .meta({ title: 'Execution step' });

/**
 * The work order's state machine execution as an operations person reads it: one run (the current one unless another
 * is asked for), its steps, and its history events as Step Functions gives them.
 */
export const Execution = z
  .object({
    executionId: z.string(),
    /** Which run this is: 1, then one more for each re-drive. */
    run: z.number().int(),
    /** How many runs the work order has had: its current run's number. */
    runs: z.number().int(),
    status: z.string(),
    currentState: z.string().nullable(),
    startedAt: Instant.optional(),
    stoppedAt: Instant.optional(),
    error: z.string().optional(),
    steps: z.array(ExecutionStep),
    events: z.array(
      z.object({ at: Instant, type: z.string(), state: z.string().optional(), detail: z.string().optional() }),
    ),
  })
  .meta({ title: 'Execution' });

export const execution = view(Execution);

/** The work order state machine as a graph for drawing (see `workOrderWorkflow`), read from its ASL. */
export const Workflow = z
  .object({
    startAt: z.string(),
    states: z.array(
      z.object({
        name: z.string(),
        type: z.string(),
        comment: z.string().nullable(),
        /** Every state it may go to: its Next, each choice's Next, the Default, each catcher's Next. */
        next: z.array(z.string()),
        /** Whether the execution may end in it (End, or a Succeed or Fail state). */
        end: z.boolean(),
      }),
    ),
  })
  .meta({ title: 'Workflow' });

export const workflow = view(Workflow);
