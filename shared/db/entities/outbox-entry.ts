import { CustomAttributeType, Entity } from 'electrodb';

/**
 * Work the workflow still owes after a committed change: answering the task token of the human step a change
 * moved the work order out of, or starting a new work order's execution. Written in the same transaction as the
 * change, done right after it, then deleted. If the process dies in between, the reconciler finds the entry
 * (one partition, oldest first) and does it; both actions are idempotent, so doing one twice is harmless.
 */
export const outboxEntry = new Entity({
  model: { entity: 'outboxEntry', version: '1', service: 'fieldops' },
  attributes: {
    /** A ULID: the entry's order and identity. */
    entryId: { type: 'string', required: true },
    workOrderId: { type: 'string', required: true },
    action: { type: ['answer_task', 'start_execution'] as const, required: true },
    taskToken: { type: 'string' },
    /** How to answer the task: success (absent) or a failure with its error name and cause. */
    outcome: { type: CustomAttributeType<{ error: string; cause: string }>('any') },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: [] }, sk: { field: 'sk', composite: ['entryId'] } },
  },
});
