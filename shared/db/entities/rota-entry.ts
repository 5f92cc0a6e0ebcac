import { Entity } from 'electrodb';

/**
 * One entry of the engineers' rota, as the office keeps it: time off (leave, sickness, training, other), when the
 * engineer is never matched, or an on-call period, when emergencies (P1) may go to them outside their shift. A
 * `visit` is written by planning, not by the office: a day of a job longer than a shift (or a return visit), held
 * for it under the id {@link visitEntryId} so that one engineer's day goes to one such job. At
 * most {@link longestEntryDays} days each, so the entries that matter to the next days are those ending within that
 * many days after them: `byEnd` (gsi1, whole items) is read from now to then, however long the rota's history.
 */
export const rotaEntry = new Entity({
  model: { entity: 'rotaEntry', version: '1', service: 'fieldops' },
  attributes: {
    entryId: { type: 'string', required: true },
    engineerId: { type: 'string', required: true },
    kind: { type: ['leave', 'sickness', 'training', 'other', 'on_call', 'visit'] as const, required: true },
    /** A visit's work order. */
    workOrderId: { type: 'string' },
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

/** The entry holding an engineer's day (`YYYY-MM-DD`, the business's) for a visit: one per engineer and day. */
export const visitEntryId = (engineerId: string, day: string) => `visit_${engineerId}_${day}`;

/** The day a visit entry holds, from its id (see {@link visitEntryId}). */
export const visitEntryDay = (entryId: string) => entryId.slice(-'YYYY-MM-DD'.length);
