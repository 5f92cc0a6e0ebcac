import { siteHistory } from '../db/assets.ts';
import { type AssetVisitRecord, assetHistory, getCustomer, getEngineer, getParts, getSite } from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { estimatedTravel } from '../scheduling/travel.ts';
import { assignedTo, myJobs } from './field.ts';
import { engineer as engineerView } from './views.ts';

/**
 * Everything the engineer needs on site, in one read: the job, who to call, how to get in and what to watch for,
 * the parts and where they are stocked, the job sheet to fill in, and what earlier visits to this site and its
 * assets found, newest first, so what the last engineer flagged is waiting for the next one.
 */
export async function jobPack(options: { workOrderId: string; engineerId: string }) {
  const record = await assignedTo(options.workOrderId, options.engineerId);
  const [customer, site, parts, siteVisits, assetVisits] = await Promise.all([
    record.customerId ? getCustomer(record.customerId) : undefined,
    record.siteId ? getSite(record.siteId) : undefined,
    getParts((record.parts ?? []).map((p) => p.sku)),
    record.siteId ? siteHistory(record.siteId) : [],
    Promise.all((record.assetIds ?? []).map((assetId) => assetHistory(assetId, 20))),
  ]);
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
  };
}

/**
 * The engineer's day in route order, each job with its ETA: its planned start, or later when the job before it
 * (and the drive from there) runs past that.
 */
export async function myDay(options: { engineerId: string; date: string }) {
  const [engineer, jobs] = await Promise.all([getEngineer(options.engineerId), myJobs(options)]);
  let at = engineer?.homeBase;
  let free = Number.NEGATIVE_INFINITY;
  return jobs
    .filter((record) => record.status !== 'cancelled')
    .map((record: WorkOrderRecord) => {
      const drive = at && record.location ? estimatedTravel.minutes(at, record.location) * 60_000 : 0;
      const planned = Date.parse(record.scheduledStart ?? options.date);
      const eta = Math.max(planned, free + drive);
      free = eta + (record.estimatedMinutes ?? 60) * 60_000;
      at = record.location ?? at;
      return { ...engineerView(record), eta: new Date(Math.ceil(eta / 60_000) * 60_000).toISOString() };
    });
}
