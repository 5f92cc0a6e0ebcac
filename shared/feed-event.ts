import * as z from 'zod';
import type { DomainEventRecord } from './db/events.ts';
import { Instant, view } from './http/views.ts';

/**
 * A feed event as the API shows it: its id is the cursor to continue after. `data` is the event's own payload
 * (who, from what to what, and what the event carries), published whole for integrations. The same item is what
 * `GET /v1/events` lists, the local event stream sends and the live channel pushes (shared/live/), so a client
 * reads all three alike. A module of its own, without the store, for the live channel's publisher.
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

const asFeedEvent = view(FeedEvent);

export function eventView({ eventId, ...event }: DomainEventRecord) {
  return asFeedEvent({ cursor: eventId, ...event });
}
