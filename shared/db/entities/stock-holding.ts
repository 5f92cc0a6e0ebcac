import { Entity } from 'electrodb';

/**
 * How many of a part one holder has: a depot, or an engineer's van (whose holder id is the engineer's). Keyed by
 * SKU then holder, so "where can I get this part" is one query of one SKU's holders, a key range as long as the
 * depots and vans that ever held it (tens), whatever the part's history. A holding at 0 is kept (the count said none)
 * and left out of answers.
 *
 * `part.stock` stays the business's one stock figure: closeout takes from it and reorders by it. Holdings say where
 * those units are, as the office last counted them (`setHolding`); closeout does not take from a holding, since the
 * parts a job used name no holder, so holdings are as good as the last count.
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
