import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sageAccountRef } from '#shared/accounting/export.ts';
import { accountingDayOf } from '#shared/accounting/ledger.ts';
import { issueInvoice } from '#shared/db/invoices.ts';
import { quickbooksHeader, sageHeader, xeroHeader } from '../fixtures/accounting-templates.ts';
import { parseCsv } from '../fixtures/csv.ts';
import { type LocalApi, persistently, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;
const dayMs = 86_400_000;

let api: LocalApi;
let admin: string;
let dispatcher: string;
let approver: string;
let customer: string;
/** A real job's invoice: a request worked through to closeout. */
let worked: any;

beforeAll(async () => {
  api = await startLocalApi();
  [admin, dispatcher, approver, customer] = await Promise.all([
    api.token({ role: 'admin' }),
    api.token({ role: 'dispatcher' }),
    api.token({ role: 'approver' }),
    api.token({ role: 'customer', customerId: 'cus_okafor' }),
  ]);
  const id = await api.request('cus_okafor', 'acct-okafor', {
    siteId: 'site_didsbury',
    category: 'boiler_breakdown',
    description: 'Boiler pressure keeps dropping',
    contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com' },
  });
  const closed = await api.workToInvoice(id);
  worked = await numbered(closed.invoiceId);
}, 3 * patience);
afterAll(() => api?.close());

/** The invoice as the office reads it, once its number has been given (a moment after it is issued). */
async function numbered(invoiceId: string): Promise<any> {
  const deadline = Date.now() + patience;
  for (;;) {
    const reply = await api.call('GET', `/v1/invoices/${invoiceId}`, { token: dispatcher });
    expect(reply.status).toBe(200);
    if (reply.body.number || Date.now() > deadline) return reply.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let arranged = 0;
/**
 * An invoice issued by closeout's own store function (numbered in turn, with its `invoice.issued` feed event) for
 * a customer of the seed, issued `daysAgo` days ago: many invoices without working many jobs.
 */
async function arrangeInvoice(options: { customerId?: string; daysAgo?: number; lines?: any[] } = {}) {
  arranged += 1;
  const lines = options.lines ?? [
    { description: 'Leak repair: labour', qty: 1.5, unitMinor: 7_500, totalMinor: 11_250 },
    { description: 'Compression fitting (FIT-15)', qty: 2, unitMinor: 375, totalMinor: 750 },
  ];
  const subtotalMinor = lines.reduce((sum, line) => sum + line.totalMinor, 0);
  const taxMinor = Math.round(subtotalMinor * 0.2);
  const issued = await issueInvoice(
    {
      invoiceId: `inv_acct_${arranged}`,
      workOrderId: `wo_acct_${arranged}`,
      customerId: options.customerId ?? 'cus_pennine_fm',
      lines,
      subtotalMinor,
      taxMinor,
      totalMinor: subtotalMinor + taxMinor,
      currency: 'GBP',
      issuedAt: new Date(Date.now() - (options.daysAgo ?? 0) * dayMs).toISOString(),
    },
    (n) => `INV-${String(n).padStart(6, '0')}`,
  );
  if (!issued) throw new Error('The invoice was not issued');
  return numbered(issued.invoiceId);
}

const pay = (invoiceId: string, key: string, body: Record<string, unknown>, token = dispatcher) =>
  persistently(() =>
    api.call('POST', `/v1/invoices/${invoiceId}/payments`, { token, headers: { 'idempotency-key': key }, body }),
  );

const credit = (invoiceId: string, key: string, body: Record<string, unknown>, token = admin) =>
  persistently(() =>
    api.call('POST', `/v1/invoices/${invoiceId}/credit-notes`, { token, headers: { 'idempotency-key': key }, body }),
  );

const today = () => new Date().toISOString().slice(0, 10);

const expectProblem = (reply: { status: number; headers: Headers; body: any }, status: number, code?: string) => {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (code) expect(reply.body.code).toBe(code);
};

describe('payments', () => {
  it('takes a real job’s invoice from unpaid to part paid to paid, and refuses paying more than is left', async () => {
    expect(worked).toMatchObject({ status: 'unpaid', paidMinor: 0, creditedMinor: 0 });
    expect(worked.balanceMinor).toBe(worked.totalMinor);
    expect(worked.dueDate).toBe(new Date(Date.parse(worked.issuedAt) + 30 * dayMs).toISOString().slice(0, 10));

    const part = await pay(worked.id, 'pay-worked-1', { amountMinor: 5_000, paidAt: today(), method: 'card' });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ amountMinor: 5_000, method: 'card', invoice: { status: 'part_paid' } });
    expect(part.body.invoice.balanceMinor).toBe(worked.totalMinor - 5_000);

    const over = await pay(worked.id, 'pay-worked-2', {
      amountMinor: worked.totalMinor - 5_000 + 1,
      paidAt: today(),
      method: 'bank_transfer',
    });
    expectProblem(over, 409, 'payment.exceeds_balance');
    expect(over.body.balanceMinor).toBe(worked.totalMinor - 5_000);

    const rest = await pay(worked.id, 'pay-worked-3', {
      amountMinor: worked.totalMinor - 5_000,
      paidAt: new Date().toISOString(),
      method: 'bank_transfer',
      reference: 'OKAFOR INV',
    });
    expect(rest.status).toBe(201);
    expect(rest.body.invoice).toMatchObject({ status: 'paid', balanceMinor: 0, paidMinor: worked.totalMinor });

    // A retry of the first payment answers it again and records nothing more.
    const retried = await pay(worked.id, 'pay-worked-1', { amountMinor: 5_000, paidAt: today(), method: 'card' });
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(part.body.id);

    const listed = await api.call('GET', `/v1/invoices/${worked.id}/payments`, { token: approver });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((p: any) => p.amountMinor)).toEqual([5_000, worked.totalMinor - 5_000]);
    expect(listed.body).toMatchObject({ status: 'paid', balanceMinor: 0 });
    const invoice = await api.call('GET', `/v1/invoices/${worked.id}`, { token: customer });
    expect(invoice.body).toMatchObject({ status: 'paid', paidMinor: worked.totalMinor, balanceMinor: 0 });

    const feed = await api.feedUntil(
      undefined,
      (items) => items.filter((e) => e.type === 'payment.recorded' && e.data.invoiceId === worked.id).length === 2,
    );
    expect(feed.items.find((e) => e.type === 'payment.recorded')?.workOrderId).toBe(worked.workOrderId);
  });

  it('accepts exactly one of several payments sent at once that together would overpay', async () => {
    const invoice = await arrangeInvoice();
    const amountMinor = Math.ceil(invoice.totalMinor * 0.6);
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pay(invoice.id, `pay-race-${i}`, { amountMinor, paidAt: today(), method: 'bank_transfer' }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const listed = await api.call('GET', `/v1/invoices/${invoice.id}/payments`, { token: dispatcher });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body).toMatchObject({ paidMinor: amountMinor, balanceMinor: invoice.totalMinor - amountMinor });
  });

  it('is overdue when something is left after the due date, until it is paid', async () => {
    const invoice = await arrangeInvoice({ daysAgo: 40 });
    expect(invoice.status).toBe('overdue');
    const part = await pay(invoice.id, 'pay-overdue-1', { amountMinor: 100, paidAt: today(), method: 'cheque' });
    expect(part.body.invoice.status).toBe('overdue');
    const rest = await pay(invoice.id, 'pay-overdue-2', {
      amountMinor: invoice.totalMinor - 100,
      paidAt: today(),
      method: 'cash',
    });
    expect(rest.body.invoice.status).toBe('paid');
  });

  it('falls due on the day it is issued when the business gives no terms', async () => {
    const business = await api.call('GET', '/v1/business', { token: admin });
    const patched = await api.call('PATCH', '/v1/business', {
      token: admin,
      headers: { 'if-match': business.headers.get('etag') as string },
      body: { paymentTermsDays: 0 },
    });
    expect(patched.status).toBe(200);
    try {
      const yesterday = await arrangeInvoice({ daysAgo: 1 });
      expect(yesterday).toMatchObject({ status: 'overdue', dueDate: yesterday.issuedAt.slice(0, 10) });
    } finally {
      const now = await api.call('GET', '/v1/business', { token: admin });
      await api.call('PATCH', '/v1/business', {
        token: admin,
        headers: { 'if-match': now.headers.get('etag') as string },
        body: { paymentTermsDays: 30 },
      });
    }
  });

  it('refuses bad input as problem+json, and callers the route does not list', async () => {
    const invoice = worked;
    const bad = [
      { amountMinor: -5, paidAt: today(), method: 'card' },
      { amountMinor: 1.5, paidAt: today(), method: 'card' },
      { amountMinor: 100, paidAt: 'yesterday', method: 'card' },
      { amountMinor: 100, paidAt: today(), method: 'bitcoin' },
      { amountMinor: 100, paidAt: '2999-01-01', method: 'card' },
      { amountMinor: 100, paidAt: today(), method: 'card', extra: true },
    ];
    for (const [i, body] of bad.entries()) expectProblem(await pay(invoice.id, `pay-bad-${i}`, body), 400);
    const noKey = await api.call('POST', `/v1/invoices/${invoice.id}/payments`, {
      token: dispatcher,
      body: { amountMinor: 100, paidAt: today(), method: 'card' },
    });
    expectProblem(noKey, 400);
    const good = { amountMinor: 100, paidAt: today(), method: 'card' };
    expectProblem(await pay(invoice.id, 'pay-customer', good, customer), 403);
    expectProblem(await pay(invoice.id, 'pay-approver', good, approver), 403);
    expectProblem(await pay('inv_missing', 'pay-missing', good), 404);
    expectProblem(await api.call('GET', `/v1/invoices/${invoice.id}/payments`, { token: customer }), 403);
  });
});

describe('credit notes', () => {
  it('credits a whole invoice under its own number, and nothing more after it', async () => {
    const invoice = await arrangeInvoice({ customerId: 'cus_northwest_homes' });
    const whole = await credit(invoice.id, 'cn-whole', { reason: 'Job cancelled: billed in error' });
    expect(whole.status).toBe(201);
    expect(whole.body).toMatchObject({
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      lines: invoice.lines,
      subtotalMinor: invoice.subtotalMinor,
      taxMinor: invoice.taxMinor,
      totalMinor: invoice.totalMinor,
    });
    expect(whole.body.number).toMatch(/^CN-\d{6}$/);
    const after = await api.call('GET', `/v1/invoices/${invoice.id}`, { token: dispatcher });
    expect(after.body).toMatchObject({ status: 'paid', creditedMinor: invoice.totalMinor, balanceMinor: 0 });
    // The invoice itself is as it was issued.
    expect(after.body).toMatchObject({ number: invoice.number, lines: invoice.lines, totalMinor: invoice.totalMinor });
    expectProblem(await credit(invoice.id, 'cn-whole-again', { reason: 'Again' }), 409, 'creditnote.exceeds_invoice');
  });

  it('credits lines with VAT as invoices have it, answers a retry with the same credit note, and refuses over-credit', async () => {
    const invoice = await arrangeInvoice();
    const lines = [{ description: 'Fitting not used', qty: 2, unitMinor: 375 }];
    const first = await credit(invoice.id, 'cn-part', { reason: 'Parts returned', lines });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ subtotalMinor: 750, taxMinor: 150, totalMinor: 900 });
    const retried = await credit(invoice.id, 'cn-part', { reason: 'Parts returned', lines });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: first.body.id, number: first.body.number });

    const tooMuch = await credit(invoice.id, 'cn-too-much', {
      reason: 'Labour',
      lines: [{ description: 'Labour', qty: 1, unitMinor: invoice.subtotalMinor }],
    });
    expectProblem(tooMuch, 409, 'creditnote.exceeds_invoice');
    expect(tooMuch.body.creditableMinor).toBe(invoice.totalMinor - 900);

    const listed = await api.call('GET', `/v1/invoices/${invoice.id}/credit-notes`, { token: dispatcher });
    expect(listed.body.items.map((n: any) => n.id)).toEqual([first.body.id]);
    const standing = await api.call('GET', `/v1/invoices/${invoice.id}`, { token: dispatcher });
    expect(standing.body).toMatchObject({ creditedMinor: 900, balanceMinor: invoice.totalMinor - 900 });

    const feed = await api.feedUntil(undefined, (items) =>
      items.some((e) => e.type === 'creditNote.issued' && e.data.creditNoteId === first.body.id),
    );
    expect(feed.items.filter((e) => e.data?.creditNoteId === first.body.id)).toHaveLength(1);
  });

  it('never lets credit notes sent at once credit more than the invoice, and numbers them without gaps', async () => {
    const invoice = await arrangeInvoice();
    const lines = [{ description: 'Goodwill', qty: 1, unitMinor: Math.ceil(invoice.subtotalMinor * 0.6) }];
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) => credit(invoice.id, `cn-race-${i}`, { reason: 'Goodwill', lines })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const listed = await api.call('GET', `/v1/invoices/${invoice.id}/credit-notes`, { token: dispatcher });
    expect(listed.body.items).toHaveLength(1);

    // Other credit notes at once, on other invoices: every number is taken once, with none skipped.
    const others = await Promise.all([arrangeInvoice(), arrangeInvoice(), arrangeInvoice()]);
    const issued = await Promise.all(
      others.map((other, i) => credit(other.id, `cn-many-${i}`, { reason: 'Goodwill', lines: [lines[0]] })),
    );
    expect(issued.map((r) => r.status)).toEqual([201, 201, 201]);
    const all = await api.call('GET', `/v1/exports/invoices?from=${today()}&to=${today()}&format=json`, {
      token: dispatcher,
    });
    const numbers = all.body
      .filter((d: any) => d.type === 'credit_note')
      .map((d: any) => Number(d.number.slice(3)))
      .sort((a: number, b: number) => a - b);
    expect(numbers).toEqual(numbers.map((_: number, i: number) => i + 1));
  });

  it('is for an admin only, and refuses bad input', async () => {
    expectProblem(await credit(worked.id, 'cn-dispatcher', { reason: 'x' }, dispatcher), 403);
    expectProblem(await credit(worked.id, 'cn-customer', { reason: 'x' }, customer), 403);
    expectProblem(await credit(worked.id, 'cn-empty', { reason: '' }), 400);
    expectProblem(await credit(worked.id, 'cn-lines', { reason: 'x', lines: [] }), 400);
    expectProblem(
      await credit(worked.id, 'cn-qty', { reason: 'x', lines: [{ description: 'a', qty: 0.001, unitMinor: 1 }] }),
      400,
    );
    expectProblem(
      await credit(worked.id, 'cn-zero', { reason: 'x', lines: [{ description: 'a', qty: 1, unitMinor: 0 }] }),
      400,
    );
    expectProblem(await credit('inv_missing', 'cn-missing', { reason: 'x' }), 404);
  });
});

describe('exports for accounting', () => {
  let invoice: any;
  let note: any;
  beforeAll(async () => {
    invoice = await arrangeInvoice({
      customerId: 'cus_okafor',
      lines: [
        { description: '=HYPERLINK("http://evil.example")', qty: 1, unitMinor: 10_000, totalMinor: 10_000 },
        { description: 'Valve, 15mm "compression"', qty: 3, unitMinor: 333, totalMinor: 999 },
      ],
    });
    note = (
      await credit(invoice.id, 'cn-export', {
        reason: 'Valve not fitted',
        lines: [{ description: 'Valve', qty: 1, unitMinor: 333 }],
      })
    ).body;
    const business = await api.call('GET', '/v1/business', { token: admin });
    const patched = await api.call('PATCH', '/v1/business', {
      token: admin,
      headers: { 'if-match': business.headers.get('etag') as string },
      body: { accounting: { xero: { accountCode: '4010' }, sage: { nominalCode: '4020' } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.accounting).toEqual({ xero: { accountCode: '4010' }, sage: { nominalCode: '4020' } });
  });

  const range = () => {
    const from = new Date(Date.now() - 2 * dayMs).toISOString().slice(0, 10);
    const to = new Date(Date.now() + dayMs).toISOString().slice(0, 10);
    return `from=${from}&to=${to}`;
  };
  const download = async (format: string) => {
    const reply = await api.call('GET', `/v1/exports/invoices?${range()}&format=${format}`, { token: approver });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(reply.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    return parseCsv(reply.body);
  };
  const ukDay = (instant: string) => accountingDayOf(instant).split('-').reverse().join('/');
  const pence = (text: string | undefined) => Math.round(Number(text) * 100);

  it('answers Xero’s sales invoice template: a row per line, totals as invoiced, a credit note negative', async () => {
    const rows = await download('xero-csv');
    expect(rows[0]?.join(',')).toBe(xeroHeader);
    const col = (row: string[], name: string) => row[xeroHeader.split(',').indexOf(name)] as string;
    const own = rows.filter((row) => col(row, '*InvoiceNumber') === invoice.number);
    expect(own).toHaveLength(2);
    const sum = own.reduce(
      (total, row) =>
        total +
        Math.round(Number(col(row, '*Quantity')) * pence(col(row, '*UnitAmount'))) +
        pence(col(row, 'TaxAmount')),
      0,
    );
    expect(sum).toBe(invoice.totalMinor);
    expect(own.map((row) => pence(col(row, 'Total')))).toEqual([invoice.totalMinor, invoice.totalMinor]);
    expect(col(own[0] as string[], '*Description')).toBe('\'=HYPERLINK("http://evil.example")');
    expect(col(own[1] as string[], '*Description')).toBe('Valve, 15mm "compression"');
    expect(col(own[0] as string[], '*InvoiceDate')).toBe(ukDay(invoice.issuedAt));
    expect(col(own[0] as string[], '*DueDate')).toBe(invoice.dueDate.split('-').reverse().join('/'));
    expect(col(own[0] as string[], '*ContactName')).toBe('Sarah Okafor');
    expect(col(own[0] as string[], '*AccountCode')).toBe('4010');
    expect(col(own[0] as string[], '*TaxType')).toBe('20% (VAT on Income)');

    const credited = rows.filter((row) => col(row, '*InvoiceNumber') === note.number);
    expect(credited).toHaveLength(1);
    expect(pence(col(credited[0] as string[], 'Total'))).toBe(-note.totalMinor);
    expect(pence(col(credited[0] as string[], '*UnitAmount'))).toBe(-333);
  });

  it('answers Sage 50’s audit trail import: SI and SC rows, UK dates, the business’s nominal code', async () => {
    const rows = await download('sage-csv');
    expect(rows[0]?.join(',')).toBe(sageHeader);
    const col = (row: string[], name: string) => row[sageHeader.split(',').indexOf(name)] as string;
    const own = rows.filter((row) => col(row, 'Reference') === invoice.number);
    expect(own.map((row) => col(row, 'Type'))).toEqual(['SI', 'SI']);
    const total = own.reduce((sum, row) => sum + pence(col(row, 'Net Amount')) + pence(col(row, 'Tax Amount')), 0);
    expect(total).toBe(invoice.totalMinor);
    expect(col(own[0] as string[], 'Date')).toBe(ukDay(invoice.issuedAt));
    expect(col(own[0] as string[], 'Nominal A/C Ref')).toBe('4020');
    expect(col(own[0] as string[], 'Tax Code')).toBe('T1');
    // The customer's account in Sage: one the office has not set is the id in Sage's 8 characters.
    expect(col(own[0] as string[], 'Account Reference')).toBe(sageAccountRef({ customerId: invoice.customerId }));
    expect(rows.slice(1).every((row) => /^[A-Z0-9]{1,8}$/.test(col(row, 'Account Reference')))).toBe(true);
    const credited = rows.filter((row) => col(row, 'Reference') === note.number);
    expect(credited.map((row) => col(row, 'Type'))).toEqual(['SC']);
    const credit = credited.reduce(
      (sum, row) => sum + pence(col(row, 'Net Amount')) + pence(col(row, 'Tax Amount')),
      0,
    );
    // Sage reads SC as the credit: its amounts are written positive, as Sage takes them.
    expect(credit).toBe(note.totalMinor);

    // The office sets the customer's own Sage account (only in Sage's form), and the export names it.
    const set = (accountRef: unknown) =>
      api.call('PATCH', `/v1/customers/${invoice.customerId}`, {
        token: admin,
        headers: { 'if-match': '*' },
        body: { accountRef },
      });
    for (const bad of ['okafor', 'OKAFOR-1', 'OKAFOR001', '']) expect((await set(bad)).status).toBe(400);
    expect((await set('OKAF01')).status).toBe(200);
    const again = await download('sage-csv');
    expect(
      again.filter((row) => col(row, 'Reference') === invoice.number).map((row) => col(row, 'Account Reference')),
    ).toEqual(['OKAF01', 'OKAF01']);
    expect((await set(null)).status).toBe(200);
  });

  it('answers QuickBooks Online’s invoice import, a credit note’s lines negative', async () => {
    const rows = await download('quickbooks-csv');
    expect(rows[0]?.join(',')).toBe(quickbooksHeader);
    const col = (row: string[], name: string) => row[quickbooksHeader.split(',').indexOf(name)] as string;
    const own = rows.filter((row) => col(row, 'InvoiceNo') === invoice.number);
    expect(own).toHaveLength(2);
    const total = own.reduce((sum, row) => sum + pence(col(row, 'ItemAmount')) + pence(col(row, 'ItemTaxAmount')), 0);
    expect(total).toBe(invoice.totalMinor);
    expect(col(own[0] as string[], 'InvoiceDate')).toBe(ukDay(invoice.issuedAt));
    expect(col(own[0] as string[], 'ItemTaxCode')).toBe('20.0% S');
    const credited = rows.filter((row) => col(row, 'InvoiceNo') === note.number);
    const credit = credited.reduce(
      (sum, row) => sum + pence(col(row, 'ItemAmount')) + pence(col(row, 'ItemTaxAmount')),
      0,
    );
    expect(credit).toBe(-note.totalMinor);
  });

  it('answers JSON for custom integrations: each document with its lines, signed', async () => {
    const reply = await api.call('GET', `/v1/exports/invoices?${range()}`, { token: dispatcher });
    expect(reply.status).toBe(200);
    const own = reply.body.find((d: any) => d.number === invoice.number);
    expect(own).toMatchObject({
      type: 'invoice',
      id: invoice.id,
      totalMinor: invoice.totalMinor,
      customerName: 'Sarah Okafor',
    });
    expect(own.lines.reduce((sum: number, l: any) => sum + l.netMinor + l.taxMinor, 0)).toBe(invoice.totalMinor);
    const credited = reply.body.find((d: any) => d.number === note.number);
    expect(credited).toMatchObject({
      type: 'credit_note',
      creditedInvoiceNumber: invoice.number,
      totalMinor: -note.totalMinor,
      reason: 'Valve not fitted',
    });
    expect(credited.lines.reduce((sum: number, l: any) => sum + l.netMinor + l.taxMinor, 0)).toBe(-note.totalMinor);
    // Only what was issued in the range: nothing from before it.
    const later = await api.call('GET', '/v1/exports/invoices?from=2020-01-01&to=2020-12-31&format=json', {
      token: dispatcher,
    });
    expect(later.body).toEqual([]);
  });

  it('refuses a bad range as problem+json, and a customer', async () => {
    for (const query of [
      `from=${today()}&to=2020-01-01`,
      'from=2024-01-01&to=2025-01-02',
      'from=2024-13-01&to=2024-12-31',
      'from=yesterday&to=today',
      `from=${today()}`,
      `from=${today()}&to=${today()}&format=excel`,
      `from=${today()}&to=${today()}&extra=1`,
    ]) {
      expectProblem(await api.call('GET', `/v1/exports/invoices?${query}`, { token: dispatcher }), 400);
    }
    expect(
      (await api.call('GET', '/v1/exports/invoices?from=2024-01-01&to=2024-12-31', { token: dispatcher })).status,
    ).toBe(200);
    expectProblem(
      await api.call('GET', `/v1/exports/invoices?from=${today()}&to=${today()}`, { token: customer }),
      403,
    );
  });
});
