import type { IncomingMessage, ServerResponse } from 'node:http';
import { officeRoles } from '#shared/auth/roles.ts';
import { latestEventId } from '#shared/db/events.ts';
import { readFeed } from '#shared/events.ts';
import { type RawRoute, sendProblem, verifyLocalToken } from './http-server.ts';

const pollMs = 250;
const heartbeatMs = 15_000;

/**
 * `GET /v1/events/stream`: the change feed as Server-Sent Events, for the office's live view on the local server.
 * It follows the same feed as `GET /v1/events` (each event's `id` is its cursor, so a reconnecting EventSource
 * resumes from `Last-Event-ID`); without a cursor it starts with what happens next.
 */
export function eventStreamRoute(jwtSecret: string): RawRoute {
  return { method: 'GET', path: '/v1/events/stream', serve: (req, res) => stream(req, res, jwtSecret) };
}

async function stream(req: IncomingMessage, res: ServerResponse, jwtSecret: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const verified = await verifyLocalToken(bearer ?? url.searchParams.get('access_token') ?? undefined, jwtSecret);
  if (!verified.ok) return sendProblem(res, 401, 'auth.unauthorized', verified.detail);
  if (!officeRoles.some((role) => role === verified.claims.role))
    return sendProblem(res, 403, 'auth.forbidden', 'Office roles only.');

  const resumeFrom = req.headers['last-event-id'] ?? url.searchParams.get('after');
  let cursor = typeof resumeFrom === 'string' && resumeFrom !== '' ? resumeFrom : await latestEventId();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': connected\n\n');

  let closed = false;
  let polling = false;
  const poll = async () => {
    if (closed || polling) return;
    polling = true;
    try {
      const page = await readFeed(cursor, 200);
      for (const event of page.items) {
        res.write(`id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      }
      cursor = page.nextCursor ?? cursor;
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
