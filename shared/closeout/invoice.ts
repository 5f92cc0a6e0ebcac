import { getBusiness } from '../db/business.ts';
import { findInvoiceOf, issueInvoice, numberInvoice } from '../db/invoices.ts';
import { getCustomer, getEngineer, getJobTemplate, getParts } from '../db/reference.ts';
import { Conflict } from '../errors.ts';
import { faultPoint } from '../faults.ts';
import { count, logger } from '../observability.ts';
import { buildInvoiceLines, standardLabourRateMinor, taxRate } from '../work-order/pricing.ts';
import { get } from '../work-order/work-order.ts';
import { labourMinutes, partsUsed } from './job-record.ts';

/**
 * The GenerateInvoice task: one invoice per work order (its id derives from the work order, so a retry finds it),
 * with labour (the logged work time) at the engineer's rate or the template's fixed price, the parts used at their
 * price, the contract's call-out fee (or, for an emergency the engineer on call went out to, the business's
 * out-of-hours call-out charge) and tax.
 */
export async function generateInvoice(options: { workOrderId: string }) {
  const existing = await findInvoiceOf(options.workOrderId);
  // A retry finds the invoice; if the run before died before numbering it, it is numbered now.
  if (existing) {
    const numbered = existing.number ? existing : await numberInvoice(existing.invoiceId, invoiceNumberOf);
    return { invoiceId: numbered.invoiceId, number: numbered.number };
  }
  const record = await get(options.workOrderId);
  if (record.status !== 'completed' && record.status !== 'closed') {
    throw new Conflict('workorder.not_completed', `Work order ${record.ref} is ${record.status}, not completed.`);
  }
  if (!record.customerId || !record.jobType)
    throw new Conflict('workorder.incomplete', 'No customer or job type to bill.');
  const [customer, template, engineer, business] = await Promise.all([
    getCustomer(record.customerId),
    getJobTemplate(record.jobType),
    record.engineerId ? getEngineer(record.engineerId) : undefined,
    record.calledOut ? getBusiness() : undefined,
  ]);
  if (!template) throw new Conflict('workorder.incomplete', `No job template ${record.jobType}.`);
  const used = partsUsed(record);
  const prices = await getParts(used.map((p) => p.sku));
  const totals = buildInvoiceLines({
    template,
    labourMinutes: labourMinutes(record),
    labourRateMinor: customer?.contract?.labourRateMinor ?? engineer?.hourlyRateMinor ?? standardLabourRateMinor,
    parts: used.map((line) => {
      const part = prices.find((p) => p.sku === line.sku);
      return { sku: line.sku, name: part?.name ?? line.sku, qty: line.qty, unitPriceMinor: part?.unitPriceMinor ?? 0 };
    }),
    callOutFeeMinor: customer?.contract?.callOutFeeMinor,
    outOfHoursCallOutMinor: business?.outOfHoursCallOutMinor,
    taxRate,
  });
  const invoiceId = `inv_${record.workOrderId.replace(/^wo_/, '')}`;
  const issued = await issueInvoice(
    {
      invoiceId,
      workOrderId: record.workOrderId,
      customerId: record.customerId,
      ...totals,
      currency: 'GBP',
      issuedAt: new Date().toISOString(),
    },
    invoiceNumberOf,
  );
  if (issued) {
    count('InvoicesIssued');
    logger.info('invoice issued', { invoiceId, number: issued.number, totalMinor: issued.totalMinor });
    faultPoint('mid-closeout');
  }
  // Written by a racing retry meanwhile: numbered with the rest.
  const invoice = issued ?? (await numberInvoice(invoiceId, invoiceNumberOf));
  return { invoiceId: invoice.invoiceId, number: invoice.number ?? null };
}

const invoiceNumberOf = (n: number) => `INV-${String(n).padStart(6, '0')}`;
