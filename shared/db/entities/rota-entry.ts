import { Entity } from 'electrodb';

/**
 * One entry of the engineers' rota, as the office keeps it: time off (leave, sickness, training, other), when the
 * engineer is never matched, or an on-call period, when emergencies (P1) may go to them outside their shift. At
 * most {@link longestEntryDays} days each, so the entries that matter to the next days are those ending within that
 * many days after them: `byEnd` (gsi1, whole items) is read from now to then, however long the rota's history.
 */
export const rotaEntry = new Entity({
  model: { entity: 'rotaEntry', version: '1', service: 'fieldops' },
  attributes: {
    entryId: { type: 'string', required: true },
    engineerId: { type: 'string', required: true },
    kind: { type: ['leave', 'sickness', 'training', 'other', 'on_call'] as const, required: true },
    from: { type: 'string', required: true },
    to: { type: 'string', required: true },
    /** An on-call engineer's call-out rule: how far they may be sent, in minutes' drive from home. */
    maxTravelMinutes: { type: 'number' },
    note: { type: 'string' },
    createdBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['entryId'] }, sk: { field: 'sk', composite: [] } },
    byEnd: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: [] },
      sk: { field: 'gsi1sk', composite: ['to', 'entryId'] },
    },
  },
});

/** The longest one entry may be: a longer absence is entered as several. */
export const longestEntryDays = 31;
