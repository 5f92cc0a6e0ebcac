import * as z from 'zod';

const code = z.string().trim().min(1).max(100);

/**
 * How the business's sales post in its accounting product: the account (or nominal code, or QuickBooks product or
 * service, whose income account takes the sale) and the tax rate's name there for standard-rate VAT. Kept on the
 * business record (`PATCH /v1/business`); any part left out keeps the default.
 */
export const AccountingSettings = z
  .strictObject({
    xero: z
      .strictObject({
        accountCode: code.optional().meta({ description: 'Sales account code; default `200` (Sales).' }),
        taxType: code.optional().meta({ description: 'Tax rate as Xero names it; default `20% (VAT on Income)`.' }),
      })
      .optional(),
    sage: z
      .strictObject({
        nominalCode: code.optional().meta({ description: 'Sales nominal code; default `4000`.' }),
        taxCode: code.optional().meta({ description: 'Tax code; default `T1` (standard rate).' }),
      })
      .optional(),
    quickbooks: z
      .strictObject({
        item: code
          .optional()
          .meta({ description: 'The Product/Service whose income account takes the sale; default `Sales`.' }),
        taxCode: code.optional().meta({ description: 'VAT code as QuickBooks names it; default `20.0% S`.' }),
      })
      .optional(),
  })
  .meta({ title: 'Accounting settings' });
export type AccountingSettings = z.infer<typeof AccountingSettings>;

/** The settings in force: the business's own, over the defaults. */
export interface AccountCodes {
  xero: { accountCode: string; taxType: string };
  sage: { nominalCode: string; taxCode: string };
  quickbooks: { item: string; taxCode: string };
}

export const defaultAccountCodes: AccountCodes = {
  xero: { accountCode: '200', taxType: '20% (VAT on Income)' },
  sage: { nominalCode: '4000', taxCode: 'T1' },
  quickbooks: { item: 'Sales', taxCode: '20.0% S' },
};

export function accountCodesOf(settings: AccountingSettings | undefined): AccountCodes {
  return {
    xero: { ...defaultAccountCodes.xero, ...settings?.xero },
    sage: { ...defaultAccountCodes.sage, ...settings?.sage },
    quickbooks: { ...defaultAccountCodes.quickbooks, ...settings?.quickbooks },
  };
}
