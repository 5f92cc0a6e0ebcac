/**
 * The office's live channel, deployed as an AppSync Event API (infra/live.ts): one channel namespace, `office`, and
 * one channel in it, to which every new change-feed event is published as the item `GET /v1/events` lists (a
 * `FeedEvent`: `cursor`, `at`, `type`, `workOrderId`, `data`). The console subscribes to it; locally it reads
 * `GET /v1/events/stream` instead, which sends the same items.
 *
 * Delivery is at least once and in no promised order: a publish retried after a fault can arrive twice, and two
 * events committed together can arrive either way round. The cursor is the event's identity and its place in the
 * feed, so the console keeps the cursors it has shown and drops one it has seen. A console that lost its
 * connection subscribes again, then catches up from `GET /v1/events?after=` with the newest cursor it holds that is
 * at least the feed's commit horizon (3 s, shared/db/events.ts) older than the newest it holds (a cursor is a ULID:
 * its first ten characters are its time), and drops what it has already shown. An event whose id was made before
 * that cursor committed before the connection dropped, so it was shown; one made after is in the feed: nothing is
 * lost or shown twice.
 */
export const liveNamespace = 'office';

/** The channel every feed event is published to, in `liveNamespace`. */
export const liveChannel = `/${liveNamespace}/feed`;
