import { Entity } from 'electrodb';

/**
 * How many of a part one holder has: a depot, or an engineer's van (whose holder id is the engineer's). Keyed by
 * SKU then holder, so "where can I get this part" is one query of one SKU's holders, a key range as long as the
 * depots and vans that ever held it (tens), whatever the part's history. A holding at 0 is kept (the count said none)
 * and left out of answers.
 *
 * `part.stock` stays the business's one stock figure: closeout takes from it and reorders by it. Holdings say where
 * those units are: the office sets a count (`setHolding`), a purchase order's receipt adds to its depot's, and
 * closeout takes a job's parts from its engineer's van first, then from the depots holding most (`takeFromStock`),
 * each write conditional on the count read, so two jobs never both take a van's last one.
 */
export const stockHolding = new Entity({
  model: { entity: 'stockHolding', version: '1', service: 'fieldops' },
  attributes: {
    sku: { type: 'string', required: true },
    holderKind: { type: ['depot', 'van'] as const, required: true },
    /** The depot's id, or the engineer's whose van it is. */
    holderId: { type: 'string', required: true },
    qty: { type: 'number', required: true },
    updatedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['sku'] }, sk: { field: 'sk', composite: ['holderKind', 'holderId'] } },
  },
});
