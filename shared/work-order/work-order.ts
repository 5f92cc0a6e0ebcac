import type { WaitingFor } from '../db/entities/work-order.ts';
import {
  getWorkOrder,
  parkTaskToken,
  saveWorkOrder,
  type TimelineInput,
  type WorkOrderRecord,
} from '../db/work-orders.ts';
import { NotFound, StoreConflict, VersionMismatch } from '../errors.ts';
import { resumeTask } from '../workflow.ts';
import { assertTransition, boardOf, fieldStatuses } from './lifecycle.ts';
import type { Status } from './model.ts';

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
}

/**
 * Applies a change to the current version of a work order: `decide` sees the record and returns the change, or
 * `null` when there is nothing to do (a replay). With `expectedVersion` (an `If-Match`) a stale read is 412;
 * without, a lost race is retried against the fresh record, so `decide` must be a pure function of it.
 * Leaving the status a human step waits in answers that step's task token, after the write.
 */
export async function change(options: {
  workOrderId: string;
  expectedVersion?: number;
  decide: (record: WorkOrderRecord) => Change | null;
}): Promise<{ record: WorkOrderRecord; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const record = await get(options.workOrderId);
    if (options.expectedVersion !== undefined && record.version !== options.expectedVersion) {
      throw new VersionMismatch(record.version);
    }
    const decided = options.decide(record);
    if (!decided) return { record, changed: false };
    const next = apply(record, decided.set);
    const leavesWait =
      record.taskToken !== undefined &&
      record.waitingFor !== undefined &&
      (decided.answers === record.waitingFor || !waitStatuses[record.waitingFor].includes(next.status));
    if (leavesWait) {
      next.taskToken = undefined;
      next.waitingFor = undefined;
    }
    try {
      await saveWorkOrder(record, next, decided.entries);
    } catch (error) {
      if (error instanceof StoreConflict && options.expectedVersion === undefined && attempt < 4) continue;
      if (error instanceof StoreConflict && options.expectedVersion !== undefined) {
        throw new VersionMismatch((await get(options.workOrderId)).version);
      }
      throw error;
    }
    if (leavesWait && record.taskToken) await answerParkedStep(record, decided.resumeWith);
    return { record: next, changed: true };
  }
}

/**
 * The change is committed before its parked step is answered. If answering fails, the client is not told to retry
 * (the change would then be a replay and the token is gone): the step's timeout escalates it and the state machine
 * re-reads the work order and routes by its new status.
 */
async function answerParkedStep(record: WorkOrderRecord, outcome: Change['resumeWith']) {
  try {
    await resumeTask(record.taskToken as string, outcome);
  } catch (error) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'Could not answer the parked step',
        workOrderId: record.workOrderId,
        error: String(error),
      }),
    );
  }
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
      assertTransition(record.status, options.to);
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
