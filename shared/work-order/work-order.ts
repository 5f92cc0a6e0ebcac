import { createHash } from 'node:crypto';
import type { WaitingFor } from '../db/entities/work-order.ts';
import { backoff } from '../db/service.ts';
import {
  getFieldEvent,
  getWorkOrder,
  parkTaskToken,
  saveWorkOrder,
  settleOwed,
  type TimelineInput,
  type WorkOrderRecord,
} from '../db/work-orders.ts';
import { Conflict, DomainError, NotFound, StoreConflict, VersionMismatch } from '../errors.ts';
import { faultPoint } from '../faults.ts';
import { count, logger, replayed, seconds } from '../observability.ts';
import { attendedWithinSla, isFirstTimeFix } from '../reports/kpis.ts';
import { reflowAfterChange } from '../scheduling/reflow.ts';
import { resumeTask } from '../workflow.ts';
import { approvalOutstanding } from './approval.ts';
import { assertTransition, boardOf, fieldStatuses } from './lifecycle.ts';
import type { Status } from './model.ts';

export { approvalOutstanding } from './approval.ts';
export type { WorkOrderRecord };

/** The statuses each human step of the state machine waits in; leaving them answers the parked task token. */
export const waitStatuses: Record<WaitingFor, readonly Status[]> = {
  release: ['logged'],
  approval: ['pending_approval'],
  assignment: ['ready_to_schedule'],
  acknowledgement: ['dispatched'],
  completion: fieldStatuses,
};

export async function get(workOrderId: string): Promise<WorkOrderRecord> {
  const record = await getWorkOrder(workOrderId);
  if (!record) throw new NotFound('work_order', workOrderId);
  return record;
}

/**
 * A customer's own request, as a customer may read it: anyone else's is 404 `request`, as if it did not exist. The
 * office reads every work order.
 */
export async function requestFor(
  workOrderId: string,
  principal: { role: string; customerId?: string },
): Promise<WorkOrderRecord> {
  const record = await get(workOrderId);
  if (principal.role === 'customer' && record.customerId !== principal.customerId) {
    throw new NotFound('request', workOrderId);
  }
  return record;
}

/** True when the work order can go on without the office: a known customer, site and job template. */
export function detailsComplete(record: WorkOrderRecord): boolean {
  return Boolean(record.customerId && record.siteId && record.jobType && record.requiredSkills);
}

export interface Change {
  /** Fields to set; `status` moves the work order through the lifecycle table. */
  set: Partial<WorkOrderRecord>;
  entries: TimelineInput[];
  /** How to answer the parked step when the change leaves its status (default: success). */
  resumeWith?: { error: string; cause: string };
  /** A human step this change completes without leaving its status (the office releasing a logged request). */
  answers?: WaitingFor;
  /** The change sets off a new run of the execution (a re-drive): owed in the same write, started by the caller. */
  startsRun?: true;
}

/** A field event a change applies, by its phone-made id: applied once, and its first answer replayed. */
export interface FieldEvent {
  eventId: string;
  /** What the phone sent, whose fingerprint tells a replay from another body under the same id. */
  body: unknown;
  /** The answer to record for the event, from the changed work order. */
  answer: (next: WorkOrderRecord) => unknown;
}

const maxAttempts = 12;
/** Statuses that put a job on an engineer's day: none may be entered while an approval is outstanding. */
const bookedStatuses: readonly Status[] = ['scheduled', 'dispatched'];

/**
 * Applies a change to the current version of a work order: `decide` sees the record and returns the change, or
 * `null` when there is nothing to do (a replay). With `expectedVersion` (an `If-Match`) a stale read is 412;
 * without, a lost race is retried against the fresh record after a jittered pause, so `decide` must be a pure
 * function of it. Every status change passes the lifecycle table here, whoever decided it.
 * Leaving the status a human step waits in answers that step's task token after the write, through an outbox
 * entry written with it, so the answer is never lost to a crash. With `event`, the field event is recorded in the
 * same write: a copy of it (racing, or replayed days later) answers what the first answered and changes nothing.
 */
export async function change(options: {
  workOrderId: string;
  expectedVersion?: number;
  decide: (record: WorkOrderRecord) => Change | null;
  event?: FieldEvent;
}): Promise<{ record: WorkOrderRecord; changed: boolean; answer?: unknown; outboxId?: string }> {
  const { event } = options;
  const fingerprint = event ? fingerprintOf(event.body) : undefined;
  for (let attempt = 0; ; attempt++) {
    if (event) {
      const seen = await getFieldEvent(options.workOrderId, event.eventId);
      if (seen) {
        const answer = replayOf(seen, fingerprint);
        replayed('field_event', { workOrderId: options.workOrderId, eventId: event.eventId });
        return { record: await get(options.workOrderId), changed: false, answer };
      }
    }
    const record = await get(options.workOrderId);
    if (options.expectedVersion !== undefined && record.version !== options.expectedVersion) {
      throw new VersionMismatch(record.version);
    }
    const decided = options.decide(record);
    if (!decided) return { record, changed: false };
    const next = apply(record, decided.set);
    // A job's visits are its engineer's days: they go when it goes back to planning or is cancelled.
    if (next.visits && (!next.engineerId || next.status === 'ready_to_schedule' || next.status === 'cancelled')) {
      next.visits = undefined;
    }
    if (next.status !== record.status) {
      assertTransition(record.status, next.status);
      if (bookedStatuses.includes(next.status) && approvalOutstanding(next)) {
        throw new Conflict('workorder.approval_outstanding', 'The job needs approval before it can be booked.');
      }
    }
    const leavesWait =
      record.taskToken !== undefined &&
      record.waitingFor !== undefined &&
      (decided.answers === record.waitingFor || !waitStatuses[record.waitingFor].includes(next.status));
    if (leavesWait) {
      next.taskToken = undefined;
      next.waitingFor = undefined;
    }
    const answer = event?.answer(next);
    const { refused, outboxId } = await saveWorkOrder(record, next, decided.entries, {
      event:
        event && fingerprint ? { eventId: event.eventId, fingerprint, response: JSON.stringify(answer) } : undefined,
      owed:
        leavesWait && record.taskToken
          ? { action: 'answer_task', taskToken: record.taskToken, outcome: decided.resumeWith }
          : decided.startsRun
            ? { action: 'start_execution' }
            : undefined,
    });
    if (refused === 'event_recorded') continue;
    if (refused === 'day_taken') {
      throw new Conflict('schedule.day_taken', 'Another job holds a day this plan needs: plan it again.');
    }
    if (refused === 'conflict') {
      if (options.expectedVersion !== undefined) throw new VersionMismatch((await get(options.workOrderId)).version);
      if (attempt + 1 >= maxAttempts) throw new StoreConflict();
      await backoff(attempt);
      continue;
    }
    if (next.status !== record.status) moved(record, next);
    if (outboxId && leavesWait) {
      faultPoint('after-commit-before-callback');
      await answerParkedStep(record, decided.resumeWith, outboxId);
    }
    await reflowAfterChange(record, next);
    const answered = answer === undefined ? undefined : JSON.parse(JSON.stringify(answer));
    return { record: next, changed: true, answer: answered, outboxId: decided.startsRun ? outboxId : undefined };
  }
}

function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}

function replayOf(seen: { fingerprint: string; response: string; eventId: string }, fingerprint?: string): unknown {
  if (seen.fingerprint !== fingerprint) {
    throw new DomainError(
      'idempotency.key_reused',
      422,
      `The event ${seen.eventId} was already recorded with a different body.`,
    );
  }
  return JSON.parse(seen.response);
}

/**
 * The change is committed, with an outbox entry, before its parked step is answered. If answering fails the
 * client is not told to retry (the change would then be a replay): the outbox entry stays, and the reconciler
 * answers the step within a minute.
 */
async function answerParkedStep(record: WorkOrderRecord, outcome: Change['resumeWith'], outboxId: string) {
  try {
    await resumeTask(record.taskToken as string, outcome);
    await settleOwed(outboxId);
  } catch (error) {
    logger.error('could not answer the parked step; the reconciler will', {
      workOrderId: record.workOrderId,
      error: error as Error,
    });
  }
}

/**
 * A move through the lifecycle, once it is committed: logged, and counted for the dashboards by the KPI report's
 * rules. The SLA is settled when the engineer first attends (`on_site`, or `in_progress` straight away), so it is
 * counted then, the day it happens; reaching `closed` counts the close, first-time fix and the time closeout took.
 */
function moved(record: WorkOrderRecord, next: WorkOrderRecord): void {
  logger.info('work order moved', { workOrderId: next.workOrderId, from: record.status, to: next.status });
  const metSla = attendedWithinSla(next);
  if (metSla !== undefined && attendedWithinSla(record) === undefined) count(metSla ? 'SlaMet' : 'SlaBreached');
  if (next.status !== 'closed') return;
  count('WorkOrdersClosed');
  if (isFirstTimeFix(next)) count('FirstTimeFix');
  const completedAt = next.stageTimes?.completed;
  const closedAt = next.stageTimes?.closed;
  if (completedAt && closedAt) seconds('CloseoutLag', (Date.parse(closedAt) - Date.parse(completedAt)) / 1000);
}

function apply(record: WorkOrderRecord, set: Partial<WorkOrderRecord>): WorkOrderRecord {
  const now = new Date().toISOString();
  const status = set.status ?? record.status;
  const next: WorkOrderRecord = { ...record, ...set, version: record.version + 1, updatedAt: now };
  if (status !== record.status) {
    next.board = boardOf(status);
    next.stageTimes = { ...record.stageTimes, [status]: now };
  }
  return next;
}

/**
 * Moves a work order to `to`, recording who, when, from, to and why. Already in `to` is a replay: nothing
 * changes (a second approval is harmless). Anything the lifecycle table does not allow is 409.
 */
export async function transition(options: {
  workOrderId: string;
  to: Status;
  actor: string;
  reason?: string;
  data?: Record<string, unknown>;
  set?: Partial<WorkOrderRecord>;
  expectedVersion?: number;
  resumeWith?: Change['resumeWith'];
  /** Extra precondition on the current record, checked before the move (e.g. the engineer it is assigned to). */
  guard?: (record: WorkOrderRecord) => void;
}) {
  return change({
    workOrderId: options.workOrderId,
    expectedVersion: options.expectedVersion,
    decide: (record) => {
      options.guard?.(record);
      if (record.status === options.to) return null;
      return {
        ...statusChange(record, options.to, options.actor, options.reason, options.data),
        set: { ...options.set, status: options.to },
        resumeWith: options.resumeWith,
      };
    },
  });
}

/** A move to `to` with its audit entry: who, when, from, to and why. */
export function statusChange(
  record: WorkOrderRecord,
  to: Status,
  actor: string,
  reason?: string,
  data?: Record<string, unknown>,
): Change {
  return {
    set: { status: to },
    entries: [{ at: new Date().toISOString(), actor, type: 'status_changed', from: record.status, to, reason, data }],
  };
}

/**
 * Parks the task token of the step the state machine now waits on. If the work order already left that step's
 * status (the office or the engineer acted before the token arrived), the step is answered at once.
 */
export async function awaitCallback(options: { workOrderId: string; waitingFor: WaitingFor; taskToken: string }) {
  const parked = await parkTaskToken(
    options.workOrderId,
    options.waitingFor,
    options.taskToken,
    waitStatuses[options.waitingFor],
  );
  if (!parked) await resumeTask(options.taskToken);
  return { parked };
}
