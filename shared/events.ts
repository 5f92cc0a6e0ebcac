import { type DomainEventRecord, listEventsAfter } from './db/events.ts';

/** A feed event as the API shows it: its id is the cursor to continue after. */
export function eventView({ eventId, ...event }: DomainEventRecord) {
  return { cursor: eventId, ...event };
}

/**
 * One page of the change feed after a cursor. `nextCursor` is where to continue: the last event's cursor, or the
 * one given when nothing new has happened yet, so a client polls with it until something arrives.
 */
export async function readFeed(after: string | undefined, limit: number) {
  const events = await listEventsAfter(after, limit);
  return { items: events.map(eventView), nextCursor: events.at(-1)?.eventId ?? after ?? null };
}
