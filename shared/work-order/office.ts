import * as z from 'zod';
import { getCustomer, getJobTemplate, getSite, type JobTemplateRecord } from '../db/reference.ts';
import type { TimelineInput } from '../db/work-orders.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { startWorkOrder } from '../workflow.ts';
import { approvalOutstanding, estimateFor, needsApproval } from './approval.ts';
import { terminalStatuses } from './lifecycle.ts';
import { type Contract, PartLine, Priority } from './model.ts';
import { knownParts, ownAsset } from './references.ts';
import { slaDueAt } from './triage.ts';
import { change, detailsComplete, get, statusChange, transition, type WorkOrderRecord } from './work-order.ts';

export const Reason = z.strictObject({ reason: z.string().trim().min(1).max(2000) });

/**
 * The details the office may still change, and in which statuses: once an engineer is on the way, the job
 * as dispatched is what they work to.
 */
export const UpdateWorkOrder = z
  .strictObject({
    description: z.string().trim().min(1).max(4000),
    priority: Priority,
    jobType: z.string().trim().min(1).max(64),
    /** Only for a request logged without one (an unverified e-mail): attributing it clears the flag. */
    customerId: z.string().trim().min(1).max(64),
    siteId: z.string().trim().min(1).max(64),
    assetIds: z.array(z.string().min(1).max(64)).max(20),
    requiredSkills: z.array(z.string().min(1).max(64)).max(20),
    requiredCertifications: z.array(z.string().min(1).max(64)).max(20),
    parts: z.array(PartLine).max(100),
    estimatedMinutes: z.number().int().positive().max(10_000),
    accessInstructions: z.string().trim().max(2000),
    safetyNotes: z.string().trim().max(2000),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change.');
export type UpdateWorkOrder = z.infer<typeof UpdateWorkOrder>;

const editableStatuses = ['logged', 'pending_approval', 'ready_to_schedule', 'scheduled'];

/** Changes details under optimistic locking (`If-Match`); priority recomputes the SLA due time. */
export async function update(options: {
  workOrderId: string;
  expectedVersion: number;
  actor: string;
  patch: UpdateWorkOrder;
}) {
  const record = await get(options.workOrderId);
  const customerId = options.patch.customerId ?? record.customerId;
  if (options.patch.customerId && record.customerId && !record.unverified && customerId !== record.customerId) {
    throw new Conflict('workorder.customer_fixed', 'Only a request logged without a customer can be attributed.');
  }
  const customer = customerId ? await getCustomer(customerId) : undefined;
  if (customerId && !customer) throw new NotFound('customer', customerId);
  const template = options.patch.jobType ? await getJobTemplate(options.patch.jobType) : undefined;
  if (options.patch.jobType && !template) throw new ValidationFailed(`Unknown job type ${options.patch.jobType}.`);
  const site = options.patch.siteId ? await getSite(options.patch.siteId) : undefined;
  if (options.patch.siteId && (!site || site.customerId !== customerId))
    throw new NotFound('site', options.patch.siteId);
  // What an edit names is checked as creation checks it: the customer's own assets (at the job's site), known parts.
  if (options.patch.assetIds) {
    if (!customer) throw new ValidationFailed('Attribute the request to a customer before naming its assets.');
    const jobSite = site ?? (record.siteId ? await getSite(record.siteId) : undefined);
    for (const assetId of options.patch.assetIds) await ownAsset(customer, assetId, jobSite);
  }
  if (options.patch.parts) await knownParts(options.patch.parts);
  // A new job type brings its template's requirements unless the same patch sets them.
  const defaults = template
    ? {
        requiredSkills: template.requiredSkills,
        requiredCertifications: template.requiredCertifications,
        estimatedMinutes: template.estimatedMinutes,
        safetyNotes: template.safetyNotes,
        checklist: template.checklist,
        requiresSignature: template.requiresSignature,
      }
    : {};
  const location = site
    ? { location: { lat: site.lat, lng: site.lng }, accessInstructions: site.accessInstructions }
    : {};
  const approval = await approvalAfter(record, options.patch, template, customer?.contract);
  return change({
    workOrderId: options.workOrderId,
    expectedVersion: options.expectedVersion,
    decide: (current) => {
      if (!editableStatuses.includes(current.status)) {
        throw new Conflict('workorder.not_editable', `A ${current.status} work order's details can no longer change.`);
      }
      const { priority, ...rest } = options.patch;
      const set: Partial<WorkOrderRecord> = {
        ...defaults,
        ...location,
        ...approval,
        ...rest,
        ...(options.patch.customerId ? { unverified: undefined } : {}),
        ...(priority && priority !== current.priority
          ? {
              priority,
              slaDueAt: slaDueAt({ priority, loggedAt: new Date(current.loggedAt), contract: customer?.contract }),
            }
          : {}),
      };
      const entries: TimelineInput[] = [
        {
          at: new Date().toISOString(),
          actor: options.actor,
          type: 'details_changed',
          data: { fields: Object.keys(options.patch) },
        },
      ];
      // An edit that makes the job need approval it does not have sends it back for approval, off any engineer's day.
      if (approvalOutstanding({ ...current, ...set }) && current.status !== 'logged') {
        const back = statusChange(current, 'pending_approval', options.actor, 'The change needs approval');
        Object.assign(set, back.set, { engineerId: undefined, scheduledStart: undefined, calledOut: undefined });
        entries.push(...back.entries);
      }
      return { set, entries };
    },
  }).then((result) => result.record);
}

/**
 * The estimate and approval rule after an edit: the job's price with the new job type, parts or duration, never
 * below the estimate before (only an approver settles a cost). A new job type needs its own approval.
 */
async function approvalAfter(
  record: WorkOrderRecord,
  patch: UpdateWorkOrder,
  newTemplate: JobTemplateRecord | undefined,
  contract: Contract | undefined,
): Promise<Partial<WorkOrderRecord>> {
  const template = newTemplate ?? (record.jobType ? await getJobTemplate(record.jobType) : undefined);
  if (!template || record.quoteId) return {};
  const estimatedCostMinor = await estimateFor({
    template,
    parts: patch.parts ?? record.parts ?? [],
    estimatedMinutes: patch.estimatedMinutes ?? (newTemplate ? newTemplate.estimatedMinutes : record.estimatedMinutes),
    contract,
    previous: newTemplate ? undefined : record.estimatedCostMinor,
  });
  return {
    estimatedCostMinor,
    approvalRequired: needsApproval(template, estimatedCostMinor),
    ...(newTemplate && newTemplate.jobType !== record.jobType ? { approvedCostMinor: undefined } : {}),
  };
}

/**
 * Sends a `logged` work order whose details the office completed on to approval or scheduling. Starting the
 * execution is idempotent, so this also sets off a work order whose execution was never started.
 */
export async function release(options: { workOrderId: string; actor: string }) {
  const { record } = await change({
    workOrderId: options.workOrderId,
    decide: (current) => {
      if (current.status !== 'logged') {
        throw new Conflict(
          'workorder.invalid_transition',
          `Only a logged work order can be released; this one is ${current.status}.`,
        );
      }
      if (!detailsComplete(current)) {
        throw new ValidationFailed('Complete the customer, site and job type before releasing the work order.');
      }
      return {
        set: {},
        entries: [{ at: new Date().toISOString(), actor: options.actor, type: 'released' }],
        answers: 'release',
      };
    },
  });
  await startWorkOrder(options.workOrderId);
  return record;
}

/**
 * Approves a work order pending approval. Approving one that was approved already is a replay and changes
 * nothing; approving one that never waited for approval is 409.
 */
export async function approve(options: { workOrderId: string; actor: string }) {
  const { record } = await change({
    workOrderId: options.workOrderId,
    decide: (current) => {
      const approvedBefore = current.stageTimes?.pending_approval !== undefined && current.stageTimes.ready_to_schedule;
      if (current.status !== 'pending_approval' && approvedBefore && !terminalStatuses.includes(current.status))
        return null;
      if (current.status !== 'pending_approval') {
        throw new Conflict(
          'workorder.invalid_transition',
          `Only a work order pending approval can be approved; this one is ${current.status}.`,
        );
      }
      const approved = statusChange(current, 'ready_to_schedule', options.actor, 'Approved');
      return { ...approved, set: { ...approved.set, approvedCostMinor: current.estimatedCostMinor ?? 0 } };
    },
  });
  return record;
}

export async function reject(options: { workOrderId: string; actor: string; reason: string }) {
  const { record } = await transition({
    workOrderId: options.workOrderId,
    to: 'rejected',
    actor: options.actor,
    reason: options.reason,
    guard: (current) => {
      if (current.status !== 'pending_approval' && current.status !== 'rejected') {
        throw new Conflict(
          'workorder.invalid_transition',
          `Only a work order pending approval can be rejected; this one is ${current.status}.`,
        );
      }
    },
    resumeWith: { error: 'WorkOrder.Rejected', cause: options.reason },
  });
  return record;
}

export async function cancel(options: { workOrderId: string; actor: string; reason: string }) {
  return (
    await transition({
      workOrderId: options.workOrderId,
      to: 'cancelled',
      actor: options.actor,
      reason: options.reason,
    })
  ).record;
}
