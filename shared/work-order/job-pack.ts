import { nextDueAfter } from '../closeout/asset-history.ts';
import { siteHistory } from '../db/assets.ts';
import { findInvoiceOf } from '../db/invoices.ts';
import {
  type AssetRecord,
  type AssetVisitRecord,
  assetHistory,
  getAssets,
  getCustomer,
  getEngineer,
  getParts,
  getSite,
} from '../db/reference.ts';
import { getWorkOrder, type WorkOrderRecord } from '../db/work-orders.ts';
import { estimatedTravel } from '../scheduling/travel.ts';
import { certificatesFor } from './certificates.ts';
import { assignedTo, myJobs } from './field.ts';
import { plannedServiceId } from './intake.ts';
import type { Visit } from './model.ts';
import { engineer as engineerView } from './views.ts';

/**
 * Everything the engineer needs on site, in one read: the job, who to call, how to get in and what to watch for,
 * the assets, the parts and where they are stocked, the job sheet to fill in, the certifications the job needs
 * against the engineer's own (with those about to run out), and what earlier visits to this site and its assets
 * found, newest first, so what the last engineer flagged is waiting for the next one. Once the job is completed, what
 * closeout has done so far. The engineer who did the job still reads it after closeout; one it was taken from does
 * not (404).
 */
export async function jobPack(options: { workOrderId: string; engineerId: string }) {
  const record = await assignedTo(options.workOrderId, options.engineerId);
  const assetIds = record.assetIds ?? [];
  const [customer, site, parts, siteVisits, assetVisits, assets, engineer] = await Promise.all([
    record.customerId ? getCustomer(record.customerId) : undefined,
    record.siteId ? getSite(record.siteId) : undefined,
    getParts((record.parts ?? []).map((p) => p.sku)),
    record.siteId ? siteHistory(record.siteId) : [],
    Promise.all(assetIds.map((assetId) => assetHistory(assetId, 20))),
    getAssets(assetIds),
    getEngineer(options.engineerId),
  ]);
  const jobAssets = assetIds.flatMap((assetId) => assets.filter((asset) => asset.assetId === assetId));
  const contact = record.contact ?? customer?.contacts[0];
  const visits = new Map<string, Omit<AssetVisitRecord, 'assetId'>>();
  for (const visit of [...siteVisits, ...assetVisits.flat()]) {
    if (visit.workOrderId !== record.workOrderId) visits.set(visit.workOrderId, visit);
  }
  return {
    workOrder: engineerView(record),
    customer: {
      name: customer?.name ?? contact?.name ?? null,
      phone: contact?.phone ?? null,
      email: contact?.email ?? null,
    },
    site: {
      address: site?.address ?? record.site?.address ?? null,
      postcode: site?.postcode ?? record.site?.postcode ?? null,
      accessInstructions: record.accessInstructions ?? site?.accessInstructions ?? null,
      hazards: site?.hazards ?? [],
    },
    parts: (record.parts ?? []).map((line) => {
      const part = parts.find((p) => p.sku === line.sku);
      return { ...line, name: part?.name ?? line.sku, inStock: part?.stock ?? 0, location: part?.location ?? null };
    }),
    assets: jobAssets.map((asset) => ({
      id: asset.assetId,
      type: asset.type,
      make: asset.make ?? null,
      model: asset.model ?? null,
      installedAt: asset.installedAt ?? null,
      lastServicedAt: asset.lastServicedAt ?? null,
      nextServiceDue: asset.nextServiceDue ?? null,
    })),
    checklist: record.checklist ?? [],
    requiresSignature: record.requiresSignature === true,
    safetyNotes: record.safetyNotes ?? null,
    previousVisits: [...visits.values()]
      .sort((a, b) => b.completedAt.localeCompare(a.completedAt))
      .map((visit) => ({
        workOrderId: visit.workOrderId,
        ref: visit.ref,
        date: visit.completedAt,
        outcome: visit.outcome,
        findings: visit.findings ?? null,
        workDone: visit.workDone ?? null,
        notes: visit.notes ?? [],
      })),
    certificates: certificatesFor({
      required: record.requiredCertifications ?? [],
      held: engineer?.certifications ?? [],
      on: new Date(),
    }),
    closeout: await closeoutOf(record, jobAssets),
  };
}

/**
 * What closeout has done for a completed job, as far as it has got (`pending` until it has closed the job, `done`
 * after): the invoice once raised (its number follows a moment after, numbering without gaps), the soonest next
 * service it booked for the job's assets, and the follow-up visit it logged. `null` before completion.
 */
async function closeoutOf(record: WorkOrderRecord, assets: AssetRecord[]) {
  if (!record.completion || (record.status !== 'completed' && record.status !== 'closed')) return null;
  const [invoice, booked] = await Promise.all([
    findInvoiceOf(record.workOrderId),
    Promise.all(
      assets.map(async (asset) => {
        // The due date closeout books from this visit, counted only once the booking exists.
        const due = nextDueAfter(asset, record);
        return due && (await getWorkOrder(plannedServiceId(asset.assetId, due))) ? due : undefined;
      }),
    ),
  ]);
  return {
    status: record.status === 'closed' ? ('done' as const) : ('pending' as const),
    invoice: invoice
      ? {
          id: invoice.invoiceId,
          number: invoice.number ?? null,
          totalMinor: invoice.totalMinor,
          currency: invoice.currency,
        }
      : null,
    nextServiceDue: booked.filter((due) => due !== undefined).sort()[0] ?? null,
    followUpWorkOrderId: record.followUpId ?? null,
  };
}

/**
 * The engineer's day in route order, each job with its ETA: its planned start, or later when the job before it
 * (and the drive from there) runs past that.
 */
export async function myDay(options: { engineerId: string; date?: string }) {
  const [engineer, { date, jobs }] = await Promise.all([getEngineer(options.engineerId), myJobs(options)]);
  let at = engineer?.homeBase;
  let free = Number.NEGATIVE_INFINITY;
  const items = jobs
    .filter(({ record }) => record.status !== 'cancelled')
    .map(({ record, visit }: { record: WorkOrderRecord; visit?: Visit }) => {
      const drive = at && record.location ? estimatedTravel.minutes(at, record.location) * 60_000 : 0;
      const planned = Date.parse(visit?.start ?? record.scheduledStart ?? date);
      const eta = Math.max(planned, free + drive);
      free = eta + (visit ? Date.parse(visit.end) - Date.parse(visit.start) : (record.estimatedMinutes ?? 60) * 60_000);
      at = record.location ?? at;
      return {
        ...engineerView(record),
        eta: new Date(Math.ceil(eta / 60_000) * 60_000).toISOString(),
        ...(visit && { visit }),
      };
    });
  return { date, items };
}
