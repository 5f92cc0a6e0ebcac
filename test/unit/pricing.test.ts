import { describe, expect, it } from 'vitest';
import type { JobTemplate } from '#shared/work-order/model.ts';
import { buildInvoiceLines, estimateCostMinor } from '#shared/work-order/pricing.ts';

const hourly: JobTemplate = {
  jobType: 'leak_repair',
  name: 'Leak repair',
  requiredSkills: ['plumbing'],
  requiredCertifications: [],
  defaultParts: [],
  estimatedMinutes: 90,
  requiresApproval: false,
};
const fixedPrice: JobTemplate = { ...hourly, jobType: 'boiler_service', name: 'Boiler service', fixedPriceMinor: 8500 };

const invoice = (opts: Partial<Parameters<typeof buildInvoiceLines>[0]>) =>
  buildInvoiceLines({ template: hourly, labourMinutes: 60, labourRateMinor: 6000, parts: [], taxRate: 0.2, ...opts });

describe('estimateCostMinor', () => {
  it('prices the estimated minutes at the labour rate plus the parts', () => {
    // Act
    const cost = estimateCostMinor({
      template: hourly,
      parts: [{ qty: 2, unitPriceMinor: 1250 }],
      labourRateMinor: 6000,
    });

    // Assert
    expect(cost).toBe(9000 + 2500);
  });

  it('rounds labour half-up to the minor unit', () => {
    // Arrange: 30 minutes at 40.01 an hour is 20.005
    const template = { ...hourly, estimatedMinutes: 30 };

    // Act
    const cost = estimateCostMinor({ template, parts: [], labourRateMinor: 4001 });

    // Assert
    expect(cost).toBe(2001);
  });

  it('uses the fixed price instead of time when the template has one', () => {
    expect(
      estimateCostMinor({ template: fixedPrice, parts: [{ qty: 1, unitPriceMinor: 300 }], labourRateMinor: 6000 }),
    ).toBe(8800);
  });
});

describe('buildInvoiceLines', () => {
  it('bills a minimum of one hour', () => {
    // Act
    const result = invoice({ labourMinutes: 20 });

    // Assert
    expect(result.lines[0]).toEqual({ description: 'Leak repair: labour', qty: 1, unitMinor: 6000, totalMinor: 6000 });
  });

  it.each([
    [61, 1.25],
    [75, 1.25],
    [76, 1.5],
    [135, 2.25],
  ])('bills %i minutes as %f hours, rounding up to the quarter hour', (labourMinutes, hours) => {
    // Act
    const result = invoice({ labourMinutes });

    // Assert
    expect(result.lines[0]?.qty).toBe(hours);
    expect(result.lines[0]?.totalMinor).toBe(hours * 6000);
  });

  it('rounds the labour total half-up to whole minor units', () => {
    // Act: 1.25 h and 1.5 h at 40.01 an hour are 50.0125 and 60.015
    const quarter = invoice({ labourMinutes: 75, labourRateMinor: 4001 });
    const half = invoice({ labourMinutes: 90, labourRateMinor: 4001 });

    // Assert
    expect(quarter.lines[0]?.totalMinor).toBe(5001);
    expect(half.lines[0]?.totalMinor).toBe(6002);
  });

  it('bills a fixed-price template as one unit of its price whatever the time taken', () => {
    // Act
    const result = invoice({ template: fixedPrice, labourMinutes: 200 });

    // Assert
    expect(result.lines[0]).toEqual({
      description: 'Boiler service (fixed price)',
      qty: 1,
      unitMinor: 8500,
      totalMinor: 8500,
    });
  });

  it('adds one line per part and a call-out line last, then tax on the subtotal', () => {
    // Act
    const result = invoice({
      parts: [
        { sku: 'VAL-15', name: 'Isolation valve 15mm', qty: 2, unitPriceMinor: 450 },
        { sku: 'PTFE', name: 'PTFE tape', qty: 1, unitPriceMinor: 99 },
      ],
      callOutFeeMinor: 3500,
    });

    // Assert
    expect(result.lines.map((line) => [line.description, line.totalMinor])).toEqual([
      ['Leak repair: labour', 6000],
      ['Isolation valve 15mm (VAL-15)', 900],
      ['PTFE tape (PTFE)', 99],
      ['Call-out fee', 3500],
    ]);
    expect(result.subtotalMinor).toBe(10499);
    expect(result.taxMinor).toBe(2100);
    expect(result.totalMinor).toBe(12599);
  });

  it('adds no call-out line without a fee', () => {
    expect(invoice({}).lines).toHaveLength(1);
  });

  it('charges an emergency the engineer on call went out to at the out-of-hours rate, in place of the call-out fee', () => {
    const result = invoice({ callOutFeeMinor: 3500, outOfHoursCallOutMinor: 9500 });
    expect(result.lines.map((line) => [line.description, line.totalMinor])).toEqual([
      ['Leak repair: labour', 6000],
      ['Out-of-hours call-out', 9500],
    ]);
    expect(result.totalMinor).toBe(18600);
  });

  it.each([
    [0.2, 6001, 1200],
    [0.2, 6003, 1201],
    [0.05, 6010, 301],
    [0.175, 6002, 1050],
  ])('rounds tax at %f on %i half-up to %i', (taxRate, labourRateMinor, expected) => {
    // Act
    const result = invoice({ labourRateMinor, taxRate });

    // Assert
    expect(result.taxMinor).toBe(expected);
    expect(result.totalMinor).toBe(labourRateMinor + expected);
  });

  it('refuses a fractional amount rather than rounding it silently', () => {
    expect(() => invoice({ labourRateMinor: 6000.5 })).toThrow(RangeError);
  });
});
