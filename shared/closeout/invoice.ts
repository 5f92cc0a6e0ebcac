import { findInvoiceOf, issueInvoice } from '../db/invoices.ts';
import { getCustomer, getEngineer, getJobTemplate, getParts } from '../db/reference.ts';
import { Conflict } from '../errors.ts';
import { faultPoint } from '../faults.ts';
import { buildInvoiceLines, standardLabourRateMinor, taxRate } from '../work-order/pricing.ts';
import { get } from '../work-order/work-order.ts';
import { labourMinutes, partsUsed } from './job-record.ts';

/**
 * The GenerateInvoice task: one invoice per work order (its id derives from the work order, so a retry finds it),
 * with labour (the logged work time) at the engineer's rate or the template's fixed price, the parts used at their
 * price, the contract's call-out fee and tax.
 */
export async function generateInvoice(options: { workOrderId: string }) {
  const existing = await findInvoiceOf(options.workOrderId);
  if (existing) return { invoiceId: existing.invoiceId, number: existing.number };
  const record = await get(options.workOrderId);
  if (record.status !== 'completed' && record.status !== 'closed') {
    throw new Conflict('workorder.not_completed', `Work order ${record.ref} is ${record.status}, not completed.`);
  }
  if (!record.customerId || !record.jobType)
    throw new Conflict('workorder.incomplete', 'No customer or job type to bill.');
  const [customer, template, engineer] = await Promise.all([
    getCustomer(record.customerId),
    getJobTemplate(record.jobType),
    record.engineerId ? getEngineer(record.engineerId) : undefined,
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
    taxRate,
  });
  const issued = await issueInvoice(
    {
      invoiceId: `inv_${record.workOrderId.replace(/^wo_/, '')}`,
      workOrderId: record.workOrderId,
      customerId: record.customerId,
      ...totals,
      currency: 'GBP',
      issuedAt: new Date().toISOString(),
    },
    (n) => `INV-${String(n).padStart(6, '0')}`,
  );
  if (issued) faultPoint('mid-closeout');
  const invoice = issued ?? (await findInvoiceOf(options.workOrderId));
  return { invoiceId: invoice?.invoiceId ?? null, number: invoice?.number ?? null };
}
