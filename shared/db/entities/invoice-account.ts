import { Entity } from 'electrodb';

/**
 * An invoice's running totals: what was paid and credited against it. The invoice itself never changes once issued;
 * this item, beside it in its partition, is what payments and credit notes race for. Each adds to it with `ADD` under
 * a condition on the total so far (`settledMinor` = paid + credited ≤ the invoice total less the new amount), in the
 * same transaction as the payment or credit note, so two that together would pass the invoice's total cannot both
 * commit. Absent until the first payment or credit note.
 */
export const invoiceAccount = new Entity({
  model: { entity: 'invoiceAccount', version: '1', service: 'fieldops' },
  attributes: {
    invoiceId: { type: 'string', required: true },
    paidMinor: { type: 'number', default: 0 },
    creditedMinor: { type: 'number', default: 0 },
    /** paidMinor + creditedMinor, kept as one number so a single condition bounds it. */
    settledMinor: { type: 'number', default: 0 },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['invoiceId'] }, sk: { field: 'sk', composite: [] } },
  },
});
