import type { JobTemplate } from './model.ts';

/** UK VAT at the standard rate, on invoices and quotes. */
export const taxRate = 0.2;

/** The labour rate for estimates and invoices when neither the contract nor the engineer sets one (per hour). */
export const standardLabourRateMinor = 7_500;

/** One invoice line; money in integer minor units (pence). */
export interface InvoiceLine {
  description: string;
  qty: number;
  unitMinor: number;
  totalMinor: number;
}

/** Invoice lines and totals, all money in integer minor units. */
export interface InvoiceLines {
  lines: InvoiceLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * The expected cost of a job before work starts, in minor units, as compared with a template's approval threshold:
 * the template's fixed price, or its estimated minutes at the labour rate (rounded half-up to the minor unit), plus
 * the parts.
 */
export function estimateCostMinor(opts: {
  template: JobTemplate;
  parts: Array<{ qty: number; unitPriceMinor: number }>;
  labourRateMinor: number;
}): number {
  const labour =
    opts.template.fixedPriceMinor ?? multiplyDivideHalfUp(opts.template.estimatedMinutes, opts.labourRateMinor, 60);
  return opts.parts.reduce((sum, part) => sum + part.qty * part.unitPriceMinor, labour);
}

/**
 * Builds an invoice: one labour line, one line per part, then a call-out line when there is a fee.
 *
 * Labour at a fixed price is one unit of that price. Otherwise it is billed in hours: the time on site rounded up to
 * the next quarter hour, with a minimum of one hour, as UK trades conventionally charge (the first hour covers
 * getting to site and set-up; quarter hours after that are fair to the customer without billing by the minute).
 * Quarter hours always fit two decimal places, so the line's qty is exact, and its total is qty × the hourly rate
 * rounded half-up to the minor unit. Tax is the subtotal × `taxRate` (e.g. 0.2 for UK VAT), rounded half-up.
 * Money is only ever multiplied, summed and divided as integers: no float drift reaches an amount.
 */
export function buildInvoiceLines(opts: {
  template: JobTemplate;
  labourMinutes: number;
  labourRateMinor: number;
  parts: Array<{ sku: string; name: string; qty: number; unitPriceMinor: number }>;
  callOutFeeMinor?: number;
  /** The engineer on call went out to it, outside their shift: this is charged instead of the call-out fee. */
  outOfHoursCallOutMinor?: number;
  taxRate: number;
}): InvoiceLines {
  const lines: InvoiceLine[] = [labourLine(opts)];
  for (const part of opts.parts) {
    lines.push({
      description: `${part.name} (${part.sku})`,
      qty: part.qty,
      unitMinor: part.unitPriceMinor,
      totalMinor: part.qty * part.unitPriceMinor,
    });
  }
  if (opts.outOfHoursCallOutMinor) {
    lines.push({
      description: 'Out-of-hours call-out',
      qty: 1,
      unitMinor: opts.outOfHoursCallOutMinor,
      totalMinor: opts.outOfHoursCallOutMinor,
    });
  } else if (opts.callOutFeeMinor) {
    lines.push({
      description: 'Call-out fee',
      qty: 1,
      unitMinor: opts.callOutFeeMinor,
      totalMinor: opts.callOutFeeMinor,
    });
  }

  const subtotalMinor = lines.reduce((sum, line) => sum + line.totalMinor, 0);
  const taxMinor = taxOn(subtotalMinor, opts.taxRate);
  return { lines, subtotalMinor, taxMinor, totalMinor: subtotalMinor + taxMinor };
}

/** Tax on a subtotal at a rate (0.2 for UK VAT), rounded half-up to the minor unit: invoices' and credit notes'. */
export function taxOn(subtotalMinor: number, rate: number): number {
  // Rates are given as decimals (0.2); as parts per million they become an integer without losing any real VAT rate.
  const taxRatePpm = Math.round(rate * 1_000_000);
  return multiplyDivideHalfUp(subtotalMinor, taxRatePpm, 1_000_000);
}

function labourLine(opts: { template: JobTemplate; labourMinutes: number; labourRateMinor: number }): InvoiceLine {
  const { fixedPriceMinor, name } = opts.template;
  if (fixedPriceMinor !== undefined) {
    return { description: `${name} (fixed price)`, qty: 1, unitMinor: fixedPriceMinor, totalMinor: fixedPriceMinor };
  }
  const quarterHours = Math.max(4, Math.ceil(opts.labourMinutes / 15));
  return {
    description: `${name}: labour`,
    qty: quarterHours / 4,
    unitMinor: opts.labourRateMinor,
    totalMinor: multiplyDivideHalfUp(quarterHours, opts.labourRateMinor, 4),
  };
}

/**
 * `a × b / divisor` rounded half-up, for non-negative integers. BigInt keeps the product exact beyond 2^53 (a large
 * subtotal times a rate in parts per million) and throws a RangeError on a fractional amount rather than letting it
 * round silently.
 */
export function multiplyDivideHalfUp(a: number, b: number, divisor: number): number {
  const d = BigInt(divisor);
  return Number((BigInt(a) * BigInt(b) * 2n + d) / (2n * d));
}
