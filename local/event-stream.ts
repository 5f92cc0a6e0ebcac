import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeTime, encodeTime } from 'ulid';
import { officeRoles } from '#shared/auth/roles.ts';
import { commitHorizonMs, type DomainEventRecord } from '#shared/db/events.ts';
import { db } from '#shared/db/service.ts';
import { eventView } from '#shared/events.ts';
import { type RawRoute, sendProblem, verifyLocalToken } from './http-server.ts';

const pollMs = 250;
const heartbeatMs = 15_000;
const pageSize = 200;
const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * `GET /v1/events/stream`: the change feed as Server-Sent Events, for the office's live view on the local server.
 * Each event's `id` is its cursor, as `GET /v1/events` answers it.
 *
 * The feed serves an event only once it is older than the commit horizon (an id is made just before its write, so a
 * slow write may commit an earlier id after a later one is seen). A live view cannot wait those three seconds, so the
 * stream sends each event as soon as it is committed, once per connection, and keeps reading from the horizon on:
 * an event that commits late, with an earlier id, is still sent. Events may therefore arrive slightly out of id order.
 * Resuming (`Last-Event-ID`, or `?after=`) starts the commit horizon before that cursor, so nothing committed late is
 * lost; an event the client already had may come again, and a client keeps the ids it has seen to drop it. Without a
 * cursor the stream starts with what happens next: what is already in the store when it connects is not sent.
 */
export function eventStreamRoute(jwtSecret: string): RawRoute {
  return { method: 'GET', path: '/v1/events/stream', serve: (req, res) => stream(req, res, jwtSecret) };
}

/** A cursor `ms` milliseconds before another (or before now), below every id made in that millisecond. */
const floorAt = (ms: number) => `${encodeTime(Math.max(0, ms), 10)}${'0'.repeat(16)}`;

async function stream(req: IncomingMessage, res: ServerResponse, jwtSecret: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const verified = await verifyLocalToken(bearer ?? url.searchParams.get('access_token') ?? undefined, jwtSecret);
  if (!verified.ok) return sendProblem(res, 401, 'auth.unauthorized', verified.detail);
  if (!officeRoles.some((role) => role === verified.claims.role))
    return sendProblem(res, 403, 'auth.forbidden', 'Office roles only.');

  const resumeFrom = req.headers['last-event-id'] ?? url.searchParams.get('after');
  const resuming = typeof resumeFrom === 'string' && resumeFrom !== '';
  if (resuming && !ulid.test(resumeFrom)) {
    return sendProblem(res, 400, 'request.validation_failed', 'The cursor to resume after is not an event id.');
  }
  /** Events sent on this connection (or, when not resuming, there before it), by id; none older than `floor`. */
  const sent = new Set<string>();
  let floor = resuming ? floorAt(decodeTime(resumeFrom) - commitHorizonMs) : floorAt(Date.now() - commitHorizonMs);
  if (!resuming) for (const event of await eventsAfter(floor)) sent.add(event.eventId);

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': connected\n\n');

  let closed = false;
  let polling = false;
  const poll = async () => {
    if (closed || polling) return;
    polling = true;
    // Read before the clock is looked at: whatever is older than the horizon then has committed by the read.
    const settled = floorAt(Date.now() - commitHorizonMs);
    try {
      for (const event of await eventsAfter(floor)) {
        if (sent.has(event.eventId)) continue;
        sent.add(event.eventId);
        const view = eventView(event);
        res.write(`id: ${view.cursor}\nevent: ${view.type}\ndata: ${JSON.stringify(view)}\n\n`);
      }
      // Whatever was older than the horizon has committed (or never will): it need not be read, nor remembered, again.
      if (settled > floor) {
        floor = settled;
        for (const id of sent) if (id <= floor) sent.delete(id);
      }
    } catch (error) {
      console.error('[event stream]', error);
    } finally {
      polling = false;
    }
  };
  const timers = [setInterval(poll, pollMs), setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs)];
  req.on('close', () => {
    closed = true;
    for (const timer of timers) clearInterval(timer);
  });
}

/** Every committed event after `floor`, oldest first, page after page. */
async function eventsAfter(floor: string): Promise<DomainEventRecord[]> {
  const events: DomainEventRecord[] = [];
  let after = floor;
  for (;;) {
    const { data } = await db().entities.domainEvent.query.primary({}).gt({ eventId: after }).go({ limit: pageSize });
    events.push(...data);
    const last = data.at(-1);
    if (data.length < pageSize || !last) return events;
    after = last.eventId;
  }
}
