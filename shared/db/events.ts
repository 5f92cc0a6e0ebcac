import type { EntityItem } from 'electrodb';
import { encodeTime } from 'ulid';
import type { domainEvent } from './entities/domain-event.ts';
import { db } from './service.ts';

export type DomainEventRecord = EntityItem<typeof domainEvent>;

/**
 * How long after its id is made an event is sure to be committed or abandoned. An event's id (a ULID) is made just
 * before the write that carries it, so a slow write can commit an event with an earlier id than one already
 * visible; the feed serves only events older than this, so a cursor never moves past one still being written.
 */
export const commitHorizonMs = 3_000;

/** Feed events after a cursor (an event id) and older than the commit horizon, oldest first. */
export async function listEventsAfter(after: string | undefined, limit: number): Promise<DomainEventRecord[]> {
  const settled = `${encodeTime(Date.now() - commitHorizonMs, 10)}`;
  if (after && after >= settled) return [];
  const query = db().entities.domainEvent.query.primary({});
  const { data } = await (after
    ? query.between({ eventId: after }, { eventId: settled })
    : query.lt({ eventId: settled })
  ).go({
    limit: limit + 1,
  });
  return data.filter((event) => event.eventId !== after && event.eventId < settled).slice(0, limit);
}

/** The newest event's id, where a live stream that wants only what happens next starts. */
export async function latestEventId(): Promise<string | undefined> {
  const { data } = await db().entities.domainEvent.query.primary({}).go({ order: 'desc', limit: 1 });
  return data[0]?.eventId;
}

/** One feed event by its id. */
export async function getEvent(eventId: string): Promise<DomainEventRecord | undefined> {
  const { data } = await db().entities.domainEvent.get({ eventId }).go();
  return data ?? undefined;
}

/** Feed events made from `from` to `to` (by their ids' time), oldest first, at most `limit`. */
export async function listEventsBetween(from: Date, to: Date, limit: number): Promise<DomainEventRecord[]> {
  const { data } = await db()
    .entities.domainEvent.query.primary({})
    .between({ eventId: encodeTime(from.getTime(), 10) }, { eventId: `${encodeTime(to.getTime(), 10)}\uffff` })
    .go({ limit });
  return data;
}
