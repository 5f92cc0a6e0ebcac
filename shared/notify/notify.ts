import type * as z from 'zod';
import { outcomeLabels, priorityLabels } from '../../common/labels.js';
import { config } from '../config.ts';
import { type BusinessRecord, getBusiness } from '../db/business.ts';
import type { DocumentRecord } from '../db/documents.ts';
import { getInvoice } from '../db/invoices.ts';
import {
  claimMessage,
  getMessage,
  getSuppression,
  listMessagesAbout,
  type MessageRecord,
  noteFailure,
  settleMessage,
} from '../db/messages.ts';
import { getPurchaseOrder } from '../db/purchase-orders.ts';
import { getQuote } from '../db/quotes.ts';
import { type CustomerRecord, getCustomer, getEngineer, getSite, getSupplier } from '../db/reference.ts';
import { getReorder } from '../db/stock.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import {
  documentBytes,
  dueDateOf,
  fileNameOf,
  invoiceDocument,
  jobDocuments,
  purchaseOrderDocument,
  quoteDocument,
} from '../documents/documents.ts';
import { DomainError } from '../errors.ts';
import type { FeedEvent } from '../feed-event.ts';
import { count, logger } from '../observability.ts';
import { PurchaseOrders } from '../purchasing/index.ts';
import { defaultTimeZone } from '../time/zone.ts';
import { get } from '../work-order/work-order.ts';
import { type Delivery, deliveryFor, ukMobile } from './channels.ts';
import { type MessageView, renderTemplate, type TemplateName } from './templates.ts';
import { transport } from './transport.ts';

type Event = Pick<z.output<typeof FeedEvent>, 'cursor' | 'type' | 'at' | 'workOrderId' | 'data'>;

/** Another sender holds the message right now: the event is retried later, when it has sent it or given up. */
export class MessageInFlight extends DomainError {
  constructor(messageId: string) {
    super('notify.in_flight', 409, `Message ${messageId} is being sent by another attempt.`);
  }
}

/** One message an event calls for, before its channel is chosen. */
interface Planned {
  messageId: string;
  audience: 'customer' | 'office' | 'supplier';
  template: TemplateName;
  view: MessageView;
  about: string;
  workOrderId?: string;
  customerId?: string;
  /** The customer's contact (with their preferences), or the office's address. */
  contact: { name?: string; email?: string; phone?: string; notifications?: CustomerContact['notifications'] };
  documents: DocumentRecord[];
  detail?: string;
  /** The recipient's clock, for quiet hours: the site's zone for a job's customer, else the business's. */
  timeZone?: string;
}

type CustomerContact = CustomerRecord['contacts'][number];

/**
 * What the business tells its customers and its office about one change-feed event, sent once: the documents the
 * event makes are made first (the job report, the invoice's or quote's PDF), then each message the event calls
 * for is written (`sending`), sent by the contact's channel and settled (`sent`, or `skipped` with why) with an entry
 * on the work order's timeline. A replayed event finds its messages settled and sends nothing. A provider's failure
 * is thrown, for the queue to retry the event; nothing here is ever in the lifecycle's way.
 */
export async function notify(event: Event, now = new Date()): Promise<void> {
  await raisePurchaseOrder(event);
  // Most events (time logged, notes, details changed...) tell no one: nothing is read for them.
  if (!tellsSomeone(event)) return;
  const business = await getBusiness();
  const planned = await plan(event, business, now);
  for (const message of planned) await deliver(event, message, business, now);
}

/** The events a message may come of; `plan` reads what it needs only for these. */
const telling = new Set([
  'purchaseOrder.raised',
  'purchaseOrder.cancelled',
  'invoice.issued',
  'quote.sent',
  'webhook.disabled',
]);
const tellingWorkOrder = new Set(['logged', 'replanned', 'attention_flagged', 'sla_at_risk', 'parts_requested']);
const tellingStatuses = new Set(['scheduled', 'dispatched', 'en_route', 'on_site', 'completed', 'cancelled']);

function tellsSomeone(event: Event): boolean {
  if (telling.has(event.type)) return true;
  if (!event.type.startsWith('workorder.') || !event.workOrderId) return false;
  const type = event.type.slice('workorder.'.length);
  return tellingWorkOrder.has(type) || (type === 'status_changed' && tellingStatuses.has(String(event.data?.to)));
}

async function plan(event: Event, business: BusinessRecord, now: Date): Promise<Planned[]> {
  if (event.type === 'purchaseOrder.raised') return supplierMessage(event, business, 'purchase_order');
  if (event.type === 'purchaseOrder.cancelled') return supplierMessage(event, business, 'purchase_order_cancelled');
  if (event.type === 'invoice.issued') return invoiceIssued(event, business);
  if (event.type === 'quote.sent') return quoteSent(event, business);
  if (event.type === 'webhook.disabled') return webhookDisabled(event, business);
  if (!event.type.startsWith('workorder.') || !event.workOrderId) return [];
  const type = event.type.slice('workorder.'.length);
  const data = event.data ?? {};
  const record = await get(event.workOrderId);
  const office = officeMessage(event, business, record);
  switch (type) {
    case 'logged':
      return [await customerMessage(event, business, record, loggedTemplate(record))];
    case 'status_changed':
      switch (data.to) {
        case 'scheduled':
        case 'dispatched':
          return appointment(event, business, record, now);
        case 'en_route':
          return [await customerMessage(event, business, record, 'on_the_way', now)];
        case 'on_site':
          return [await customerMessage(event, business, record, 'arrived')];
        case 'completed': {
          const message = await customerMessage(event, business, record, 'completed');
          return [{ ...message, documents: await jobDocuments(record.workOrderId) }];
        }
        case 'cancelled':
          return [await customerMessage(event, business, record, 'cancelled')];
        default:
          return [];
      }
    case 'replanned':
      return appointment(event, business, record, now);
    case 'attention_flagged':
      return office('office_attention', { reason: String(data.reason ?? '') });
    case 'sla_at_risk':
      return office('office_sla_at_risk', {});
    case 'parts_requested':
      return office('office_parts_request', { parts: partsOf(data), reason: text(data.note) });
    default:
      return [];
  }
}

function loggedTemplate(record: WorkOrderRecord): TemplateName {
  if (record.source === 'planned') return 'service_booked';
  if (record.source === 'follow_up') return 'follow_up_booked';
  return 'request_received';
}

/**
 * An appointment booked or moved: the customer hears of the arrival window (two hours from the hour the visit is
 * planned to start, local time) when it is first set, and again only when a change moves the start out of the window
 * they were told. The message's id derives from the work order and the window, so two changes racing to the same
 * window announce it once.
 */
async function appointment(event: Event, business: BusinessRecord, record: WorkOrderRecord, now: Date) {
  // The start the event set (the booking, or the day re-timed), not the job's start now: events are told in order.
  const start = text(event.data?.scheduledStart) ?? record.scheduledStart;
  // Once the engineer is on the way, the customer hears of the visit itself, not of its window.
  const booked = ['scheduled', 'dispatched', 'acknowledged'].includes(String(event.data?.to ?? 'scheduled'));
  if (!start || !booked || ['cancelled', 'rejected'].includes(record.status)) return [];
  const before = (await listMessagesAbout(record.workOrderId))
    .filter((m) => m.template.startsWith('appointment_') && m.status === 'sent' && m.eventId < event.cursor)
    .at(-1);
  const hourMs = 3_600_000;
  const told = before?.detail;
  const zone = zoneOf(business, record);
  if (
    told &&
    [0, hourMs].some((back) => windowOf(new Date(Date.parse(start) - back).toISOString(), zone).key === told)
  ) {
    return [];
  }
  const window = windowOf(start, zone);
  const template = before ? 'appointment_moved' : 'appointment_booked';
  const message = await customerMessage(event, business, record, template, now);
  return [
    {
      ...message,
      messageId: `${record.workOrderId}.appointment.${window.key}`,
      detail: window.key,
      view: {
        ...message.view,
        window: appointmentWords(window, record.visits, zone),
        previousWindow: told && windowWords(told),
      },
    },
  ];
}

async function customerMessage(
  event: Event,
  business: BusinessRecord,
  record: WorkOrderRecord,
  template: TemplateName,
  now = new Date(),
): Promise<Planned> {
  const [customer, engineer] = await Promise.all([
    record.customerId ? getCustomer(record.customerId) : undefined,
    record.engineerId ? getEngineer(record.engineerId) : undefined,
  ]);
  const contact = contactOf(customer, record.contact);
  const eta =
    record.scheduledStart && Date.parse(record.scheduledStart) > now.getTime() ? record.scheduledStart : undefined;
  return {
    messageId: `${event.cursor}.customer`,
    audience: 'customer',
    template,
    about: record.workOrderId,
    workOrderId: record.workOrderId,
    customerId: record.customerId,
    contact,
    documents: [],
    timeZone: record.timeZone,
    view: {
      ...viewOf(business, record),
      contactName: contact.name,
      engineerName: engineer?.name,
      eta: eta ? clock(eta, zoneOf(business, record)) : 'shortly',
      outcome: record.completion ? outcomeLabels[record.completion.outcome] : undefined,
      summary: record.completion ? [record.completion.findings, record.completion.workDone].join('\n\n') : undefined,
      dueMonth: record.plannedFor ? month(record.plannedFor) : undefined,
      reason: text(event.data?.reason),
    },
  };
}

function officeMessage(event: Event, business: BusinessRecord, record: WorkOrderRecord) {
  return async (template: TemplateName, extra: Partial<MessageView>): Promise<Planned[]> => {
    const to = business.officeEmail ?? config.notify.officeEmail;
    if (!to) return [];
    const engineer = record.engineerId ? await getEngineer(record.engineerId) : undefined;
    const site = record.siteId ? await getSite(record.siteId) : undefined;
    return [
      {
        messageId: `${event.cursor}.office`,
        audience: 'office',
        template,
        about: record.workOrderId,
        workOrderId: record.workOrderId,
        customerId: record.customerId,
        contact: { name: business.name, email: to },
        documents: [],
        view: {
          ...viewOf(business, record),
          engineerName: engineer?.name,
          siteAddress: site ? `${site.address}, ${site.postcode}` : undefined,
          ...extra,
        },
      },
    ];
  };
}

/** The office is told when a webhook subscription was disabled (its receiver failed for days, or answered 410). */
function webhookDisabled(event: Event, business: BusinessRecord): Planned[] {
  const to = business.officeEmail ?? config.notify.officeEmail;
  const webhookId = text(event.data?.webhookId);
  if (!to || !webhookId) return [];
  return [
    {
      messageId: `${event.cursor}.office`,
      audience: 'office',
      template: 'office_webhook_disabled',
      about: webhookId,
      contact: { name: business.name, email: to },
      documents: [],
      view: { business: businessView(business), url: text(event.data?.url), reason: text(event.data?.reason) },
    },
  ];
}

async function invoiceIssued(event: Event, business: BusinessRecord): Promise<Planned[]> {
  const invoiceId = text(event.data?.invoiceId);
  const invoice = invoiceId ? await getInvoice(invoiceId) : undefined;
  if (!invoice) return [];
  const record = await get(invoice.workOrderId);
  const [message, document] = await Promise.all([
    customerMessage(event, business, record, 'invoice_issued'),
    invoiceDocument(invoice.invoiceId),
  ]);
  return [
    {
      ...message,
      documents: [document],
      view: {
        ...message.view,
        invoiceNumber: invoice.number,
        amount: money(invoice.totalMinor, invoice.currency),
        dueDate: day(dueDateOf(invoice, business)),
      },
    },
  ];
}

async function quoteSent(event: Event, business: BusinessRecord): Promise<Planned[]> {
  const quoteId = text(event.data?.quoteId);
  const quote = quoteId ? await getQuote(quoteId) : undefined;
  if (!quote) return [];
  const customer = await getCustomer(quote.customerId);
  const acceptUrl = config.notify.portalUrl ? `${config.notify.portalUrl}?quote=${quote.quoteId}` : undefined;
  const contact = contactOf(customer, customer?.contacts[0]);
  return [
    {
      messageId: `${event.cursor}.customer`,
      audience: 'customer',
      template: 'quote_sent',
      about: quote.quoteId,
      customerId: quote.customerId,
      contact,
      documents: [await quoteDocument(quote.quoteId, acceptUrl)],
      view: {
        business: businessView(business),
        contactName: contact.name,
        quoteNumber: quote.number,
        description: quote.description,
        amount: money(quote.totalMinor, quote.currency),
        acceptUrl,
      },
    },
  ];
}

/*
 * Purchasing rides on the notifier: it already takes every change-feed event once, in order, and retries a failure.
 * A reorder or an engineer's parts request raises its purchase order (idempotent: the order's id derives from its
 * source, so an event handed over twice raises one), and the order's own `purchaseOrder.raised` event, coming back
 * through the feed, sends it to the supplier.
 */

/** Raises the purchase order a reorder or a parts request calls for; nothing for a part with no supplier. */
async function raisePurchaseOrder(event: Event): Promise<void> {
  const sku = text(event.data?.sku);
  if (!sku || !event.workOrderId) return;
  if (event.type === 'stock.reorder_raised') {
    const reorder = await getReorder(sku, event.workOrderId);
    if (!reorder) return;
    await PurchaseOrders.raiseFor({
      kind: 'reorder',
      sku,
      workOrderId: event.workOrderId,
      qty: reorder.qty,
      at: event.at,
    });
  }
  const eventId = text(event.data?.eventId);
  if (event.type === 'workorder.parts_requested' && eventId) {
    const qty = Math.max(1, Math.trunc(Number(event.data?.qty ?? 1)) || 1);
    await PurchaseOrders.raiseFor({
      kind: 'parts_request',
      sku,
      workOrderId: event.workOrderId,
      eventId,
      qty,
      at: event.at,
    });
  }
}

/**
 * A purchase order raised or cancelled: its supplier is e-mailed it (a raised order with its PDF attached). Listed
 * under the order, not on the job's timeline: the customer's job is not the supplier's business. E-mail only: a
 * purchase order is a document, never a text message.
 */
async function supplierMessage(
  event: Event,
  business: BusinessRecord,
  template: 'purchase_order' | 'purchase_order_cancelled',
): Promise<Planned[]> {
  const purchaseOrderId = text(event.data?.purchaseOrderId);
  const order = purchaseOrderId ? await getPurchaseOrder(purchaseOrderId) : undefined;
  const supplier = order && (await getSupplier(order.supplierId));
  if (!order || !supplier) return [];
  return [
    {
      messageId: `${event.cursor}.supplier`,
      audience: 'supplier',
      template,
      about: order.purchaseOrderId,
      contact: { name: supplier.name, email: supplier.email },
      documents: template === 'purchase_order' ? [await purchaseOrderDocument(order.purchaseOrderId)] : [],
      view: {
        business: businessView(business),
        contactName: supplier.name,
        purchaseOrderNumber: order.number,
        accountRef: supplier.accountRef,
        orderLines: orderLines(order),
        reason: order.cancelReason,
      },
    },
  ];
}

const orderLines = (order: { lines: Array<{ qty: number; sku: string; name: string }> }) =>
  order.lines.map((line) => `${line.qty} × ${line.sku} ${line.name}`).join('\n');

/** Sends one planned message once, by the contact's channel, and settles it with its timeline entry. */
async function deliver(event: Event, planned: Planned, business: BusinessRecord, now: Date): Promise<void> {
  const existing = await getMessage(planned.messageId);
  if (existing && existing.status !== 'sending') return;
  const suppressed = new Set<string>();
  for (const address of [planned.contact.email, planned.contact.phone && ukMobile(planned.contact.phone)]) {
    if (address && (await getSuppression(address))) suppressed.add(address.toLowerCase());
  }
  const channels = transport().channels;
  const contact = {
    name: planned.contact.name ?? '',
    email: channels.email ? planned.contact.email : undefined,
    phone: channels.sms ? planned.contact.phone : undefined,
    notifications: planned.contact.notifications,
  };
  const delivery: Delivery = deliveryFor({
    template: planned.template,
    contact,
    suppressed: (address) => suppressed.has(address.toLowerCase()),
    at: now,
    timeZone: planned.timeZone ?? zoneOf(business),
  });
  const rendered = renderTemplate(planned.template, planned.view, {
    override: business.templates?.[planned.template],
    logo: business.logo,
  });
  const sms = 'channel' in delivery && delivery.channel === 'sms';
  const record: MessageRecord = {
    messageId: planned.messageId,
    eventId: event.cursor,
    about: planned.about,
    workOrderId: planned.workOrderId,
    customerId: planned.customerId,
    audience: planned.audience,
    template: planned.template,
    channel: sms ? 'sms' : 'email',
    to: delivery.to || '(none)',
    subject: sms ? undefined : rendered.subject,
    text: sms ? rendered.sms : rendered.text,
    html: sms ? undefined : rendered.html,
    attachments: sms ? [] : planned.documents.map((d) => ({ documentId: d.documentId, filename: fileNameOf(d) })),
    status: 'sending',
    claimedAt: now.toISOString(),
    detail: planned.detail,
    createdAt: now.toISOString(),
  };
  if (!(await claimMessage(record, now))) {
    const held = await getMessage(planned.messageId);
    if (held?.status === 'sending') throw new MessageInFlight(planned.messageId);
    return;
  }
  const at = new Date().toISOString();
  const entry = (type: string, reason: string) => ({
    at,
    actor: 'notifications',
    type,
    reason,
    data: { messageId: record.messageId, template: record.template, channel: record.channel, to: record.to },
  });
  if ('skipped' in delivery) {
    await settleMessage(
      record,
      { status: 'skipped', reason: delivery.skipped, at },
      entry('message_skipped', delivery.skipped),
    );
    count('MessagesSkipped');
    return;
  }
  let providerId: string;
  try {
    providerId = sms
      ? await transport().sms({ to: record.to, body: record.text })
      : await transport().email({
          to: record.to,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          attachments: await Promise.all(
            planned.documents.map(async (d) => ({
              filename: fileNameOf(d),
              content: await documentBytes(d),
              contentType: 'application/pdf',
            })),
          ),
        });
  } catch (error) {
    await noteFailure(record.messageId);
    logger.warn('message not sent: the event will be retried', { messageId: record.messageId, error: String(error) });
    throw error;
  }
  const said = sms ? `SMS to ${record.to}` : `E-mail to ${record.to}: ${rendered.subject}`;
  await settleMessage(record, { status: 'sent', providerId, at }, entry('message_sent', said));
  count('MessagesSent');
}

/** The contact a message goes to, with the preferences the customer's record keeps for them. */
function contactOf(customer: CustomerRecord | undefined, contact: Planned['contact'] | undefined): Planned['contact'] {
  if (!contact) return {};
  const same = (a?: string, b?: string) =>
    Boolean(a && b && a.replace(/\s/g, '').toLowerCase() === b.replace(/\s/g, '').toLowerCase());
  const kept = customer?.contacts.find((c) => same(c.email, contact.email) || same(c.phone, contact.phone));
  return { ...contact, notifications: kept?.notifications ?? contact.notifications };
}

function viewOf(business: BusinessRecord, record: WorkOrderRecord): MessageView {
  return {
    business: businessView(business),
    ref: record.ref,
    description: record.description,
    priority: priorityLabels[record.priority],
    respondBy: when(record.slaDueAt, zoneOf(business, record)),
    portalUrl: config.notify.portalUrl,
  };
}

const businessView = (business: BusinessRecord) => ({
  name: business.name,
  phone: business.phone,
  email: business.email,
  website: business.website,
});

/** The two-hour arrival window from a start's hour, local time: `between 10:00 and 12:00 on Thursday 3 December`. */
export function windowOf(start: string, zone = defaultTimeZone): { key: string; words: string } {
  const at = new Date(start);
  const from = Number(local(at, { hour: '2-digit', hourCycle: 'h23' }, zone));
  const dayKey = local(at, { year: 'numeric', month: '2-digit', day: '2-digit' }, zone).split('/').reverse().join('-');
  const key = `${dayKey}T${String(from).padStart(2, '0')}`;
  return { key, words: windowWords(key) };
}

/**
 * What the customer is told of the visit: its arrival window, and for a job done over several days the days after,
 * `between 07:00 and 09:00 on Monday 1 March, then Tuesday 2 March from 07:15`.
 */
export function appointmentWords(
  window: { words: string },
  visits: ReadonlyArray<{ start: string }> = [],
  zone = defaultTimeZone,
): string {
  const later = visits.slice(1).map((visit) => {
    const at = new Date(visit.start);
    return `${local(at, { weekday: 'long', day: 'numeric', month: 'long' }, zone)} from ${clock(visit.start, zone)}`;
  });
  return later.length === 0 ? window.words : `${window.words}, then ${later.join(', then ')}`;
}

/** A window's words from its key (`2026-12-03T10`). */
function windowWords(key: string): string {
  const from = Number(key.slice(11, 13));
  const dayWords = new Date(`${key.slice(0, 10)}T12:00:00Z`).toLocaleDateString('en-GB', {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
  });
  const pad = (h: number) => `${String(h).padStart(2, '0')}:00`;
  return `between ${pad(from)} and ${pad((from + 2) % 24)} on ${dayWords}`;
}

/**
 * Times and days as the customer's clock shows them: the job's site's zone when it has one, else the business's
 * (its `timeZone`, Europe/London unless set).
 */
const zoneOf = (business: BusinessRecord, record?: Pick<WorkOrderRecord, 'timeZone'>) =>
  record?.timeZone ?? business.timeZone ?? defaultTimeZone;
const local = (at: Date, options: Intl.DateTimeFormatOptions, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...options }).format(at);
const clock = (iso: string, zone: string) =>
  local(new Date(iso), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, zone);
const when = (iso: string, zone: string) => local(new Date(iso), { dateStyle: 'full', timeStyle: 'short' }, zone);
// A calendar day names itself: read at noon UTC, it is the same day in every zone the business could be in.
const day = (date: string) =>
  local(new Date(`${date}T12:00:00Z`), { day: 'numeric', month: 'long', year: 'numeric' }, 'UTC');
const month = (date: string) => local(new Date(`${date}T12:00:00Z`), { month: 'long', year: 'numeric' }, 'UTC');
const money = (minor: number, currency: string) =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(minor / 100);
const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/** A parts request's one line: `2 × PRV-15`. */
const partsOf = (data: Record<string, unknown>) => `${data.qty ?? 1} × ${data.sku ?? '?'}`;
