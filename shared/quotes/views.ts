import * as z from 'zod';
import type { QuoteRecord } from '../db/quotes.ts';
import type { Principal } from '../http/api.ts';
import { Instant, view } from '../http/views.ts';

/** What the quote offers and its state: its customer and the office both read this much. */
const offer = {
  id: z.string(),
  number: z.string(),
  status: z.enum(['sent', 'accepted']),
  customerId: z.string(),
  siteId: z.string(),
  assetIds: z.array(z.string()).optional(),
  jobType: z.string(),
  description: z.string(),
  lines: z.array(
    z.object({
      description: z.string(),
      qty: z.number(),
      unitMinor: z.number().int(),
      totalMinor: z.number().int(),
      sku: z.string().optional(),
    }),
  ),
  subtotalMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
  currency: z.string(),
  createdAt: Instant,
  acceptedAt: Instant.optional(),
  workOrderId: z.string().optional(),
};

/** The customer's view: the offer, not which staff account wrote it or which account accepted it. */
export const QuoteForCustomer = z.object(offer).meta({ title: 'Quote (customer)' });

/** The office's view: the offer and who wrote and accepted it. */
export const QuoteForOffice = z
  .object({ ...offer, createdBy: z.string(), acceptedBy: z.string().optional() })
  .meta({ title: 'Quote (office)' });

/** A quote as its reader's role may see it: the office's view or the customer's. */
export const Quote = z.union([QuoteForOffice, QuoteForCustomer]);

const forOffice = view(QuoteForOffice);
const forCustomer = view(QuoteForCustomer);

export function quoteView(record: QuoteRecord, reader: Pick<Principal, 'role'>) {
  const built = { ...record, id: record.quoteId };
  return reader.role === 'customer' ? forCustomer(built) : forOffice(built);
}

/** An accepted quote: the work order that carries it out (the same one however often it is accepted). */
export const AcceptedQuote = z
  .object({ quoteId: z.string(), workOrderId: z.string() })
  .meta({ title: 'Accepted quote' });

export const acceptedQuoteView = view(AcceptedQuote);
