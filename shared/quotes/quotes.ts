import { createHash } from 'node:crypto';
import * as z from 'zod';
import { getQuote, markAccepted, type QuoteRecord, createQuote as saveQuote } from '../db/quotes.ts';
import { getCustomer, getJobTemplate } from '../db/reference.ts';
import { nextInSequence } from '../db/work-orders.ts';
import { NotFound, ValidationFailed } from '../errors.ts';
import type { Principal } from '../http/api.ts';
import { logFromQuote } from '../work-order/intake.ts';
import { taxRate } from '../work-order/pricing.ts';
import { knownParts, ownAsset, ownSite } from '../work-order/references.ts';

export const CreateQuote = z.strictObject({
  customerId: z.string().min(1).max(64),
  siteId: z.string().min(1).max(64),
  assetIds: z.array(z.string().min(1).max(64)).max(20).optional(),
  jobType: z.string().min(1).max(64),
  description: z.string().trim().min(1).max(4000),
  lines: z
    .array(
      z.strictObject({
        description: z.string().trim().min(1).max(500),
        qty: z.number().positive().max(10_000),
        unitMinor: z.number().int().nonnegative().max(100_000_000),
        sku: z.string().min(1).max(64).optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type CreateQuote = z.infer<typeof CreateQuote>;

/**
 * The office sends a customer a priced quote: lines (with a SKU where a line is a stocked part), VAT and total,
 * numbered `Q-000123`. The id derives from the caller and the idempotency key, so a retried request finds it.
 */
export async function createQuote(options: { actor: string; idempotencyKey: string; request: CreateQuote }) {
  const { request } = options;
  const customer = await getCustomer(request.customerId);
  if (!customer) throw new NotFound('customer', request.customerId);
  const site = await ownSite(customer, request.siteId);
  for (const assetId of request.assetIds ?? []) await ownAsset(customer, assetId, site);
  if (!(await getJobTemplate(request.jobType))) throw new ValidationFailed(`Unknown job type ${request.jobType}.`);
  await knownParts(
    request.lines.flatMap((line) => (line.sku ? [{ sku: line.sku }] : [])),
    'body.lines',
  );

  const lines = request.lines.map((line) => ({ ...line, totalMinor: Math.round(line.qty * line.unitMinor) }));
  const subtotalMinor = lines.reduce((sum, line) => sum + line.totalMinor, 0);
  const taxMinor = Math.round(subtotalMinor * taxRate);
  const quoteId = `q_${createHash('sha256').update(`${options.actor}\n${options.idempotencyKey}`).digest('base64url').slice(0, 22)}`;
  const record: QuoteRecord = {
    quoteId,
    number: `Q-${String(await nextInSequence('quoteNumber')).padStart(6, '0')}`,
    status: 'sent',
    customerId: customer.customerId,
    siteId: site.siteId,
    assetIds: request.assetIds ?? [],
    jobType: request.jobType,
    description: request.description,
    lines,
    subtotalMinor,
    taxMinor,
    totalMinor: subtotalMinor + taxMinor,
    currency: 'GBP',
    createdAt: new Date().toISOString(),
    createdBy: options.actor,
  };
  return (await saveQuote(record)) ? record : ((await getQuote(quoteId)) as QuoteRecord);
}

/** A quote the caller may see: its customer, or the office. Anyone else's is reported missing (404). */
export async function visibleQuote(quoteId: string, principal: Principal): Promise<QuoteRecord> {
  const quote = await getQuote(quoteId);
  if (!quote || (principal.role === 'customer' && quote.customerId !== principal.customerId)) {
    throw new NotFound('quote', quoteId);
  }
  return quote;
}

/**
 * Accepts a quote (its customer or the office): it becomes one work order carrying its lines, linked both ways,
 * and goes on to scheduling. Accepting again answers the same work order.
 */
export async function acceptQuote(options: { quoteId: string; principal: Principal }) {
  const quote = await visibleQuote(options.quoteId, options.principal);
  const workOrder = await logFromQuote({ quote, actor: options.principal.sub });
  await markAccepted(quote.quoteId, {
    workOrderId: workOrder.workOrderId,
    acceptedAt: new Date().toISOString(),
    acceptedBy: options.principal.sub,
  });
  return { quoteId: quote.quoteId, workOrderId: workOrder.workOrderId };
}
