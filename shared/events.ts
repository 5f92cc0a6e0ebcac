import * as z from 'zod';
import { type DomainEventRecord, listEventsAfter } from './db/events.ts';
import { Instant, Page, view } from './http/views.ts';

/**
 * A feed event as the API shows it: its id is the cursor to continue after. `data` is the event's own payload
 * (who, from what to what, and what the event carries), published whole for integrations.
 */
export const FeedEvent = z
  .object({
    cursor: z.string(),
    at: Instant,
    type: z.string(),
    workOrderId: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ title: 'Feed event' });

/** A page of the feed: `nextCursor` is where to poll from next. */
export const FeedPage = Page(FeedEvent).meta({ title: 'Feed page' });

const asFeedEvent = view(FeedEvent);

export function eventView({ eventId, ...event }: DomainEventRecord) {
  return asFeedEvent({ cursor: eventId, ...event });
}

/**
 * One page of the change feed after a cursor. `nextCursor` is where to continue: the last event's cursor, or the
 * one given when nothing new has happened yet, so a client polls with it until something arrives.
 */
export async function readFeed(after: string | undefined, limit: number) {
  const events = await listEventsAfter(after, limit);
  return { items: events.map(eventView), nextCursor: events.at(-1)?.eventId ?? after ?? null };
}
