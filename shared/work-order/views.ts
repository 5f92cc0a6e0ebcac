import type { TimelineRecord, WorkOrderRecord } from '../db/work-orders.ts';

/** The whole record as the office reads it. The parked task token stays inside: it is the workflow's. */
export function office(record: WorkOrderRecord, extra: { timeline?: TimelineRecord[]; invoiceId?: string } = {}) {
  const { workOrderId, taskToken: _token, board: _board, ...rest } = record;
  return {
    id: workOrderId,
    ...rest,
    category: record.categoryId,
    invoiceId: extra.invoiceId ?? record.invoiceId ?? null,
    ...(extra.timeline && {
      timeline: extra.timeline.map(({ workOrderId: _id, seq: _seq, ...entry }) => entry),
    }),
  };
}

/** What a customer sees of their own request: progress, not the office's internals. */
export function customer(record: WorkOrderRecord, engineerName?: string) {
  return {
    ...logged(record),
    category: record.categoryId,
    description: record.description,
    siteId: record.siteId ?? null,
    scheduledStart: record.scheduledStart ?? null,
    engineer: engineerName ? { firstName: engineerName.split(' ')[0] } : null,
    eta: record.scheduledStart ?? null,
    outcome: record.completion?.outcome ?? null,
  };
}

/** The answer to a newly logged request. */
export function logged(record: WorkOrderRecord) {
  return {
    id: record.workOrderId,
    ref: record.ref,
    status: record.status,
    priority: record.priority,
    slaDueAt: record.slaDueAt,
    loggedAt: record.loggedAt,
    source: record.source,
  };
}

/** A work order as a card on the dispatch board: enough to place and plan it, not the whole record. */
export function boardCard(record: WorkOrderRecord) {
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
