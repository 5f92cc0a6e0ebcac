import type { EntityItem } from 'electrodb';
import type { domainEvent } from './entities/domain-event.ts';
import { db } from './service.ts';

export type DomainEventRecord = EntityItem<typeof domainEvent>;

/** Feed events after a cursor (an event id), oldest first. */
export async function listEventsAfter(after: string | undefined, limit: number): Promise<DomainEventRecord[]> {
  const query = db().entities.domainEvent.query.primary({});
  const { data } = await (after ? query.gt({ eventId: after }) : query).go({ limit });
  return data;
}

/** The newest event's id, where a live stream that wants only what happens next starts. */
export async function latestEventId(): Promise<string | undefined> {
  const { data } = await db().entities.domainEvent.query.primary({}).go({ order: 'desc', limit: 1 });
  return data[0]?.eventId;
}
