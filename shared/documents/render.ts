import {
  colours,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPercent,
  formatQuantity,
  gap,
  jpegOrientation,
  PageFlow,
  type Piece,
  ruleOf,
  stack,
} from './pdf.ts';

// The documents a customer keeps (invoice, quote, job report, gas safety record) as A4 PDFs, from plain data: no
// database, no storage, no clock. The same data gives the same bytes, so a document can be rendered again later and
// compared with the copy that was sent.

/** The business a document is from, as its letterhead and footer show it. */
export interface BusinessDetails {
  name: string;
  /** Address lines. */
  address: string[];
  phone?: string;
  email?: string;
  /** Printed on invoices and quotes when present. */
  vatNumber?: string;
  companyNumber?: string;
  /** The business's Gas Safe registration number (on the gas safety record). */
  gasSafeRegistration?: string;
  /** Drawn top-left when present. */
  logoPng?: Uint8Array;
  paymentTermsDays: number;
  /** One line, e.g. "Sort code 12-34-56, account 12345678". */
  bankDetails?: string;
  /** The IANA time zone dates and times are printed in; Europe/London unless given. */
  timeZone?: string;
}

/** A customer or a site: a name and address lines. */
export interface Party {
  name: string;
  address?: string[];
}

/** A priced line on an invoice or a quote; money in integer minor units (pence). */
export interface MoneyLine {
  description: string;
  qty: number;
  unitMinor: number;
  totalMinor: number;
}

/** An invoice for a completed work order. Money in minor units of `currency`; dates ISO. */
export interface InvoiceDocument {
  business: BusinessDetails;
  number: string;
  issuedAt: string;
  dueAt: string;
  customer: Party;
  site?: Party;
  workOrderRef: string;
  lines: MoneyLine[];
  subtotalMinor: number;
  taxMinor: number;
  taxRatePercent: number;
  totalMinor: number;
  currency: string;
}

/** A quote for work not yet done. Money in minor units of `currency`; dates ISO. */
export interface QuoteDocument {
  business: BusinessDetails;
  number: string;
  createdAt: string;
  validUntil: string;
  customer: Party;
  site?: Party;
  description: string;
  lines: MoneyLine[];
  subtotalMinor: number;
  taxMinor: number;
  taxRatePercent: number;
  totalMinor: number;
  currency: string;
  /** Where the customer accepts the quote online, printed in full. */
  acceptUrl?: string;
}

/** The record of a visit left with the customer: what was found, what was done, photos and their signature. */
export interface JobReportDocument {
  business: BusinessDetails;
  workOrderRef: string;
  jobTitle: string;
  customer: Party;
  site: Party;
  engineer: { name: string; certificates: Array<{ label: string; number: string }> };
  startedAt?: string;
  completedAt: string;
  outcome: string;
  findings?: string;
  workDone?: string;
  partsUsed: Array<{ name: string; qty: number }>;
  /** Answers already in words, e.g. "Yes", "18.5 mbar". */
  checklist: Array<{ label: string; answer: string }>;
  /** Each photo as the engineer took it: a JPEG (turned upright by its EXIF orientation) or a PNG. */
  photos: Array<{ caption: string; jpeg: Uint8Array } | { caption: string; png: Uint8Array }>;
  signature?: { name?: string; png: Uint8Array; signedAt?: string };
  followUp?: string;
}

/** The landlord's or homeowner's gas safety record a Gas Safe engineer leaves after checking the appliances. */
export interface GasSafetyRecordDocument {
  business: BusinessDetails;
  recordNumber: string;
  issuedAt: string;
  site: Party;
  customer: Party;
  engineer: { name: string; gasSafeNumber: string };
  appliances: Array<{
    description: string;
    location?: string;
    make?: string;
    model?: string;
    flueType?: string;
    readings: Array<{ label: string; value: string }>;
    /** `passed: null` is a check not carried out. */
    checks: Array<{ label: string; passed: boolean | null }>;
    safeToUse: boolean | null;
  }>;
  defects: string[];
  remedialAction?: string;
  nextCheckDue: string;
}

/** An order for parts sent to a supplier: what to deliver and where. Money in minor units of `currency`. */
export interface PurchaseOrderDocument {
  business: BusinessDetails;
  number: string;
  createdAt: string;
  supplier: Party;
  deliverTo: Party;
  accountRef?: string;
  workOrderRef?: string;
  lines: Array<{ sku: string; name: string; qty: number; unitMinor?: number }>;
  currency: string;
}

/** Photos at most 9 cm high, so two fit a page with their captions. */
const photoMaxHeight = (90 / 25.4) * 72;

/** A document's pages: its properties, the running header of every page after the first, and the footer. */
function openDocument(business: BusinessDetails, title: string, subject: string, createdAt: string, vat: boolean) {
  return PageFlow.open({
    title,
    author: business.name,
    subject,
    createdAt,
    runningHeader: `${business.name} - ${title} (continued)`,
    footer: registrations(business, { vat }),
  });
}

/**
 * An invoice: the letterhead with the VAT number, the invoice's number and dates, who is billed and for which site,
 * the lines, subtotal, VAT and total (printed from the figures given, never recomputed), then the payment terms and
 * bank details.
 */
export async function renderInvoice(doc: InvoiceDocument): Promise<Uint8Array> {
  const { business } = doc;
  const zone = business.timeZone;
  const flow = await openDocument(
    business,
    `Invoice ${doc.number}`,
    `Invoice for work order ${doc.workOrderRef}`,
    doc.issuedAt,
    true,
  );
  await letterhead(flow, business, 'Invoice', { vat: true }, [
    ['Invoice no.', doc.number],
    ['Date', formatDate(doc.issuedAt, zone)],
    ['Due date', formatDate(doc.dueAt, zone)],
    ['Work order', doc.workOrderRef],
  ]);
  parties(flow, [
    ['Bill to', doc.customer],
    ['Site', doc.site],
  ]);
  priced(flow, doc);
  flow.heading('Payment');
  flow.text(`${paymentTerms(business.paymentTermsDays)}, by ${formatDate(doc.dueAt, zone)}.`);
  flow.text(`Please quote ${doc.number} as your payment reference.`);
  if (business.bankDetails) flow.text(`Pay by bank transfer: ${business.bankDetails}`);
  return flow.finish();
}

/**
 * A quote: the letterhead with the VAT number, the quote's number, date and validity, who it is for and the site, the
 * work described, the lines and totals, and where to accept it online.
 */
export async function renderQuote(doc: QuoteDocument): Promise<Uint8Array> {
  const { business } = doc;
  const zone = business.timeZone;
  const flow = await openDocument(
    business,
    `Quote ${doc.number}`,
    `Quote ${doc.number} for ${doc.customer.name}`,
    doc.createdAt,
    true,
  );
  await letterhead(flow, business, 'Quote', { vat: true }, [
    ['Quote no.', doc.number],
    ['Date', formatDate(doc.createdAt, zone)],
    ['Valid until', formatDate(doc.validUntil, zone)],
  ]);
  parties(flow, [
    ['For', doc.customer],
    ['Site', doc.site],
  ]);
  if (doc.description.trim()) {
    flow.heading('The work');
    flow.text(doc.description);
  }
  priced(flow, doc);
  flow.heading('Accepting this quote');
  flow.text(`This quote is valid until ${formatDate(doc.validUntil, zone)}.`);
  if (doc.acceptUrl) flow.text(`Accept online: ${doc.acceptUrl}`, { bold: true });
  return flow.finish();
}

/**
 * A purchase order: the letterhead with the VAT number, the order's number and date, the supplier and the depot to
 * deliver to, the lines (with the catalogue's unit price where known) and what to quote on the delivery.
 */
export async function renderPurchaseOrder(doc: PurchaseOrderDocument): Promise<Uint8Array> {
  const { business } = doc;
  const zone = business.timeZone;
  const money = (minor: number | undefined) => (minor === undefined ? '' : formatMoney(minor, doc.currency));
  const flow = await openDocument(
    business,
    `Purchase order ${doc.number}`,
    `Purchase order ${doc.number} to ${doc.supplier.name}`,
    doc.createdAt,
    true,
  );
  const details: Array<[string, string]> = [
    ['Order no.', doc.number],
    ['Date', formatDate(doc.createdAt, zone)],
  ];
  if (doc.accountRef) details.push(['Account', doc.accountRef]);
  if (doc.workOrderRef) details.push(['Work order', doc.workOrderRef]);
  await letterhead(flow, business, 'Purchase order', { vat: true }, details);
  parties(flow, [
    ['Supplier', doc.supplier],
    ['Deliver to', doc.deliverTo],
  ]);
  flow.space(8);
  flow.table(
    [
      { header: 'Part', width: 0.2 },
      { header: 'Description', width: 0.42 },
      { header: 'Qty', width: 0.12, align: 'right' },
      { header: 'Unit price', width: 0.26, align: 'right' },
    ],
    doc.lines.map((line) => [line.sku, line.name, formatQuantity(line.qty), money(line.unitMinor)]),
  );
  flow.heading('Delivery');
  flow.text(`Please quote ${doc.number} on your delivery note and invoice.`);
  return flow.finish();
}

/**
 * A job report: the job and its people (customer, site, the engineer and their certificates), when it was done and
 * how it ended, findings, work done, parts, the checklist, each photo with its caption, the customer's signature, and
 * any follow-up.
 */
export async function renderJobReport(doc: JobReportDocument): Promise<Uint8Array> {
  const { business } = doc;
  const zone = business.timeZone;
  const flow = await openDocument(business, `Job report ${doc.workOrderRef}`, doc.jobTitle, doc.completedAt, false);
  await letterhead(flow, business, 'Job report', { vat: false }, [
    ['Work order', doc.workOrderRef],
    ['Completed', formatDate(doc.completedAt, zone)],
  ]);
  flow.text(doc.jobTitle, { size: 13, bold: true });
  flow.space(8);
  const certificates = doc.engineer.certificates.map((certificate) => `${certificate.label} ${certificate.number}`);
  parties(flow, [
    ['Customer', doc.customer],
    ['Site', doc.site],
    ['Engineer', { name: doc.engineer.name, address: certificates }],
  ]);
  flow.space(4);
  const times: Array<[string, string]> = [];
  if (doc.startedAt) times.push(['Started', formatDateTime(doc.startedAt, zone)]);
  times.push(['Completed', formatDateTime(doc.completedAt, zone)], ['Outcome', doc.outcome]);
  for (const piece of flow.pairs(times, { labelWidth: 90 })) flow.place(piece);
  section(flow, 'Findings', doc.findings);
  section(flow, 'Work done', doc.workDone);

  flow.heading('Parts used');
  if (doc.partsUsed.length === 0) {
    flow.text('No parts used.');
  } else {
    flow.table(
      [
        { header: 'Part', width: 0.8 },
        { header: 'Qty', width: 0.2, align: 'right' },
      ],
      doc.partsUsed.map((part) => [part.name, formatQuantity(part.qty)]),
    );
  }

  if (doc.checklist.length > 0) {
    flow.heading('Checklist');
    flow.table(
      [
        { header: 'Item', width: 0.62 },
        { header: 'Answer', width: 0.38 },
      ],
      doc.checklist.map((item) => [item.label, item.answer]),
    );
  }

  if (doc.photos.length > 0) {
    flow.heading('Photos', photoMaxHeight + 30);
    for (const [i, photo] of doc.photos.entries()) {
      const caption = photo.caption.trim() ? `Photo ${i + 1}: ${photo.caption}` : `Photo ${i + 1}`;
      const image = 'jpeg' in photo ? await flow.embed(photo.jpeg, 'jpeg') : await flow.embed(photo.png, 'png');
      const orientation = 'jpeg' in photo ? jpegOrientation(photo.jpeg) : undefined;
      if (image) flow.picture(image, { maxHeight: photoMaxHeight, caption, orientation });
      else flow.text(`${caption} (the image could not be read)`, { colour: colours.muted });
      flow.space(10);
    }
  }

  flow.heading("Customer's signature", 110);
  const { signature } = doc;
  const signed = signature && (await flow.embed(signature.png, 'png'));
  if (signature && signed) flow.picture(signed, { maxWidth: 220, maxHeight: 80, align: 'left' });
  if (signature) {
    const by = signature.name?.trim() ? `Signed by ${signature.name}` : 'Signed';
    const when = signature.signedAt ? ` on ${formatDateTime(signature.signedAt, zone)}` : '';
    flow.place(ruleOf(220, colours.text, 0.5, 2));
    flow.text(`${by}${when}${signed ? '' : ' (the signature image could not be read)'}`);
  } else flow.text('The customer did not sign.');

  section(flow, 'Follow-up', doc.followUp);
  return flow.finish();
}

/**
 * A gas safety record: the business's Gas Safe registration and the engineer's licence number, the site and the
 * customer, when the next check is due (boxed, near the top), then each appliance with its readings, its checks
 * (Pass, Fail or Not checked) and whether it is safe to use, the defects found and the remedial action taken.
 */
export async function renderGasSafetyRecord(doc: GasSafetyRecordDocument): Promise<Uint8Array> {
  const { business } = doc;
  const zone = business.timeZone;
  const flow = await openDocument(
    business,
    `Gas safety record ${doc.recordNumber}`,
    `Gas safety record for ${doc.site.name}`,
    doc.issuedAt,
    false,
  );
  const details: Array<[string, string]> = [
    ['Record no.', doc.recordNumber],
    ['Date of issue', formatDate(doc.issuedAt, zone)],
  ];
  if (business.gasSafeRegistration) details.push(['Gas Safe reg. no.', business.gasSafeRegistration]);
  await letterhead(flow, business, 'Gas safety record', { vat: false }, details);
  parties(flow, [
    ['Site', doc.site],
    ['Landlord or customer', doc.customer],
    ['Engineer', { name: doc.engineer.name, address: [`Gas Safe licence no. ${doc.engineer.gasSafeNumber}`] }],
  ]);
  prominent(flow, `Next safety check due by ${formatDate(doc.nextCheckDue, zone)}`);

  flow.heading('Appliances');
  if (doc.appliances.length === 0) flow.text('No appliances were checked.');
  for (const [i, appliance] of doc.appliances.entries()) {
    const title = flow.lines(`Appliance ${i + 1}: ${appliance.description}`, { size: 10.5, bold: true }, flow.width);
    flow.ensure(120);
    for (const line of title) flow.place(line);
    const about: Array<[string, string | undefined]> = [
      ['Location', appliance.location],
      ['Make', appliance.make],
      ['Model', appliance.model],
      ['Flue type', appliance.flueType],
    ];
    const known = about.filter((pair): pair is [string, string] => Boolean(pair[1]?.trim()));
    for (const piece of flow.pairs(known, { labelWidth: 90 })) flow.place(piece);
    flow.space(4);
    if (appliance.readings.length > 0) {
      flow.table(
        [
          { header: 'Reading', width: 0.62 },
          { header: 'Value', width: 0.38 },
        ],
        appliance.readings.map((reading) => [reading.label, reading.value]),
      );
      flow.space(6);
    }
    if (appliance.checks.length > 0) {
      flow.table(
        [
          { header: 'Check', width: 0.62 },
          { header: 'Result', width: 0.38 },
        ],
        appliance.checks.map((check) => [check.label, { text: verdict(check.passed), bold: check.passed === false }]),
      );
    }
    flow.space(4);
    flow.text(`Appliance safe to use: ${yesNo(appliance.safeToUse)}`, { bold: true });
    flow.space(10);
  }

  flow.heading('Defects');
  const defects = doc.defects.filter((defect) => defect.trim());
  if (defects.length === 0) flow.text('No defects found.');
  for (const defect of defects) bullet(flow, defect);
  section(flow, 'Remedial action', doc.remedialAction);

  flow.space(16);
  flow.text(
    'Issued under the Gas Safety (Installation and Use) Regulations 1998. Landlords: keep this record for two years, ' +
      'give a copy to each tenant within 28 days of the check, and to a new tenant before they move in.',
    { size: 8.5, colour: colours.muted },
  );
  return flow.finish();
}

/**
 * The top of the first page: the logo, the business's name and contact details on the left (with its VAT number on
 * the documents that charge VAT); the document's title and its details (number, dates) on the right; a rule under.
 */
async function letterhead(
  flow: PageFlow,
  business: BusinessDetails,
  title: string,
  options: { vat: boolean },
  details: Array<[string, string]>,
): Promise<void> {
  const leftWidth = flow.width * 0.55;
  const rightWidth = flow.width - leftWidth - 18;
  const left: Piece[] = [];
  const logo = await flow.embed(business.logoPng, 'png');
  if (logo) {
    const scale = Math.min(1, 150 / logo.width, 56 / logo.height);
    const [width, height] = [logo.width * scale, logo.height * scale];
    left.push({ height: height + 8, draw: (page, x, y) => page.drawImage(logo, { x, y: y - height, width, height }) });
  }
  left.push(...flow.lines(business.name, { size: 15, bold: true }, leftWidth), gap(3));
  const contact = [
    ...business.address,
    business.phone && `Tel ${business.phone}`,
    business.email,
    options.vat && business.vatNumber && `VAT no. ${business.vatNumber}`,
  ];
  for (const line of contact) if (line) left.push(...flow.lines(line, { size: 9.5 }, leftWidth));
  const right: Piece[] = [
    ...flow.lines(title, { size: 22, bold: true, colour: colours.accent, align: 'right' }, rightWidth),
    gap(6),
    ...flow.pairs(details, { width: rightWidth, labelWidth: 95, size: 9.5, valueAlign: 'right' }),
  ];
  flow.columns([
    { width: leftWidth, pieces: left },
    { width: rightWidth, pieces: right },
  ]);
  flow.space(6);
  flow.rule(colours.accent, 0.9);
  flow.space(4);
}

/** Parties side by side under small headings ("Bill to", "Site"); a party not given is left out. */
function parties(flow: PageFlow, list: Array<[heading: string, party: Party | undefined]>): void {
  const present = list.filter((entry): entry is [string, Party] => entry[1] !== undefined);
  const gapWidth = 18;
  const width = (flow.width - gapWidth * (present.length - 1)) / present.length;
  flow.columns(
    present.map(([heading, party]) => ({
      width,
      pieces: [
        ...flow.lines(heading, { size: 8.5, bold: true, colour: colours.muted }, width),
        ...flow.lines(party.name, { bold: true }, width),
        ...(party.address ?? []).flatMap((line) => flow.lines(line, {}, width)),
      ],
    })),
    gapWidth,
  );
  flow.space(6);
}

/** The priced lines of an invoice or quote, then subtotal, VAT and the total in bold, right-aligned. */
function priced(flow: PageFlow, doc: InvoiceDocument | QuoteDocument): void {
  const money = (minor: number) => formatMoney(minor, doc.currency);
  flow.space(8);
  flow.table(
    [
      { header: 'Description', width: 0.52 },
      { header: 'Qty', width: 0.1, align: 'right' },
      { header: 'Unit price', width: 0.19, align: 'right' },
      { header: 'Amount', width: 0.19, align: 'right' },
    ],
    doc.lines.map((line) => [
      line.description,
      formatQuantity(line.qty),
      money(line.unitMinor),
      money(line.totalMinor),
    ]),
  );
  const width = flow.width * 0.45;
  const total = (label: string, value: string, bold = false): Piece => {
    const size = bold ? 11.5 : 10;
    const labels = flow.lines(label, { size, bold, colour: bold ? colours.text : colours.muted }, width - 104);
    const values = flow.lines(value, { size, bold, align: 'right' }, 100 - 4);
    return stack([labels, values], [0, width - 100]);
  };
  flow.space(4);
  flow.keepTogether(
    [
      total('Subtotal', money(doc.subtotalMinor)),
      total(`VAT (${formatPercent(doc.taxRatePercent)})`, money(doc.taxMinor)),
      ruleOf(width, colours.text, 0.8, 3),
      total('Total', money(doc.totalMinor), true),
    ],
    flow.width - width - 4,
  );
}

/** A headed section of free text, left out when there is none. */
function section(flow: PageFlow, heading: string, text: string | undefined): void {
  if (!text?.trim()) return;
  flow.heading(heading);
  flow.text(text);
}

/** A bulleted item, its lines hanging under its first. */
function bullet(flow: PageFlow, text: string): void {
  const [first, ...rest] = flow.lines(text, {}, flow.width - 12);
  if (!first) return;
  flow.place(stack([flow.lines('-', {}, 10), [first]], [0, 12]));
  for (const line of rest) flow.place(line, 12);
}

/** Bold text in an accent border, for what must not be missed (plain bold text if it would not fit a box). */
function prominent(flow: PageFlow, text: string): void {
  const lines = flow.lines(text, { size: 13, bold: true }, flow.width - 24);
  const inner = lines.reduce((sum, line) => sum + line.height, 0);
  const height = inner + 20;
  if (height > flow.pageHeight / 2) {
    flow.text(text, { size: 13, bold: true });
    return;
  }
  flow.place({
    height: height + 8,
    draw: (page, x, y) => {
      page.drawRectangle({
        x,
        y: y - height,
        width: flow.width,
        height,
        borderColor: colours.accent,
        borderWidth: 1.2,
      });
      let lineTop = y - 10;
      for (const line of lines) {
        line.draw(page, x + 12, lineTop);
        lineTop -= line.height;
      }
    },
  });
}

/** The foot of each page: the business's name and registrations (the VAT number where VAT is charged). */
function registrations(business: BusinessDetails, options: { vat: boolean }): string {
  return [
    business.name,
    business.companyNumber && `Company no. ${business.companyNumber}`,
    options.vat && business.vatNumber && `VAT no. ${business.vatNumber}`,
  ]
    .filter(Boolean)
    .join('  \u00b7  ');
}

function paymentTerms(days: number): string {
  if (!(days > 0)) return 'Payment due on receipt';
  return `Payment due within ${formatQuantity(days)} ${days === 1 ? 'day' : 'days'}`;
}

function verdict(passed: boolean | null): string {
  return passed === null ? 'Not checked' : passed ? 'Pass' : 'Fail';
}

function yesNo(value: boolean | null): string {
  return value === null ? 'Not checked' : value ? 'Yes' : 'No';
}
