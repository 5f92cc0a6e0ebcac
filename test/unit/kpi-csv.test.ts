import { describe, expect, it } from 'vitest';
import { kpiCsv, kpiCsvFileName } from '#shared/reports/csv.ts';
import type { KpiReportView } from '#shared/reports/views.ts';

const report: KpiReportView = {
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-04-01T00:00:00.000Z',
  firstTimeFixRate: 0.6667,
  meanJobMinutes: 47.5,
  slaCompliance: null,
  meanCloseoutLagMinutes: 0.4,
  partsUsage: [
    { sku: 'BOILER-COMBI-30', qty: 2 },
    { sku: 'Valve, 15mm "compression"', qty: 1 },
    { sku: '=HYPERLINK("http://x.example")', qty: 1 },
  ],
  countsByStatus: { logged: 1, closed: 2 },
  basis: {
    logged: 3,
    completed: 3,
    firstTimeFixes: 2,
    timedJobs: 2,
    attended: 0,
    attendedWithinSla: 0,
    closed: 2,
  },
};

describe('the KPI report as CSV', () => {
  it('has a header and a row per figure with the counts behind it, per part and per status, CRLF ended', () => {
    const window = `${report.from},${report.to}`;

    expect(kpiCsv(report).split('\r\n')).toEqual([
      'figure,item,value,counted,of,from,to',
      `firstTimeFixRate,,0.6667,2,3,${window}`,
      `meanJobMinutes,,47.5,2,3,${window}`,
      `slaCompliance,,,0,0,${window}`,
      `meanCloseoutLagMinutes,,0.4,2,,${window}`,
      `partsUsage,BOILER-COMBI-30,2,,,${window}`,
      `partsUsage,"Valve, 15mm ""compression""",1,,,${window}`,
      `partsUsage,"'=HYPERLINK(""http://x.example"")",1,,,${window}`,
      `countsByStatus,logged,1,,3,${window}`,
      `countsByStatus,closed,2,,3,${window}`,
      '',
    ]);
  });

  it('is offered under a name that says its window', () => {
    expect(kpiCsvFileName(report)).toBe('kpis-2026-03-01-until-2026-04-01.csv');
  });
});
