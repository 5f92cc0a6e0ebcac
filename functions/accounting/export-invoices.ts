import * as z from 'zod';
import { exportFormats } from '#shared/accounting/export.ts';
import { ledger, ledgerCsv, maxExportDays } from '#shared/accounting/exports.ts';
import { LedgerExport, ledgerExportView } from '#shared/accounting/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok, okText } from '#shared/http/api.ts';

const Query = z.strictObject({
  from: z.iso.date().meta({ description: 'The first day (the business’s, Europe/London), included.' }),
  to: z.iso.date().meta({ description: `The last day, included; at most ${maxExportDays} days after from.` }),
  format: z.enum(exportFormats).optional().meta({
    description: 'An accounting product’s sales invoice import (`text/csv`), or `json` (the default).',
  }),
});

/**
 * The invoices and credit notes issued from `from` to `to`, for the business's accounting: as JSON for custom
 * integrations (signed: a credit note's amounts negative), or as a CSV download in the import layout of Xero, Sage 50
 * or QuickBooks Online (shared/accounting/export.ts), one row per line, with the business's account codes.
 */
export const handler = api({
  roles: officeRoles,
  query: Query,
  response: {
    status: 200,
    body: LedgerExport,
    text: {
      mediaType: 'text/csv',
      description:
        'With format=xero-csv, sage-csv or quickbooks-csv (RFC 4180, a header line, CRLF, dates dd/mm/yyyy): one row ' +
        'per line of each invoice and credit note, oldest first, in the columns of Xero’s sales invoice import ' +
        'template, Sage 50’s audit trail transaction import (SI, SC) or QuickBooks Online’s invoice import. Offered ' +
        'as an attachment.',
    },
  },
}).handler(async ({ query: { format, ...range } }) => {
  if (format === undefined || format === 'json') return ok(ledgerExportView(await ledger(range)));
  return okText(await ledgerCsv(range, format), 'text/csv; charset=utf-8; header=present', {
    'content-disposition': `attachment; filename="invoices-${format.replace('-csv', '')}-${range.from}-to-${range.to}.csv"`,
  });
});
