import { CustomAttributeType, Entity } from 'electrodb';

/** So many of a use taken from one holding: a depot's, or the van of the engineer whose id it is. */
export interface TakenFrom {
  holderKind: 'depot' | 'van';
  holderId: string;
  qty: number;
}

/**
 * One work order's use of one part: written in the same transaction as the stock decrement and keyed by both, so
 * a retried closeout can never take the same parts twice. Read per part, newest last.
 */
export const stockMovement = new Entity({
  model: { entity: 'stockMovement', version: '1', service: 'fieldops' },
  attributes: {
    sku: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    qty: { type: 'number', required: true },
    stockAfter: { type: 'number', required: true },
    at: { type: 'string', required: true },
    /**
     * The holdings the use was taken from, in the same transaction: the engineer's van first, then the depots. Short
     * of `qty` when the holdings counted fewer than were used; absent on a movement from before holdings were taken.
     */
    takenFrom: { type: CustomAttributeType<TakenFrom[]>('any') },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['sku'] }, sk: { field: 'sk', composite: ['workOrderId'] } },
  },
});
