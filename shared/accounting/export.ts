import { createHash } from 'node:crypto';
import type { LedgerDocument, LedgerLine } from './ledger.ts';
import type { AccountCodes } from './settings.ts';

/**
 * The sales ledger as each accounting product imports it: one row per line of each invoice and credit note, in the
 * columns of the product's own import template, its dates as its UK edition reads them (dd/mm/yyyy). RFC 4180:
 * a header row, CRLF line ends, UTF-8; text a spreadsheet would run as a formula is led by an apostrophe.
 */
export const exportFormats = ['xero-csv', 'sage-csv', 'quickbooks-csv', 'json'] as const;
export type ExportFormat = (typeof exportFormats)[number];
export type CsvFormat = Exclude<ExportFormat, 'json'>;

/**
 * Xero's "Import sales invoices" template (Business › Invoices › Import › Download template), its columns in its
 * order; `*` marks what Xero requires. A credit note is a negative invoice: its unit amounts, total and tax negative.
 */
export const xeroColumns = [
  '*ContactName',
  'EmailAddress',
  'POAddressLine1',
  'POAddressLine2',
  'POAddressLine3',
  'POAddressLine4',
  'POCity',
  'PORegion',
  'POPostalCode',
  'POCountry',
  '*InvoiceNumber',
  'Reference',
  '*InvoiceDate',
  '*DueDate',
  'Total',
  'InventoryItemCode',
  '*Description',
  '*Quantity',
  '*UnitAmount',
  'Discount',
  '*AccountCode',
  '*TaxType',
  'TaxAmount',
  'TrackingName1',
  'TrackingOption1',
  'TrackingName2',
  'TrackingOption2',
  'Currency',
  'BrandingTheme',
] as const;

/**
 * Sage 50 Accounts' audit trail transaction import (File › Import › Audit Trail Transactions): `SI` a sales invoice,
 * `SC` a sales credit. Sage reads the type as the direction, so a credit's amounts are positive, as Sage requires.
 */
export const sageColumns = [
  'Type',
  'Account Reference',
  'Nominal A/C Ref',
  'Department Code',
  'Date',
  'Reference',
  'Details',
  'Net Amount',
  'Tax Code',
  'Tax Amount',
  'Exchange Rate',
  'Extra Reference',
  'User Name',
  'Project Refn',
  'Cost Code Refn',
] as const;

/**
 * QuickBooks Online's invoice import (Settings › Import data › Invoices), the headers it maps by itself. Its import
 * makes invoices only: a credit note comes as negative lines under its own number, to be entered as a credit memo.
 */
export const quickbooksColumns = [
  'InvoiceNo',
  'Customer',
  'InvoiceDate',
  'DueDate',
  'Terms',
  'Location',
  'Memo',
  'Item(Product/Service)',
  'ItemDescription',
  'ItemQuantity',
  'ItemRate',
  'ItemAmount',
  'ItemTaxCode',
  'ItemTaxAmount',
  'Currency',
  'Service Date',
] as const;

/** An amount of money, written as a number whatever its sign: never taken for a formula. */
interface Numeric {
  numeric: string;
}
type Cell = string | Numeric | undefined;

/** Minor units as a decimal of two places (`-1234` → `-12.34`), exactly: no float arithmetic. */
export function money(minor: number): Numeric {
  const magnitude = Math.abs(minor);
  const pence = String(magnitude % 100).padStart(2, '0');
  return { numeric: `${minor < 0 ? '-' : ''}${Math.floor(magnitude / 100)}.${pence}` };
}

const quantity = (qty: number): Numeric => ({ numeric: String(qty) });

/** `YYYY-MM-DD` as the UK editions read dates: `dd/mm/yyyy`. */
export function ukDate(day: string): string {
  const [year, month, date] = day.split('-');
  return `${date}/${month}/${year}`;
}

/**
 * One cell (RFC 4180): an amount as it is; text led by an apostrophe when a spreadsheet would run it as a formula
 * (starting `=`, `+`, `-`, `@`, a tab or a carriage return: descriptions and names are people's text), then quoted
 * when it holds a comma, a quote or a line break.
 */
export function csvCell(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return value.numeric;
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvOf(header: readonly string[], rows: Cell[][]): string {
  return [header as readonly Cell[], ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

const eachLine = <T>(documents: LedgerDocument[], row: (doc: LedgerDocument, line: LedgerLine) => T): T[] =>
  documents.flatMap((doc) => doc.lines.map((line) => row(doc, line)));

/** What the document is about, for the reference columns: the work order, or the invoice a credit note corrects. */
const referenceOf = (doc: LedgerDocument) =>
  doc.type === 'credit_note' ? `Credit for ${doc.creditedInvoiceNumber}` : doc.workOrderId;

export function xeroCsv(documents: LedgerDocument[], codes: AccountCodes): string {
  const rows = eachLine(documents, (doc, line): Cell[] => [
    doc.customerName,
    doc.customerEmail,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    doc.number,
    referenceOf(doc),
    ukDate(doc.date),
    ukDate(doc.dueDate),
    money(doc.totalMinor),
    undefined,
    line.description,
    quantity(line.qty),
    money(line.unitMinor),
    undefined,
    codes.xero.accountCode,
    codes.xero.taxType,
    money(line.taxMinor),
    undefined,
    undefined,
    undefined,
    undefined,
    doc.currency,
    undefined,
  ]);
  return csvOf(xeroColumns, rows);
}

/**
 * The customer's Sage account reference: the one the office set, else one made from the customer's id in Sage's
 * form (8 capital letters and digits): the id itself when it fits, else its first six and two of its hash, so that
 * two long ids alike at the start still differ.
 */
export function sageAccountRef(doc: Pick<LedgerDocument, 'customerId' | 'customerAccountRef'>): string {
  if (doc.customerAccountRef) return doc.customerAccountRef;
  const plain = doc.customerId
    .replace(/^cus_/, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase();
  if (plain.length > 0 && plain.length <= 8) return plain;
  const hash = createHash('sha256').update(doc.customerId).digest();
  const code = (hash.readUInt16BE(0) % 1_296).toString(36).toUpperCase().padStart(2, '0');
  return `${plain.slice(0, 6)}${code}`;
}

/** Sage's Details field holds 60 characters. */
const sageDetails = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

export function sageCsv(documents: LedgerDocument[], codes: AccountCodes): string {
  const rows = eachLine(documents, (doc, line): Cell[] => [
    doc.type === 'credit_note' ? 'SC' : 'SI',
    sageAccountRef(doc),
    codes.sage.nominalCode,
    undefined,
    ukDate(doc.date),
    doc.number,
    sageDetails(line.description),
    money(Math.abs(line.netMinor)),
    codes.sage.taxCode,
    money(Math.abs(line.taxMinor)),
    undefined,
    doc.type === 'credit_note' ? doc.creditedInvoiceNumber : doc.workOrderId,
    undefined,
    undefined,
    undefined,
  ]);
  return csvOf(sageColumns, rows);
}

export function quickbooksCsv(documents: LedgerDocument[], codes: AccountCodes): string {
  const rows = eachLine(documents, (doc, line): Cell[] => [
    doc.number,
    doc.customerName,
    ukDate(doc.date),
    ukDate(doc.dueDate),
    undefined,
    undefined,
    referenceOf(doc),
    codes.quickbooks.item,
    line.description,
    quantity(line.qty),
    money(line.unitMinor),
    money(line.netMinor),
    codes.quickbooks.taxCode,
    money(line.taxMinor),
    doc.currency,
    undefined,
  ]);
  return csvOf(quickbooksColumns, rows);
}

export const csvBuilders: Record<CsvFormat, (documents: LedgerDocument[], codes: AccountCodes) => string> = {
  'xero-csv': xeroCsv,
  'sage-csv': sageCsv,
  'quickbooks-csv': quickbooksCsv,
};
