import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { outcomeLabels } from '../../common/labels.js';
import { objectKey } from '../attachments/rules.ts';
import { presignedSeconds, s3 } from '../attachments/storage.ts';
import { config } from '../config.ts';
import { listAttachments } from '../db/attachments.ts';
import { type BusinessRecord, getBusiness } from '../db/business.ts';
import { type DocumentRecord, getDocument, listDocumentsAbout, recordDocument } from '../db/documents.ts';
import { getInvoice, type InvoiceRecord } from '../db/invoices.ts';
import { getPurchaseOrder } from '../db/purchase-orders.ts';
import { getQuote } from '../db/quotes.ts';
import {
  getCustomer,
  getDepot,
  getEngineer,
  getJobTemplate,
  getParts,
  getSite,
  getSupplier,
  type SiteRecord,
} from '../db/reference.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { NotFound } from '../errors.ts';
import { logger } from '../observability.ts';
import { defaultTimeZone } from '../time/zone.ts';
import { taxRate } from '../work-order/pricing.ts';
import { get } from '../work-order/work-order.ts';
import { documentPrefix } from './prefix.ts';
import {
  type BusinessDetails,
  type JobReportDocument,
  type Party,
  renderGasSafetyRecord,
  renderInvoice,
  renderJobReport,
  renderPurchaseOrder,
  renderQuote,
} from './render.ts';

export type DocumentKind = DocumentRecord['kind'];

const dayMs = 86_400_000;

/** The job types whose visit leaves a gas safety record: the annual service of a gas appliance, and the check itself. */
const gasSafetyJobTypes = new Set(['boiler_service', 'gas_safety_check']);

/** How a certificate code reads on a document. */
const certificateNames: Record<string, string> = {
  gas_safe: 'Gas Safe',
  niceic: 'NICEIC',
  bafe_sp203: 'BAFE SP203',
  confined_spaces: 'Confined spaces',
};

/** The invoice's PDF, made the first time it is asked for. */
export async function invoiceDocument(invoiceId: string): Promise<DocumentRecord> {
  const invoice = await getInvoice(invoiceId);
  if (!invoice) throw new NotFound('invoice', invoiceId);
  return made(`invoice_${invoice.invoiceId}`, async () => {
    const [business, record, customer] = await Promise.all([
      getBusiness(),
      get(invoice.workOrderId),
      getCustomer(invoice.customerId),
    ]);
    const site = record.siteId ? await getSite(record.siteId) : undefined;
    const number = invoice.number ?? invoice.invoiceId;
    return {
      record: {
        documentId: `invoice_${invoice.invoiceId}`,
        kind: 'invoice',
        about: invoice.workOrderId,
        workOrderId: invoice.workOrderId,
        customerId: invoice.customerId,
        sourceId: invoice.invoiceId,
        title: `Invoice ${number}`,
        createdAt: invoice.issuedAt,
      },
      render: () =>
        renderInvoice({
          business: businessDetails(business),
          number,
          issuedAt: invoice.issuedAt,
          dueAt: dueDateOf(invoice, business),
          customer: { name: customer?.name ?? invoice.customerId },
          site: site && siteParty(site),
          workOrderRef: record.ref,
          lines: invoice.lines,
          subtotalMinor: invoice.subtotalMinor,
          taxMinor: invoice.taxMinor,
          taxRatePercent: taxRate * 100,
          totalMinor: invoice.totalMinor,
          currency: invoice.currency,
        }),
    };
  });
}

/** When an invoice falls due: its issue date plus the business's payment terms, as a day. */
export function dueDateOf(
  invoice: Pick<InvoiceRecord, 'issuedAt'>,
  business: Pick<BusinessRecord, 'paymentTermsDays'>,
) {
  return new Date(Date.parse(invoice.issuedAt) + business.paymentTermsDays * dayMs).toISOString().slice(0, 10);
}

/** The quote's PDF, with the link the customer accepts it by. */
export async function quoteDocument(quoteId: string, acceptUrl?: string): Promise<DocumentRecord> {
  const quote = await getQuote(quoteId);
  if (!quote) throw new NotFound('quote', quoteId);
  return made(`quote_${quote.quoteId}`, async () => {
    const [business, customer, site] = await Promise.all([
      getBusiness(),
      getCustomer(quote.customerId),
      getSite(quote.siteId),
    ]);
    return {
      record: {
        documentId: `quote_${quote.quoteId}`,
        kind: 'quote',
        about: quote.quoteId,
        customerId: quote.customerId,
        sourceId: quote.quoteId,
        title: `Quote ${quote.number}`,
        createdAt: quote.createdAt,
      },
      render: () =>
        renderQuote({
          business: businessDetails(business),
          number: quote.number,
          createdAt: quote.createdAt,
          validUntil: new Date(Date.parse(quote.createdAt) + 30 * dayMs).toISOString().slice(0, 10),
          customer: { name: customer?.name ?? quote.customerId },
          site: site && siteParty(site),
          description: quote.description,
          lines: quote.lines,
          subtotalMinor: quote.subtotalMinor,
          taxMinor: quote.taxMinor,
          taxRatePercent: taxRate * 100,
          totalMinor: quote.totalMinor,
          currency: quote.currency,
          acceptUrl,
        }),
    };
  });
}

/**
 * A purchase order's PDF, for its supplier. Listed under the order (`about`); its `customerId` is
 * `supplier:<supplierId>`, which no customer's id can be, so no customer ever lists it.
 */
export async function purchaseOrderDocument(purchaseOrderId: string): Promise<DocumentRecord> {
  const order = await getPurchaseOrder(purchaseOrderId);
  if (!order) throw new NotFound('purchase_order', purchaseOrderId);
  return made(`purchase_order_${order.purchaseOrderId}`, async () => {
    const [business, supplier, depot, record] = await Promise.all([
      getBusiness(),
      getSupplier(order.supplierId),
      getDepot(order.depotId),
      order.workOrderId ? get(order.workOrderId) : undefined,
    ]);
    return {
      record: {
        documentId: `purchase_order_${order.purchaseOrderId}`,
        kind: 'purchase_order',
        about: order.purchaseOrderId,
        workOrderId: order.workOrderId,
        customerId: `supplier:${order.supplierId}`,
        sourceId: order.purchaseOrderId,
        title: `Purchase order ${order.number}`,
        createdAt: order.createdAt,
      },
      render: () =>
        renderPurchaseOrder({
          business: businessDetails(business),
          number: order.number,
          createdAt: order.createdAt,
          supplier: { name: supplier?.name ?? order.supplierId, address: supplier ? [supplier.email] : [] },
          deliverTo: { name: depot?.name ?? order.depotId, address: depot ? [depot.address] : [] },
          accountRef: supplier?.accountRef,
          workOrderRef: record?.ref,
          lines: order.lines,
          currency: 'GBP',
        }),
    };
  });
}

/**
 * The documents a finished job leaves: its job report (findings, work done, the job sheet, photos and the
 * customer's signature) and, for a gas appliance service, the gas safety record.
 */
export async function jobDocuments(workOrderId: string): Promise<DocumentRecord[]> {
  const record = await get(workOrderId);
  if (!record.completion || !record.customerId) return [];
  const context = await jobContext(record);
  const documents = [
    await made(`job_report_${record.workOrderId}`, async () => ({
      record: jobRecord(record, 'job_report', `Job report ${record.ref}`),
      render: async () => renderJobReport(await jobReportOf(record, context)),
    })),
  ];
  if (gasSafetyJobTypes.has(record.jobType ?? '')) {
    documents.push(
      await made(`gas_safety_record_${record.workOrderId}`, async () => ({
        record: jobRecord(record, 'gas_safety_record', `Gas safety record ${record.ref}`),
        render: () => renderGasSafetyRecord(gasSafetyRecordOf(record, context)),
      })),
    );
  }
  return documents;
}

/** The documents of a work order or quote, each with a link that works for a few minutes. */
export async function documentsAbout(about: string): Promise<Array<DocumentRecord & { url: string }>> {
  const documents = await listDocumentsAbout(about);
  return Promise.all(documents.map(async (document) => ({ ...document, url: await linkTo(document) })));
}

/** A short-lived link to a document, opened in the browser as the PDF it is. */
export async function linkTo(document: DocumentRecord): Promise<string> {
  return getSignedUrl(
    s3(),
    new GetObjectCommand({
      Bucket: config.bucketName,
      Key: document.key,
      ResponseContentType: 'application/pdf',
      ResponseContentDisposition: `inline; filename="${fileNameOf(document)}"`,
    }),
    { expiresIn: presignedSeconds },
  );
}

/** The PDF's bytes, to attach to a message. */
export async function documentBytes(document: DocumentRecord): Promise<Uint8Array> {
  const object = await s3().send(new GetObjectCommand({ Bucket: config.bucketName, Key: document.key }));
  return object.Body?.transformToByteArray() ?? new Uint8Array();
}

export const fileNameOf = (document: Pick<DocumentRecord, 'title'>) =>
  `${document.title.replace(/[^A-Za-z0-9-]+/g, '-')}.pdf`;

type Made = Omit<DocumentRecord, 'key' | 'bytes'>;

/**
 * A document made once: the record found, or the PDF rendered, stored and recorded. Rendering is deterministic (its
 * dates are the event's own), so two makers racing store the same bytes under the same key, and the first record
 * stands; the object is written only where none is yet (`If-None-Match`), so a stored document is never rewritten.
 */
async function made(
  documentId: string,
  prepare: () => Promise<{ record: Made; render: () => Promise<Uint8Array> }>,
): Promise<DocumentRecord> {
  const existing = await getDocument(documentId);
  if (existing) return existing;
  const { record, render } = await prepare();
  const bytes = await render();
  const key = `${documentPrefix}${record.about}/${documentId}.pdf`;
  try {
    await s3().send(
      new PutObjectCommand({
        Bucket: config.bucketName,
        Key: key,
        Body: bytes,
        ContentType: 'application/pdf',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    // Another maker stored it first: the same bytes are there.
    if ((error as { name?: string }).name !== 'PreconditionFailed') throw error;
  }
  const document = { ...record, key, bytes: bytes.byteLength };
  if (await recordDocument(document)) {
    logger.info('document made', { documentId, kind: record.kind });
    return document;
  }
  // Another maker recorded it first: its record stands.
  return (await getDocument(documentId)) ?? document;
}

function jobRecord(record: WorkOrderRecord, kind: 'job_report' | 'gas_safety_record', title: string): Made {
  return {
    documentId: `${kind}_${record.workOrderId}`,
    kind,
    about: record.workOrderId,
    workOrderId: record.workOrderId,
    customerId: record.customerId as string,
    title,
    createdAt: record.completion?.at ?? record.updatedAt,
  };
}

interface JobContext {
  business: BusinessDetails;
  customer: Party;
  site: Party;
  engineer: { name: string; certifications: Array<{ code: string; number: string }> };
  jobTitle: string;
}

async function jobContext(record: WorkOrderRecord): Promise<JobContext> {
  const [business, customer, site, engineer, template] = await Promise.all([
    getBusiness(),
    record.customerId ? getCustomer(record.customerId) : undefined,
    record.siteId ? getSite(record.siteId) : undefined,
    record.engineerId ? getEngineer(record.engineerId) : undefined,
    record.jobType ? getJobTemplate(record.jobType) : undefined,
  ]);
  return {
    // A job's papers tell its times as the site's clock shows them, when the site has a zone of its own.
    business: { ...businessDetails(business), timeZone: record.timeZone ?? business.timeZone },
    customer: { name: customer?.name ?? record.contact?.name ?? '' },
    site: site ? siteParty(site) : { name: record.siteId ?? '' },
    engineer: { name: engineer?.name ?? record.engineerId ?? '', certifications: engineer?.certifications ?? [] },
    jobTitle: template?.name ?? record.jobType ?? record.categoryId ?? 'Job',
  };
}

async function jobReportOf(record: WorkOrderRecord, context: JobContext): Promise<JobReportDocument> {
  const completion = record.completion as NonNullable<WorkOrderRecord['completion']>;
  const verified = (await listAttachments(record.workOrderId)).filter((a) => a.status === 'verified');
  const photos = [];
  // HEIC photos (an iPhone's own) cannot be drawn in a PDF: the report lists the JPEG and PNG ones.
  for (const photo of verified.filter((a) => a.kind === 'photo' && a.contentType !== 'image/heic')) {
    const caption = `Photo taken ${words(photo.createdAt, context.business.timeZone)}`;
    const bytes = await attachmentBytes(record, photo);
    photos.push(photo.contentType === 'image/png' ? { caption, png: bytes } : { caption, jpeg: bytes });
  }
  const signed = verified.filter((a) => a.kind === 'signature').at(-1);
  const parts = await getParts(completion.partsUsed.map((line) => line.sku));
  return {
    business: context.business,
    workOrderRef: record.ref,
    jobTitle: context.jobTitle,
    customer: context.customer,
    site: context.site,
    engineer: {
      name: context.engineer.name,
      certificates: context.engineer.certifications.map((c) => ({
        label: certificateNames[c.code] ?? c.code,
        number: c.number,
      })),
    },
    startedAt: record.stageTimes?.in_progress ?? record.stageTimes?.on_site,
    completedAt: completion.at,
    outcome: outcomeLabels[completion.outcome] ?? completion.outcome,
    findings: completion.findings,
    workDone: completion.workDone,
    partsUsed: completion.partsUsed.map((line) => ({
      name: parts.find((part) => part.sku === line.sku)?.name ?? line.sku,
      qty: line.qty,
    })),
    checklist: checklistOf(record),
    photos,
    signature: signed && {
      name: record.contact?.name,
      png: await attachmentBytes(record, signed),
      signedAt: signed.createdAt,
    },
    followUp: completion.followUp,
  };
}

/** The job sheet in words: each item answered, in the template's order. */
function checklistOf(record: WorkOrderRecord): Array<{ label: string; answer: string }> {
  const answers = record.checklistAnswers ?? {};
  return (record.checklist ?? []).flatMap((item) => {
    const answer = answers[item.id];
    if (!answer) return [];
    const value = answer.value;
    const said =
      item.kind === 'boolean'
        ? value === true
          ? 'Yes'
          : 'No'
        : item.kind === 'photo'
          ? 'Photo taken'
          : `${value}${item.unit ? ` ${item.unit}` : ''}`;
    return [{ label: item.label, answer: said }];
  });
}

/**
 * The gas safety record from the boiler service's job sheet: its readings (the number items), its checks (the
 * yes/no items), and whether the appliance was left safe to use (the item that says so).
 */
function gasSafetyRecordOf(record: WorkOrderRecord, context: JobContext) {
  const answers = record.checklistAnswers ?? {};
  const items = record.checklist ?? [];
  const readings = items
    .filter((item) => item.kind === 'number' && answers[item.id])
    .map((item) => ({ label: item.label, value: `${answers[item.id]?.value}${item.unit ? ` ${item.unit}` : ''}` }));
  const checks = items
    .filter((item) => item.kind === 'boolean' && item.id !== 'appliance_safe')
    .map((item) => ({ label: item.label, passed: answers[item.id] ? answers[item.id]?.value === true : null }));
  const safe = answers.appliance_safe;
  const outOfRange = items.filter((item) => {
    const value = answers[item.id]?.value;
    return (
      item.kind === 'number' &&
      typeof value === 'number' &&
      ((item.min !== undefined && value < item.min) || (item.max !== undefined && value > item.max))
    );
  });
  const completion = record.completion as NonNullable<WorkOrderRecord['completion']>;
  const defects = [
    ...checks.filter((check) => check.passed === false).map((check) => `${check.label}: failed`),
    ...outOfRange.map((item) => `${item.label}: reading outside ${item.min ?? '-'} to ${item.max ?? '-'}`),
  ];
  const gasSafe = context.engineer.certifications.find((c) => c.code === 'gas_safe');
  return {
    business: context.business,
    recordNumber: record.ref,
    issuedAt: completion.at,
    site: context.site,
    customer: context.customer,
    engineer: { name: context.engineer.name, gasSafeNumber: gasSafe?.number ?? 'not held' },
    appliances: [
      {
        description: context.jobTitle,
        readings,
        checks,
        safeToUse: safe ? safe.value === true : null,
      },
    ],
    defects,
    remedialAction: defects.length > 0 ? completion.workDone : undefined,
    nextCheckDue: new Date(Date.parse(completion.at) + 365 * dayMs).toISOString().slice(0, 10),
  };
}

async function attachmentBytes(
  record: WorkOrderRecord,
  attachment: { kind: 'photo' | 'signature'; attachmentId: string; versionId?: string },
): Promise<Uint8Array> {
  const object = await s3().send(
    new GetObjectCommand({
      Bucket: config.bucketName,
      Key: objectKey({ workOrderId: record.workOrderId, kind: attachment.kind, attachmentId: attachment.attachmentId }),
      VersionId: attachment.versionId,
    }),
  );
  return object.Body?.transformToByteArray() ?? new Uint8Array();
}

export function businessDetails(business: BusinessRecord): BusinessDetails {
  const logo = business.logo?.match(/^data:image\/png;base64,(.+)$/)?.[1];
  return {
    name: business.name,
    address: business.address,
    phone: business.phone,
    email: business.email,
    vatNumber: business.vatNumber,
    companyNumber: business.companyNumber,
    gasSafeRegistration: business.gasSafeRegistration,
    logoPng: logo ? Buffer.from(logo, 'base64') : undefined,
    paymentTermsDays: business.paymentTermsDays,
    bankDetails: business.bankDetails,
    timeZone: business.timeZone,
  };
}

function siteParty(site: SiteRecord): Party {
  return { name: site.name ?? site.address, address: [site.address, site.postcode] };
}

/** A moment as the business's clock shows it (Europe/London unless it has set its own time zone). */
const words = (iso: string, timeZone = defaultTimeZone) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone });
