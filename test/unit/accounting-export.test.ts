import { describe, expect, it } from 'vitest';
import {
  csvCell,
  money,
  quickbooksColumns,
  quickbooksCsv,
  sageAccountRef,
  sageColumns,
  sageCsv,
  ukDate,
  xeroColumns,
  xeroCsv,
} from '#shared/accounting/export.ts';
import {
  accountingDayOf,
  dueDateOf,
  type LedgerDocument,
  type LedgerLine,
  ledgerLines,
  standingOf,
  startOfAccountingDay,
  taxByLine,
  windowOfDays,
} from '#shared/accounting/ledger.ts';
import { accountCodesOf, defaultAccountCodes } from '#shared/accounting/settings.ts';
import { dueDateOf as pdfDueDateOf } from '#shared/documents/documents.ts';
import { quickbooksHeader, sageHeader, xeroHeader } from '../fixtures/accounting-templates.ts';
import { parseCsv } from '../fixtures/csv.ts';

const invoice: LedgerDocument = {
  type: 'invoice',
  id: 'inv_1',
  number: 'INV-000007',
  date: '2026-03-05',
  dueDate: '2026-04-04',
  customerId: 'cus_okafor',
  customerName: 'Okafor, Sarah "Sal"',
  customerEmail: 'sarah@example.com',
  workOrderId: 'wo_1',
  currency: 'GBP',
  lines: ledgerLines(
    [
      { description: 'Boiler service: labour', qty: 1.25, unitMinor: 7_500, totalMinor: 9_375 },
      { description: '=HYPERLINK("http://evil.example")', qty: 1, unitMinor: 1_250, totalMinor: 1_250 },
      { description: '-1 washer\nsecond line', qty: 2, unitMinor: 33, totalMinor: 66 },
    ],
    2_138,
    1,
  ),
  subtotalMinor: 10_691,
  taxMinor: 2_138,
  totalMinor: 12_829,
};

const credit: LedgerDocument = {
  ...invoice,
  type: 'credit_note',
  id: 'cn_1',
  number: 'CN-000001',
  date: '2026-03-09',
  dueDate: '2026-03-09',
  creditedInvoiceNumber: 'INV-000007',
  reason: 'Valve was under warranty',
  lines: ledgerLines([{ description: 'Valve', qty: 1, unitMinor: 1_250, totalMinor: 1_250 }], 250, -1),
  subtotalMinor: -1_250,
  taxMinor: -250,
  totalMinor: -1_500,
};

const codes = accountCodesOf(undefined);
const column = (header: readonly string[], row: string[], name: string) => row[header.indexOf(name)];

describe('cells (RFC 4180, formula injection)', () => {
  it('quotes a comma, a quote and a line break, doubling the quote', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\r\ntwo')).toBe('"one\r\ntwo"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(undefined)).toBe('');
  });

  it('leads text a spreadsheet would run as a formula with an apostrophe, and never an amount', () => {
    for (const text of ['=1+1', '+44 7700', '-SUM(A1)', '@cmd', '\tx', '\rx']) {
      expect(csvCell(text).replace(/^"/, '')).toMatch(/^'/);
    }
    expect(csvCell(money(-1234))).toBe('-12.34');
    expect(csvCell(money(5))).toBe('0.05');
    expect(csvCell(money(-5))).toBe('-0.05');
    expect(csvCell(money(0))).toBe('0.00');
  });

  it('writes UK dates as dd/mm/yyyy', () => {
    expect(ukDate('2026-03-05')).toBe('05/03/2026');
    expect(ukDate('2026-12-31')).toBe('31/12/2026');
  });
});

describe('tax shared among lines', () => {
  it('sums to exactly the document’s tax, in proportion to net amounts', () => {
    const shares = taxByLine([9_375, 1_250, 66], 2_138);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(2_138);
    expect(shares).toEqual([1_875, 250, 13]);
    expect(taxByLine([1, 1, 1], 1).reduce((a, b) => a + b, 0)).toBe(1);
    expect(taxByLine([0], 0)).toEqual([0]);
  });
});

describe('Xero’s sales invoice import', () => {
  const rows = parseCsv(xeroCsv([invoice, credit], codes));

  it('has the template’s header and one row per line, CRLF ended', () => {
    expect(rows[0]?.join(',')).toBe(xeroHeader);
    expect([...xeroColumns].join(',')).toBe(xeroHeader);
    expect(rows).toHaveLength(1 + 3 + 1);
    expect(xeroCsv([], codes)).toBe(`${xeroHeader}\r\n`);
  });

  it('carries each document’s number, UK dates, account code, tax type and total; a credit note negative', () => {
    const [, first, , third, creditRow] = rows as string[][];
    expect(column(xeroColumns, first as string[], '*ContactName')).toBe('Okafor, Sarah "Sal"');
    expect(column(xeroColumns, first as string[], '*InvoiceNumber')).toBe('INV-000007');
    expect(column(xeroColumns, first as string[], '*InvoiceDate')).toBe('05/03/2026');
    expect(column(xeroColumns, first as string[], '*DueDate')).toBe('04/04/2026');
    expect(column(xeroColumns, first as string[], '*Quantity')).toBe('1.25');
    expect(column(xeroColumns, first as string[], '*UnitAmount')).toBe('75.00');
    expect(column(xeroColumns, first as string[], '*AccountCode')).toBe('200');
    expect(column(xeroColumns, first as string[], '*TaxType')).toBe('20% (VAT on Income)');
    expect(column(xeroColumns, first as string[], 'Total')).toBe('128.29');
    expect(column(xeroColumns, third as string[], '*Description')).toBe("'-1 washer\nsecond line");
    expect(column(xeroColumns, creditRow as string[], '*InvoiceNumber')).toBe('CN-000001');
    expect(column(xeroColumns, creditRow as string[], '*UnitAmount')).toBe('-12.50');
    expect(column(xeroColumns, creditRow as string[], 'TaxAmount')).toBe('-2.50');
    expect(column(xeroColumns, creditRow as string[], 'Total')).toBe('-15.00');
  });

  it('guards the description a customer could have written', () => {
    const second = rows[2] as string[];
    expect(column(xeroColumns, second, '*Description')).toBe('\'=HYPERLINK("http://evil.example")');
  });

  it('takes the business’s own account code and tax type', () => {
    const own = accountCodesOf({ xero: { accountCode: '4000' } });
    const row = parseCsv(xeroCsv([invoice], own))[1] as string[];
    expect(column(xeroColumns, row, '*AccountCode')).toBe('4000');
    expect(column(xeroColumns, row, '*TaxType')).toBe(defaultAccountCodes.xero.taxType);
  });
});

describe('Sage 50’s audit trail import', () => {
  const rows = parseCsv(sageCsv([invoice, credit], codes));

  it('has the template’s header; SI for an invoice, SC for a credit, amounts positive as Sage takes them', () => {
    expect(rows[0]?.join(',')).toBe(sageHeader);
    expect([...sageColumns].join(',')).toBe(sageHeader);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['SI', 'SI', 'SI', 'SC']);
    const creditRow = rows[4] as string[];
    expect(column(sageColumns, creditRow, 'Net Amount')).toBe('12.50');
    expect(column(sageColumns, creditRow, 'Tax Amount')).toBe('2.50');
    expect(column(sageColumns, creditRow, 'Extra Reference')).toBe('INV-000007');
    const first = rows[1] as string[];
    expect(column(sageColumns, first, 'Date')).toBe('05/03/2026');
    expect(column(sageColumns, first, 'Nominal A/C Ref')).toBe('4000');
    expect(column(sageColumns, first, 'Tax Code')).toBe('T1');
    expect(column(sageColumns, first, 'Reference')).toBe('INV-000007');
    const net = rows.slice(1, 4).reduce((sum, row) => sum + Number(column(sageColumns, row, 'Net Amount')), 0);
    const tax = rows.slice(1, 4).reduce((sum, row) => sum + Number(column(sageColumns, row, 'Tax Amount')), 0);
    expect(Math.round((net + tax) * 100)).toBe(invoice.totalMinor);
  });

  it('names the customer by their Sage account reference: the office’s, else the id in Sage’s 8 characters', () => {
    expect(sageAccountRef({ customerId: 'cus_northwest_homes', customerAccountRef: 'NWHOMES' })).toBe('NWHOMES');
    expect(sageAccountRef({ customerId: 'cus_okafor' })).toBe('OKAFOR');
    const long = sageAccountRef({ customerId: 'cus_northwest_homes' });
    const alike = sageAccountRef({ customerId: 'cus_northwest_housing' });
    expect(long).toMatch(/^NORTHW[A-Z0-9]{2}$/);
    expect(alike).toMatch(/^NORTHW[A-Z0-9]{2}$/);
    expect(long).not.toBe(alike);
    expect(sageAccountRef({ customerId: 'cus_northwest_homes' })).toBe(long);
    const row = parseCsv(sageCsv([{ ...invoice, customerAccountRef: 'OKAF01' }], codes))[1] as string[];
    expect(column(sageColumns, row, 'Account Reference')).toBe('OKAF01');
  });

  it('keeps Details within Sage’s 60 characters', () => {
    const long: LedgerDocument = {
      ...invoice,
      lines: [{ ...(invoice.lines[0] as LedgerLine), description: 'x'.repeat(80) }],
    };
    const row = parseCsv(sageCsv([long], codes))[1] as string[];
    expect(column(sageColumns, row, 'Details')?.length).toBe(60);
  });
});

describe('QuickBooks Online’s invoice import', () => {
  const rows = parseCsv(quickbooksCsv([invoice, credit], codes));

  it('has the headers QuickBooks maps, UK dates, the tax code, and a credit note’s lines negative', () => {
    expect(rows[0]?.join(',')).toBe(quickbooksHeader);
    expect([...quickbooksColumns].join(',')).toBe(quickbooksHeader);
    const first = rows[1] as string[];
    expect(column(quickbooksColumns, first, 'InvoiceDate')).toBe('05/03/2026');
    expect(column(quickbooksColumns, first, 'ItemTaxCode')).toBe('20.0% S');
    expect(column(quickbooksColumns, first, 'Item(Product/Service)')).toBe('Sales');
    expect(column(quickbooksColumns, first, 'ItemAmount')).toBe('93.75');
    const creditRow = rows[4] as string[];
    expect(column(quickbooksColumns, creditRow, 'ItemAmount')).toBe('-12.50');
    expect(column(quickbooksColumns, creditRow, 'ItemTaxAmount')).toBe('-2.50');
    expect(column(quickbooksColumns, creditRow, 'Memo')).toBe('Credit for INV-000007');
  });
});

describe('days and standing', () => {
  it('counts the business’s days in London time, across the clock changes', () => {
    expect(accountingDayOf('2026-06-30T23:30:00.000Z')).toBe('2026-07-01');
    expect(accountingDayOf('2026-01-31T23:30:00.000Z')).toBe('2026-01-31');
    expect(startOfAccountingDay('2026-07-01')).toBe('2026-06-30T23:00:00.000Z');
    expect(startOfAccountingDay('2026-01-15')).toBe('2026-01-15T00:00:00.000Z');
    // British Summer Time starts on 29 March 2026 and ends on 25 October 2026.
    expect(startOfAccountingDay('2026-03-29')).toBe('2026-03-29T00:00:00.000Z');
    expect(startOfAccountingDay('2026-10-25')).toBe('2026-10-24T23:00:00.000Z');
    expect(windowOfDays({ from: '2026-03-01', to: '2026-03-31' })).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-31T23:00:00.000Z',
    });
  });

  it('counts the days of a business in another zone by its own clock', () => {
    // Dublin keeps London's clock; New York is five hours behind in January, four in July.
    expect(accountingDayOf('2026-01-16T03:30:00.000Z', 'America/New_York')).toBe('2026-01-15');
    expect(startOfAccountingDay('2026-07-01', 'America/New_York')).toBe('2026-07-01T04:00:00.000Z');
    expect(windowOfDays({ from: '2026-01-01', to: '2026-01-31' }, 'America/New_York')).toEqual({
      from: '2026-01-01T05:00:00.000Z',
      to: '2026-02-01T05:00:00.000Z',
    });
    expect(accountingDayOf('2026-07-01T22:30:00.000Z', 'Europe/Dublin')).toBe('2026-07-01');
  });

  it('falls due on the day the invoice’s PDF says', () => {
    for (const paymentTermsDays of [0, 14, 30, 60]) {
      const issued = { issuedAt: '2026-03-28T23:45:00.000Z' };
      expect(dueDateOf(issued, { paymentTermsDays })).toBe(pdfDueDateOf(issued, { paymentTermsDays }));
    }
  });

  it('is unpaid, part paid, paid, or overdue once its due date has passed with something left', () => {
    const issued = { issuedAt: '2026-03-01T10:00:00.000Z', totalMinor: 10_000 };
    const terms = { paymentTermsDays: 30 };
    const before = new Date('2026-03-31T12:00:00.000Z');
    const after = new Date('2026-04-01T00:00:01.000Z');
    expect(standingOf(issued, { paidMinor: 0, creditedMinor: 0 }, terms, before)).toMatchObject({
      status: 'unpaid',
      dueDate: '2026-03-31',
      balanceMinor: 10_000,
    });
    expect(standingOf(issued, { paidMinor: 4_000, creditedMinor: 0 }, terms, before).status).toBe('part_paid');
    expect(standingOf(issued, { paidMinor: 4_000, creditedMinor: 0 }, terms, after).status).toBe('overdue');
    expect(standingOf(issued, { paidMinor: 0, creditedMinor: 0 }, terms, after).status).toBe('overdue');
    expect(standingOf(issued, { paidMinor: 4_000, creditedMinor: 6_000 }, terms, after)).toMatchObject({
      status: 'paid',
      balanceMinor: 0,
    });
  });
});
