import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Contact } from '../db/entities/customer.ts';
import type { EmailOrigin, FreeSite, LinkedRequest, Unverified } from '../db/entities/work-order.ts';
import type { QuoteRecord } from '../db/quotes.ts';
import {
  type AssetRecord,
  type CustomerRecord,
  getCustomer,
  getJobTemplate,
  getSite,
  type JobTemplateRecord,
  type SiteRecord,
} from '../db/reference.ts';
import {
  createWorkOrder,
  getWorkOrder,
  listByCustomer,
  nextInSequence,
  type OpenJobClaim,
  openJobHolder,
  settleOwed,
  type WorkOrderRecord,
} from '../db/work-orders.ts';
import { NotFound, ValidationFailed } from '../errors.ts';
import { faultPoint } from '../faults.ts';
import { concerning, count, logger } from '../observability.ts';
import { startWorkOrder } from '../workflow.ts';
import { estimateFor, needsApproval } from './approval.ts';
import { categories, findCategory } from './categories.ts';
import { LatLng, PartLine, Priority, type Source } from './model.ts';
import { knownParts, ownAsset, ownSite } from './references.ts';
import { slaDueAt, triage } from './triage.ts';
import { change } from './work-order.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const Timestamp = z.iso.datetime({ offset: true });
/** When the customer wants the visit: service must start within it. */
const PreferredWindow = z
  .strictObject({ from: Timestamp, to: Timestamp })
  .refine((w) => Date.parse(w.from) < Date.parse(w.to), 'The window must end after it starts.');

/** What a customer may send: no priority, status, engineer or price (unknown fields are refused). */
export const SubmitRequest = z.strictObject({
  siteId: text(64).optional(),
  site: z
    .strictObject({
      address: text(300),
      postcode: text(16),
      lat: LatLng.shape.lat.optional(),
      lng: LatLng.shape.lng.optional(),
    })
    .optional(),
  assetId: text(64).optional(),
  category: z.enum(categories.map((c) => c.id) as [string, ...string[]]),
  description: text(4000),
  contact: z.strictObject({
    name: text(200),
    phone: text(40).optional(),
    email: z.email().max(254).optional(),
  }),
  preferredWindow: PreferredWindow.optional(),
  /** Where it was made: `web` from the web form; `api`, the default, from a client of the business's own. */
  source: z.enum(['api', 'web']).optional(),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;

/** What the office sends to create a work order; defaults come from the job template. */
export const CreateWorkOrder = z.strictObject({
  customerId: text(64),
  siteId: text(64),
  assetIds: z.array(text(64)).max(20).optional(),
  jobType: text(64),
  description: text(4000),
  priority: Priority.optional(),
  requiredSkills: z.array(text(64)).max(20).optional(),
  requiredCertifications: z.array(text(64)).max(20).optional(),
  parts: z.array(PartLine).max(100).optional(),
  estimatedMinutes: z.number().int().positive().max(10_000).optional(),
  estimatedCostMinor: z.number().int().nonnegative().max(1_000_000_000).optional(),
  accessInstructions: text(2000).optional(),
  safetyNotes: text(2000).optional(),
  preferredWindow: PreferredWindow.optional(),
});
export type CreateWorkOrder = z.infer<typeof CreateWorkOrder>;

/** Ids derive from the caller and their idempotency key, so a retry after a fault finds the same work order. */
function workOrderIdFor(scope: string, idempotencyKey: string): string {
  return `wo_${createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('base64url').slice(0, 22)}`;
}

/** How long an open work order absorbs further requests for the same site and category. */
export const duplicateWindowDays = 7;

/**
 * Logs a customer's request. Priority and SLA come from triage and the customer's contract. A request at a known
 * site whose category maps to a job template goes on by itself; one with only a free-text address waits for the
 * office to complete it (the state machine parks it in `logged`). A further request for the same site and category
 * while a work order for it is open (logged within the window) is linked to that work order instead of becoming a
 * second job; the office sees the link and can split it off.
 */
export async function submitRequest(options: {
  customerId: string;
  actor: string;
  idempotencyKey: string;
  request: SubmitRequest;
  source?: Source;
}): Promise<{ record: WorkOrderRecord; linked: boolean }> {
  const { request } = options;
  const customer = await getCustomer(options.customerId);
  if (!customer) throw new NotFound('customer', options.customerId);
  const site = request.siteId ? await ownSite(customer, request.siteId) : undefined;
  if (!site && !request.site) throw new ValidationFailed('Give a siteId or a site address.');
  if (request.assetId) await ownAsset(customer, request.assetId, site);
  const requestId = workOrderIdFor(`${options.actor}#request`, options.idempotencyKey);
  const source = options.source ?? 'api';
  return logOrLink({
    siteId: site?.siteId,
    categoryId: request.category,
    requestId,
    link: (open) => linkRequest(open, { requestId, actor: options.actor, source, request }),
    log: (openJob) => logRequest({ customer, site, request, requestId, actor: options.actor, source, openJob }),
  });
}

/**
 * A customer request at a known site is linked to the open job of that site and category, if there is one, or
 * logged as that open job: the slot is claimed in the same write as the work order, so of simultaneous requests
 * exactly one becomes the job and the others are linked to it.
 */
async function logOrLink(options: {
  siteId: string | undefined;
  categoryId: string;
  requestId: string;
  link: (open: WorkOrderRecord) => Promise<WorkOrderRecord>;
  log: (openJob?: OpenJobClaim) => Promise<WorkOrderRecord>;
}): Promise<{ record: WorkOrderRecord; linked: boolean }> {
  const { siteId, categoryId, requestId } = options;
  if (!siteId) return { record: await options.log(), linked: false };
  for (let attempt = 0; ; attempt++) {
    const slot = await openJobOf(siteId, categoryId, requestId);
    if (slot.open) return { record: await options.link(slot.open), linked: true };
    try {
      return { record: await options.log({ siteId, categoryId, lapsedHolder: slot.lapsedHolder }), linked: false };
    } catch (error) {
      // Another request took the slot between our read and our write: link to it on the next pass.
      if (!(error instanceof SlotTaken) || attempt >= 5) throw error;
    }
  }
}

/** The open job holding a site's slot for a category, or the lapsed holder a new job may take the slot over from. */
async function openJobOf(siteId: string, categoryId: string, requestId: string) {
  const held = await openJobHolder(siteId, categoryId);
  // A retry of a request that became a job of its own answers that job, whoever holds the slot now.
  if (!held || held.workOrderId === requestId || (await getWorkOrder(requestId))) return {};
  const holder = await getWorkOrder(held.workOrderId);
  const windowStart = new Date(Date.now() - duplicateWindowDays * 86_400_000).toISOString();
  const open = holder && holder.board === 'open' && holder.status !== 'completed' && holder.loggedAt >= windowStart;
  return open ? { open: holder } : { lapsedHolder: held.workOrderId };
}

/** The site and category already have an open job: this request is linked to it instead. */
class SlotTaken extends Error {}

/** The customer's open work order among those a message names, looked for among their latest 200. */
async function openWorkOrderNamed(customerId: string, refs: string[]): Promise<WorkOrderRecord | undefined> {
  if (refs.length === 0) return undefined;
  const { items } = await listByCustomer(customerId, { limit: 200 });
  return items.find((wo) => refs.includes(wo.ref) && wo.board === 'open' && wo.status !== 'completed');
}

async function linkRequest(
  open: WorkOrderRecord,
  linked: Omit<LinkedRequest, 'at' | 'request'> & { request: SubmitRequest },
  reason = 'A further request for the same site and category',
) {
  const { record } = await change({
    workOrderId: open.workOrderId,
    decide: (current) =>
      current.linkedRequests?.some((r) => r.requestId === linked.requestId)
        ? null
        : {
            set: {
              linkedRequests: [...(current.linkedRequests ?? []), { ...linked, at: new Date().toISOString() }],
            },
            entries: [
              {
                at: new Date().toISOString(),
                actor: linked.actor,
                type: 'request_linked',
                reason,
                data: { requestId: linked.requestId, description: linked.request.description, source: linked.source },
              },
            ],
          },
  });
  concerning(record.workOrderId);
  logger.info('request linked to an open work order', { linkedRequestId: linked.requestId, source: linked.source });
  return record;
}

/** Logs a request as a work order of its own. */
async function logRequest(options: {
  customer: CustomerRecord;
  site: SiteRecord | undefined;
  request: SubmitRequest;
  requestId: string;
  actor: string;
  source: Source;
  openJob?: OpenJobClaim;
}) {
  const { customer, site, request } = options;
  const category = findCategory(request.category);
  const template = category ? await getJobTemplate(category.jobType) : undefined;
  const loggedAt = new Date();
  const triaged = triage({
    categoryId: request.category,
    description: request.description,
    loggedAt,
    contract: customer.contract,
  });
  return log({
    workOrderId: options.requestId,
    loggedAt,
    actor: options.actor,
    source: options.source,
    customer,
    site,
    freeSite: site ? undefined : request.site,
    assetIds: request.assetId ? [request.assetId] : [],
    categoryId: request.category,
    template,
    description: request.description,
    contact: request.contact,
    preferredWindow: request.preferredWindow,
    priority: triaged.priority,
    triageReasons: triaged.reasons,
    slaDueAt: triaged.slaDueAt,
    openJob: options.openJob,
  });
}

/**
 * Logs a request that arrived by e-mail, once per message (the id derives from its key). A sender attributed to a
 * customer is logged like a request from the API, and linked instead to an open work order of theirs that the
 * message names by ref (a reply about a job), or else to one for the same site and category, if there is one. Anything else is logged with no customer, flagged `unverified` with the reasons, for the
 * office to check: never dropped, never attributed on a guess.
 */
export async function logEmailRequest(options: {
  messageKey: string;
  actor: string;
  customer?: CustomerRecord;
  site?: SiteRecord;
  contact: Contact;
  categoryId: string;
  description: string;
  email: EmailOrigin;
  unverified?: Unverified;
  /** Work order refs the message names (`WO-000123`): a message about an open one of the customer's is linked to it. */
  mentions: string[];
}): Promise<{ record: WorkOrderRecord; linked: boolean }> {
  const { customer, site } = options;
  const requestId = workOrderIdFor('email#request', options.messageKey);
  const request: SubmitRequest = {
    siteId: site?.siteId,
    category: options.categoryId,
    description: options.description,
    contact: options.contact,
  };
  const about = customer ? await openWorkOrderNamed(customer.customerId, options.mentions) : undefined;
  if (about) {
    const linked = {
      requestId,
      actor: options.actor,
      source: 'email' as const,
      request: { ...request, siteId: about.siteId },
    };
    return { record: await linkRequest(about, linked, `A message about ${about.ref}`), linked: true };
  }
  const category = findCategory(options.categoryId);
  const template = category ? await getJobTemplate(category.jobType) : undefined;
  const loggedAt = new Date();
  const triaged = triage({
    categoryId: options.categoryId,
    description: options.description,
    loggedAt,
    contract: customer?.contract,
  });
  return logOrLink({
    // An unattributed message never claims or joins a customer's open job.
    siteId: customer ? site?.siteId : undefined,
    categoryId: options.categoryId,
    requestId,
    link: (open) => linkRequest(open, { requestId, actor: options.actor, source: 'email', request }),
    log: (openJob) =>
      log({
        workOrderId: requestId,
        loggedAt,
        actor: options.actor,
        source: 'email',
        customer,
        site,
        assetIds: [],
        categoryId: options.categoryId,
        template,
        description: options.description,
        contact: options.contact,
        priority: triaged.priority,
        triageReasons: triaged.reasons,
        slaDueAt: triaged.slaDueAt,
        email: options.email,
        unverified: options.unverified,
        openJob,
      }),
  });
}

/**
 * The office splits a linked request off into a work order of its own (it was a different job after all), with
 * the id it would have had; the original keeps a timeline entry of the split.
 */
export async function splitRequest(options: { workOrderId: string; requestId: string; actor: string }) {
  const original = await getWorkOrder(options.workOrderId);
  if (!original) throw new NotFound('work_order', options.workOrderId);
  const linked = original.linkedRequests?.find((r) => r.requestId === options.requestId);
  const already = await getWorkOrder(options.requestId);
  if (!linked) {
    if (already) return already;
    throw new NotFound('linked_request', options.requestId);
  }
  const customer = original.customerId ? await getCustomer(original.customerId) : undefined;
  if (!customer) throw new NotFound('customer', original.customerId ?? '');
  const request = SubmitRequest.parse(linked.request);
  const site = request.siteId ? await ownSite(customer, request.siteId) : undefined;
  const split = await logRequest({
    customer,
    site,
    request,
    requestId: linked.requestId,
    actor: linked.actor,
    source: linked.source,
  });
  await change({
    workOrderId: original.workOrderId,
    decide: (current) =>
      current.linkedRequests?.some((r) => r.requestId === options.requestId)
        ? {
            set: { linkedRequests: current.linkedRequests.filter((r) => r.requestId !== options.requestId) },
            entries: [
              {
                at: new Date().toISOString(),
                actor: options.actor,
                type: 'request_split',
                data: { requestId: options.requestId, workOrderId: split.workOrderId, ref: split.ref },
              },
            ],
          }
        : null,
  });
  return split;
}

/** Creates a work order for the office, with the job template's defaults for whatever it leaves out. */
export async function createForOffice(options: {
  actor: string;
  idempotencyKey: string;
  request: CreateWorkOrder;
}): Promise<WorkOrderRecord> {
  const { request } = options;
  const customer = await getCustomer(request.customerId);
  if (!customer) throw new NotFound('customer', request.customerId);
  const site = await ownSite(customer, request.siteId);
  for (const assetId of request.assetIds ?? []) await ownAsset(customer, assetId, site);
  const template = await getJobTemplate(request.jobType);
  if (!template) {
    throw new ValidationFailed(`Unknown job type ${request.jobType}.`, [
      { path: 'body.jobType', message: 'Not a job template of this instance.' },
    ]);
  }
  const loggedAt = new Date();
  const categoryId = categories.find((c) => c.jobType === request.jobType)?.id ?? 'general_maintenance';
  const triaged = triage({ categoryId, description: request.description, loggedAt, contract: customer.contract });
  const priority = request.priority ?? triaged.priority;
  return log({
    workOrderId: workOrderIdFor(`${options.actor}#work-order`, options.idempotencyKey),
    loggedAt,
    actor: options.actor,
    source: 'office',
    customer,
    site,
    assetIds: request.assetIds ?? [],
    categoryId,
    template,
    description: request.description,
    preferredWindow: request.preferredWindow,
    priority,
    triageReasons: request.priority ? [`priority ${priority} set by the office`] : triaged.reasons,
    slaDueAt: request.priority ? slaDueAt({ priority, loggedAt, contract: customer.contract }) : triaged.slaDueAt,
    overrides: request,
  });
}

/** The id of an asset's planned service for a due date: one booking per asset and date, whoever books it. */
export const plannedServiceId = (assetId: string, dueDate: string) => `wo_plan_${assetId}_${dueDate}`;

/**
 * Books an asset's next planned service as a `logged` work order for its due date, once per asset and date (the id
 * derives from both, {@link plannedServiceId}). Its execution starts when it falls due (the planned maintenance run) or the office releases it.
 */
export async function planService(options: { asset: AssetRecord; dueDate: string; actor: string }) {
  const { asset, dueDate } = options;
  if (!asset.servicePlan) throw new ValidationFailed(`Asset ${asset.assetId} has no service plan.`);
  const [customer, site, template] = await Promise.all([
    getCustomer(asset.customerId),
    getSite(asset.siteId),
    getJobTemplate(asset.servicePlan.jobType),
  ]);
  if (!customer || !site || !template) throw new NotFound('asset', asset.assetId);
  return log({
    workOrderId: plannedServiceId(asset.assetId, dueDate),
    loggedAt: new Date(),
    actor: options.actor,
    source: 'planned',
    customer,
    site,
    assetIds: [asset.assetId],
    categoryId: categories.find((c) => c.jobType === template.jobType)?.id ?? 'general_maintenance',
    template,
    description: `Planned ${template.name.toLowerCase()} (${asset.type}), due ${dueDate}`,
    priority: 'P4',
    triageReasons: ["planned maintenance from the asset's service plan"],
    slaDueAt: `${dueDate}T23:59:59.000Z`,
    plannedFor: dueDate,
  });
}

/**
 * Logs the return visit a completed job needs (`follow_up_required`), linked to it and carrying its notes and
 * findings, once per original (the id derives from it). It then goes through matching like any work order.
 */
export async function logFollowUp(options: { original: WorkOrderRecord; actor: string }) {
  const { original } = options;
  const completion = original.completion;
  if (!original.customerId || !completion)
    throw new ValidationFailed(`Work order ${original.ref} cannot be followed up.`);
  const [customer, site, template] = await Promise.all([
    getCustomer(original.customerId),
    original.siteId ? getSite(original.siteId) : undefined,
    original.jobType ? getJobTemplate(original.jobType) : undefined,
  ]);
  if (!customer) throw new NotFound('customer', original.customerId);
  const loggedAt = new Date();
  return log({
    workOrderId: `wo_fu_${original.workOrderId.replace(/^wo_/, '')}`,
    loggedAt,
    actor: options.actor,
    source: 'follow_up',
    customer,
    site,
    freeSite: original.site,
    assetIds: original.assetIds ?? [],
    categoryId: original.categoryId ?? 'general_maintenance',
    template,
    description: `Follow-up to ${original.ref}: ${completion.followUp ?? completion.findings}`,
    contact: original.contact,
    priority: original.priority,
    triageReasons: [`follow-up to ${original.ref}, at its priority`],
    slaDueAt: slaDueAt({ priority: original.priority, loggedAt, contract: customer.contract }),
    followUpOf: original,
  });
}

/**
 * The work order an accepted quote becomes, once per quote (the id derives from it): the quote's part lines as its
 * parts, its total as the estimate, and no approval step, since the customer has agreed the price.
 */
export async function logFromQuote(options: { quote: QuoteRecord; actor: string }) {
  const { quote } = options;
  const customer = await getCustomer(quote.customerId);
  if (!customer) throw new NotFound('customer', quote.customerId);
  const [site, template] = await Promise.all([ownSite(customer, quote.siteId), getJobTemplate(quote.jobType)]);
  if (!template) throw new ValidationFailed(`Unknown job type ${quote.jobType}.`);
  const loggedAt = new Date();
  const categoryId = categories.find((c) => c.jobType === quote.jobType)?.id ?? 'general_maintenance';
  const triaged = triage({ categoryId, description: quote.description, loggedAt, contract: customer.contract });
  return log({
    workOrderId: `wo_q_${quote.quoteId.replace(/^q_/, '')}`,
    loggedAt,
    actor: options.actor,
    source: 'quote',
    customer,
    site,
    assetIds: quote.assetIds ?? [],
    categoryId,
    template,
    description: `${quote.description} (quote ${quote.number})`,
    priority: triaged.priority,
    triageReasons: [...triaged.reasons, `accepted quote ${quote.number}`],
    slaDueAt: triaged.slaDueAt,
    overrides: {
      parts: quote.lines.flatMap((line) => (line.sku ? [{ sku: line.sku, qty: line.qty }] : [])),
      estimatedCostMinor: quote.totalMinor,
    },
    quoteId: quote.quoteId,
  });
}

interface LogOptions {
  workOrderId: string;
  loggedAt: Date;
  actor: string;
  source: Source;
  /** Absent only for an unverified e-mail, which the office attributes. */
  customer?: CustomerRecord;
  site?: SiteRecord;
  freeSite?: FreeSite;
  assetIds: string[];
  categoryId: string;
  template?: JobTemplateRecord;
  description: string;
  contact?: WorkOrderRecord['contact'];
  preferredWindow?: WorkOrderRecord['preferredWindow'];
  priority: Priority;
  triageReasons: string[];
  slaDueAt: string;
  overrides?: Partial<CreateWorkOrder>;
  /** A planned visit: its execution starts when it falls due, not now. */
  plannedFor?: string;
  /** The visit this one follows up, whose notes it carries. */
  followUpOf?: WorkOrderRecord;
  /** The accepted quote it carries out: the customer agreed the price, so it needs no further approval. */
  quoteId?: string;
  email?: EmailOrigin;
  unverified?: Unverified;
  /** The site-and-category slot a customer request claims as the open job there. */
  openJob?: OpenJobClaim;
}

/** Channels that log a work order as a side effect of another invocation's work. */
const sidelong: readonly Source[] = ['planned', 'follow_up'];

/** Writes the new work order with its first timeline entry and starts its execution (both idempotent). */
async function log(options: LogOptions): Promise<WorkOrderRecord> {
  const { template, overrides = {}, customer, site } = options;
  const parts = overrides.parts ?? template?.defaultParts ?? [];
  await knownParts(parts);
  // An accepted quote's price is what the customer agreed; anything else is never estimated below its own price.
  const estimatedCostMinor = options.quoteId
    ? overrides.estimatedCostMinor
    : template
      ? await estimateFor({
          template,
          parts,
          estimatedMinutes: overrides.estimatedMinutes,
          contract: customer?.contract,
          declaredMinor: overrides.estimatedCostMinor,
        })
      : overrides.estimatedCostMinor;
  const at = options.loggedAt.toISOString();
  const location =
    site ?? (options.freeSite?.lat !== undefined && options.freeSite.lng !== undefined ? options.freeSite : undefined);
  const record: WorkOrderRecord = {
    workOrderId: options.workOrderId,
    ref: `WO-${String(await nextInSequence('workOrderRef')).padStart(6, '0')}`,
    version: 1,
    status: 'logged',
    board: 'open',
    priority: options.priority,
    triageReasons: options.triageReasons,
    slaDueAt: options.slaDueAt,
    loggedAt: at,
    updatedAt: at,
    source: options.source,
    owner: 'dispatch',
    customerId: customer?.customerId,
    siteId: site?.siteId,
    site: options.freeSite,
    location: location ? { lat: location.lat as number, lng: location.lng as number } : undefined,
    timeZone: site?.timeZone,
    assetIds: options.assetIds,
    categoryId: options.categoryId,
    jobType: template?.jobType,
    description: options.description,
    contact: options.contact ?? customer?.contacts[0],
    preferredWindow: options.preferredWindow,
    requiredSkills: overrides.requiredSkills ?? template?.requiredSkills,
    requiredCertifications: overrides.requiredCertifications ?? template?.requiredCertifications,
    parts,
    estimatedMinutes: overrides.estimatedMinutes ?? template?.estimatedMinutes,
    estimatedCostMinor,
    accessInstructions: overrides.accessInstructions ?? site?.accessInstructions,
    safetyNotes: overrides.safetyNotes ?? template?.safetyNotes,
    approvalRequired: template && !options.quoteId ? needsApproval(template, estimatedCostMinor ?? 0) : false,
    refusedBy: [],
    stageTimes: { logged: at },
    plannedFor: options.plannedFor,
    checklist: template?.checklist,
    requiresSignature: template?.requiresSignature,
    followUpOf: options.followUpOf?.workOrderId,
    quoteId: options.quoteId,
    notes: options.followUpOf?.notes,
    email: options.email,
    unverified: options.unverified,
  };
  const created = await createWorkOrder(
    record,
    {
      at,
      actor: options.actor,
      type: 'logged',
      to: 'logged',
      reason: `Logged from ${options.source}, priority ${options.priority}`,
      data: { triage: options.triageReasons },
    },
    { owed: options.plannedFor ? undefined : { action: 'start_execution' }, openJob: options.openJob },
  );
  if (created.outcome === 'slot_taken') throw new SlotTaken();
  const stored = created.outcome === 'created' ? record : await getWorkOrder(record.workOrderId);
  if (!stored) throw new Error(`Work order ${record.workOrderId} vanished after it was created`);
  if (created.outcome === 'created') {
    count('WorkOrdersLogged');
    logger.info('work order logged', {
      workOrderId: stored.workOrderId,
      source: stored.source,
      priority: stored.priority,
      followUpOf: stored.followUpOf,
    });
  }
  // What a request (by API, web form, e-mail, the office or an accepted quote) is about from here on; a planned
  // service or a follow-up is logged on behalf of another job or the daily run, whose lines keep their own.
  if (!sidelong.includes(stored.source)) concerning(stored.workOrderId);
  if (!options.plannedFor) {
    faultPoint('after-create-before-start');
    await startWorkOrder(stored.workOrderId);
  }
  if (created.outboxId) await settleOwed(created.outboxId);
  return stored;
}
