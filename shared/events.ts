import { listEventsAfter } from './db/events.ts';
import { eventView, FeedEvent } from './feed-event.ts';
import { Page } from './http/views.ts';

export { eventView, FeedEvent };

/** A page of the feed: `nextCursor` is where to poll from next. */
export const FeedPage = Page(FeedEvent).meta({ title: 'Feed page' });

/**
 * One page of the change feed after a cursor. `nextCursor` is where to continue: the last event's cursor, or the
 * one given when nothing new has happened yet, so a client polls with it until something arrives.
 */
export async function readFeed(after: string | undefined, limit: number) {
  const events = await listEventsAfter(after, limit);
  return { items: events.map(eventView), nextCursor: events.at(-1)?.eventId ?? after ?? null };
}
