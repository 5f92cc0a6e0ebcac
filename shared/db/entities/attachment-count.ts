import { Entity } from 'electrodb';

/**
 * How many upload slots a work order holds, kept beside its attachments (pk workOrderId): `pending` slots granted
 * and not yet decided, and `total` slots that count towards its limit (pending, verified and quarantined ones; a
 * slot that expired unused is released from both). A slot is granted by a transaction that adds to both under the
 * condition that neither is at its limit, with the attachment it creates, so racing requests never pass a limit;
 * deciding or releasing a slot takes it off in the same transaction as the attachment's change. Absent until a
 * work order's first upload is requested.
 */
export const attachmentCount = new Entity({
  model: { entity: 'attachmentCount', version: '1', service: 'fieldops' },
  attributes: {
    workOrderId: { type: 'string', required: true },
    pending: { type: 'number', required: true },
    total: { type: 'number', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['workOrderId'] }, sk: { field: 'sk', composite: [] } },
  },
});
