import { CustomAttributeType, Entity } from 'electrodb';
import type {
  ChecklistItem,
  LatLng,
  Outcome,
  PartLine,
  Priority,
  Source,
  Status,
  Visit,
} from '../../work-order/model.ts';
import type { Contact } from './customer.ts';

export interface FreeSite {
  address: string;
  postcode: string;
  lat?: number;
  lng?: number;
}

export interface Attention {
  reason: string;
  at: string;
  state?: string;
  error?: string;
}

/** What the engineer records on site, each with the phone-made event id that made it (so it is recorded once). */
export interface TimeLog {
  eventId: string;
  kind: 'travel' | 'work';
  startedAt: string;
  endedAt: string;
  engineerId: string;
}

export interface FieldEntry {
  eventId: string;
  /** When it happened on site (the phone's clock), which may be long before it arrived. */
  at: string;
  engineerId: string;
}

export type MaterialUsed = FieldEntry & { sku: string; qty: number };
export type PartsRequest = FieldEntry & { sku: string; qty: number; note?: string };
export type Note = FieldEntry & { text: string };
export type ChecklistAnswer = FieldEntry & { value: boolean | number | string };

/** A further request for the same job, linked to this work order instead of becoming a second one. */
export interface LinkedRequest {
  /** The id the request would have had as a work order of its own (and gets, if the office splits it off). */
  requestId: string;
  at: string;
  actor: string;
  source: Source;
  /** The request as it arrived, so splitting it off loses nothing. */
  request: Record<string, unknown>;
}

export interface Completion {
  outcome: Outcome;
  findings: string;
  workDone: string;
  partsUsed: PartLine[];
  followUp?: string;
  reason?: string;
  completedBy: string;
  at: string;
  /** Fixed on the first visit, with no follow-up needed. */
  firstTimeFix?: boolean;
}

/** Where an e-mailed request came from, as the office sees it. */
export interface EmailOrigin {
  /** The inbound message record (`GET /v1/inbound-mail/{key}`). */
  messageKey: string;
  from: string;
  subject: string;
  attachments: Array<{ key: string; filename: string; contentType: string; sizeBytes: number }>;
  leftOut: Array<{ filename: string; contentType: string; reason: string }>;
}

export interface Unverified {
  reasons: string[];
  /** A customer the sender's address matched, not attributed because the message failed a check. */
  candidateCustomerId?: string;
}

/** Status keys a task token is parked under, one per human step of the state machine. */
export type WaitingFor = 'release' | 'approval' | 'assignment' | 'acknowledgement' | 'completion';

/**
 * The work order (a customer's request is a work order from the moment it is logged). Written whole with a
 * condition on `version` (optimistic locking), in one transaction with its timeline entry, so the audit trail
 * can never miss a change. The task token of the human step the state machine waits on is kept on the item.
 * Indexes: the customer's own requests newest first (gsi1), an engineer's jobs by start (gsi2, sparse),
 * the dispatch board: open work by priority tier then SLA due time (gsi3, `board` = open | done), and the planned
 * jobs of a day by engineer (gsi4, sparse): the whole day for the board and the day optimiser, one engineer's key
 * range of it for matching.
 */
export const workOrder = new Entity({
  model: { entity: 'workOrder', version: '1', service: 'fieldops' },
  attributes: {
    workOrderId: { type: 'string', required: true },
    ref: { type: 'string', required: true },
    version: { type: 'number', required: true },
    status: { type: CustomAttributeType<Status>('string'), required: true },
    board: { type: ['open', 'done'] as const, required: true },
    priority: { type: CustomAttributeType<Priority>('string'), required: true },
    triageReasons: { type: 'list', items: { type: 'string' } },
    slaDueAt: { type: 'string', required: true },
    loggedAt: { type: 'string', required: true },
    updatedAt: { type: 'string', required: true },
    source: { type: CustomAttributeType<Source>('string'), required: true },
    owner: { type: 'string', required: true },
    customerId: { type: 'string' },
    siteId: { type: 'string' },
    site: { type: CustomAttributeType<FreeSite>('any') },
    location: { type: CustomAttributeType<LatLng>('any') },
    /** The site's own time zone, when it has one other than the business's (see `zoneOfJob`). */
    timeZone: { type: 'string' },
    assetIds: { type: 'list', items: { type: 'string' } },
    categoryId: { type: 'string' },
    jobType: { type: 'string' },
    description: { type: 'string', required: true },
    contact: { type: CustomAttributeType<Contact>('any') },
    preferredWindow: { type: CustomAttributeType<{ from: string; to: string }>('any') },
    /** The customer booked `preferredWindow` from the windows offered: it binds every planner, before the SLA. */
    windowBooked: { type: 'boolean' },
    /** When the SLA watch saw the job would miss its booked window: flagged once a booking. */
    windowAtRiskAt: { type: 'string' },
    requiredSkills: { type: 'list', items: { type: 'string' } },
    requiredCertifications: { type: 'list', items: { type: 'string' } },
    parts: { type: CustomAttributeType<PartLine[]>('any') },
    estimatedMinutes: { type: 'number' },
    estimatedCostMinor: { type: 'number' },
    accessInstructions: { type: 'string' },
    safetyNotes: { type: 'string' },
    approvalRequired: { type: 'boolean' },
    /** The estimate an approver approved; a later rise above it needs approval again. */
    approvedCostMinor: { type: 'number' },
    /** The run of the work order's execution (1 first, then one more per re-drive): names the execution. */
    run: { type: 'number' },
    engineerId: { type: 'string' },
    scheduledStart: { type: 'string' },
    /**
     * A job longer than a shift, or one waiting to return with parts: the visits it is planned as, each holding
     * its engineer's day on the rota (see `shared/scheduling/visits.ts`). It is then no stop of any day's route.
     */
    visits: { type: CustomAttributeType<Visit[]>('any') },
    /** Matched to an engineer on call, outside their shift: an emergency they set out to as soon as they are free. */
    calledOut: { type: 'boolean' },
    /** The UTC day of `scheduledStart`, derived so a whole day's plan is one query (gsi4). */
    scheduledDay: {
      type: 'string',
      watch: ['scheduledStart'],
      set: (_, item) => (typeof item.scheduledStart === 'string' ? item.scheduledStart.slice(0, 10) : undefined),
    },
    refusedBy: { type: 'list', items: { type: 'string' } },
    waitingFor: { type: CustomAttributeType<WaitingFor>('string') },
    taskToken: { type: 'string' },
    attention: { type: CustomAttributeType<Attention>('any') },
    /** When the SLA watch found the job at risk of missing its SLA (the office is told once). */
    slaAtRiskAt: { type: 'string' },
    stageTimes: { type: CustomAttributeType<Partial<Record<Status, string>>>('any') },
    completion: { type: CustomAttributeType<Completion>('any') },
    /** The job sheet as it was when the work order was created, so a later template edit changes no open job. */
    checklist: { type: CustomAttributeType<ChecklistItem[]>('any') },
    requiresSignature: { type: 'boolean' },
    timeLogs: { type: CustomAttributeType<TimeLog[]>('any') },
    materials: { type: CustomAttributeType<MaterialUsed[]>('any') },
    partsRequests: { type: CustomAttributeType<PartsRequest[]>('any') },
    notes: { type: CustomAttributeType<Note[]>('any') },
    checklistAnswers: { type: CustomAttributeType<Record<string, ChecklistAnswer>>('any') },
    invoiceId: { type: 'string' },
    plannedFor: { type: 'string' },
    followUpOf: { type: 'string' },
    followUpId: { type: 'string' },
    linkedRequests: { type: CustomAttributeType<LinkedRequest[]>('any') },
    /** The accepted quote this work order carries out. */
    quoteId: { type: 'string' },
    /** The e-mail it was logged from: who sent it, its subject and the attachments kept as objects. */
    email: { type: CustomAttributeType<EmailOrigin>('any') },
    /**
     * Why the request is not attributed to a customer (unknown sender, failed DMARC...): the office checks it and
     * completes it before it goes on.
     */
    unverified: { type: CustomAttributeType<Unverified>('any') },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['workOrderId'] }, sk: { field: 'sk', composite: [] } },
    byCustomer: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['customerId'] },
      sk: { field: 'gsi1sk', composite: ['loggedAt', 'workOrderId'] },
    },
    byEngineer: {
      index: 'gsi2',
      pk: { field: 'gsi2pk', composite: ['engineerId'] },
      sk: { field: 'gsi2sk', composite: ['scheduledStart'] },
    },
    byDay: {
      index: 'gsi4',
      pk: { field: 'gsi4pk', composite: ['scheduledDay'] },
      sk: { field: 'gsi4sk', composite: ['engineerId', 'scheduledStart'] },
    },
    byBoard: {
      index: 'gsi3',
      pk: { field: 'gsi3pk', composite: ['board'] },
      sk: { field: 'gsi3sk', composite: ['priority', 'slaDueAt', 'workOrderId'] },
    },
  },
});
