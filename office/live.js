// The office console's live channel: the change feed's events as they happen, each delivered to the page once.
//
// - Locally (no `liveUrl` in config.json) the local server's Server-Sent Events, `GET /v1/events/stream`, with the
//   token as `?access_token=` (an EventSource sends no headers).
// - Deployed, the stack's AppSync Event API: a WebSocket at `config.liveUrl`, subscribed to `config.liveChannel`
//   (the API at `config.liveHost`), each `data` message one feed event as `GET /v1/events` answers it.
//
// Either may deliver an event a moment before one with an earlier id (it sends each as soon as it is committed),
// and may send one again after a reconnection. So the channel keeps the ids it has delivered (those of the last few
// minutes) and drops repeats; and when it drops, it says so and catches up through `GET /v1/events?after=` from the
// commit horizon before the newest event seen, so that nothing committed meanwhile, or late, is lost. While it is
// down it keeps reading the feed every few seconds, and tries the channel again, waiting longer each time.

/** How long after its id is made an event is sure to be committed (the API's commit horizon), plus a margin. */
const horizonMs = 3_500;
/** How far back to read on a first catch-up, before any event has been seen (the clocks may differ a little). */
const firstLookBackMs = 120_000;
/** Ids older than this behind the newest seen are forgotten: no channel sends one again that late. */
const rememberMs = 10 * 60_000;
const pollMs = 2_000;
const retryMs = [500, 1_000, 2_000, 5_000, 10_000];
const encoding = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The time a ULID was made, in ms since the epoch. */
export function timeOf(id) {
  let ms = 0;
  for (const char of id.slice(0, 10)) ms = ms * 32 + encoding.indexOf(char);
  return ms;
}

/** A cursor below every id made at `ms` or after (a ULID of that time, with the lowest random part). */
export function cursorAt(ms) {
  let rest = Math.max(0, Math.floor(ms));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = encoding[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return `${time}${'0'.repeat(16)}`;
}

/**
 * Opens the channel and keeps it open until `close()`.
 * @param options.config the page's config.json (`liveUrl` deployed).
 * @param options.token answers a valid token (it may refresh one).
 * @param options.readFeed `(after, limit)` answers a page of `GET /v1/events`: `{ items, nextCursor }`.
 * @param options.deliver called once for each event, in the order received.
 * @param options.status called with `live`, `connecting`, `down` (and why) or `closed`.
 */
export function openLive({ config, token, readFeed, deliver, status }) {
  const seen = new Map();
  let newest;
  const openedAt = Date.now();
  /** Where the feed was read to while the channel was down: the feed's own cursor, which never skips. */
  let feedCursor;
  let source;
  let socket;
  let closed = false;
  let down = false;
  let attempt = 0;
  let retryTimer;
  let pollTimer;
  let catchingUp;

  function accept(event) {
    if (!event || typeof event.cursor !== 'string' || seen.has(event.cursor)) return;
    seen.set(event.cursor, true);
    if (!newest || event.cursor > newest) {
      newest = event.cursor;
      if (seen.size > 2_000) forget();
    }
    try {
      deliver(event);
    } catch (error) {
      console.error('[live] a listener failed', error);
    }
  }

  function forget() {
    const before = cursorAt(timeOf(newest) - rememberMs);
    for (const id of seen.keys()) if (id < before) seen.delete(id);
  }

  /** Where a catch-up reads from: the horizon before the newest event seen, or before the channel opened. */
  function catchUpFrom() {
    const safe = newest ? cursorAt(timeOf(newest) - horizonMs) : cursorAt(openedAt - firstLookBackMs);
    return feedCursor && feedCursor > safe ? feedCursor : safe;
  }

  /** Reads the feed from where it is safe to, to its end; the events not seen yet are delivered. */
  function catchUp() {
    catchingUp ??= (async () => {
      try {
        let after = catchUpFrom();
        for (;;) {
          const page = await readFeed(after, 500);
          for (const event of page.items) accept(event);
          if (page.nextCursor) {
            after = page.nextCursor;
            // Only the feed's own cursor is kept: it never passes an event still being committed.
            feedCursor = page.nextCursor;
          }
          if (page.items.length < 500) return;
        }
      } finally {
        catchingUp = undefined;
      }
    })();
    return catchingUp;
  }

  function wentDown(why) {
    disconnect();
    if (closed) return;
    if (!down) {
      down = true;
      status('down', why);
    }
    clearInterval(pollTimer);
    pollTimer = setInterval(() => catchUp().catch(() => undefined), pollMs);
    catchUp().catch(() => undefined);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, retryMs[Math.min(attempt, retryMs.length - 1)]);
    attempt++;
  }

  function cameUp() {
    attempt = 0;
    if (!down) {
      status('live');
      return;
    }
    down = false;
    clearInterval(pollTimer);
    // What committed while the channel was down, and (once the horizon has passed) what was committing as it came
    // back: read twice, repeats dropped.
    catchUp()
      .catch(() => undefined)
      .finally(() => status('live'));
    setTimeout(() => catchUp().catch(() => undefined), horizonMs);
  }

  function disconnect() {
    source?.close();
    source = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = undefined;
    }
  }

  async function connect() {
    if (closed) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return wentDown('offline');
    disconnect();
    if (!down) status('connecting');
    let bearer;
    try {
      bearer = await token();
    } catch {
      return wentDown('signed-out');
    }
    if (closed) return;
    if (config.liveUrl) openSocket(bearer);
    else openEventSource(bearer);
  }

  function openEventSource(bearer) {
    const url = new URL('v1/events/stream', new URL(config.apiUrl, location.href));
    url.searchParams.set('access_token', bearer);
    // Back from a drop: the stream resumes a horizon before the newest event seen (repeats are dropped here).
    const resumeFrom = newest ?? feedCursor;
    if (resumeFrom) url.searchParams.set('after', resumeFrom);
    const opened = new EventSource(url);
    source = opened;
    opened.addEventListener('open', () => {
      if (source === opened) cameUp();
    });
    opened.addEventListener('error', () => {
      // The browser would reconnect by itself; the page reconnects instead, so that it says so and catches up.
      if (source === opened) wentDown('dropped');
    });
    // Every event type arrives as its own SSE event name (`workorder.status_changed`...): read them all here.
    const onMessage = (message) => {
      try {
        accept(JSON.parse(message.data));
      } catch (error) {
        console.error('[live] unreadable event', error);
      }
    };
    opened.onmessage = onMessage;
    for (const type of streamTypes) opened.addEventListener(type, onMessage);
  }

  /**
   * The deployed channel, an AppSync Event API (infra/live.ts): the token goes in a subprotocol (a browser sets no
   * headers on a WebSocket) and again in the subscription, which the API's authorizer checks each time. After
   * `connection_ack` the page subscribes to `config.liveChannel`; it is live once the subscription is confirmed.
   * Keep-alives (`ka`) must come within the `connectionTimeoutMs` the ack named, or the page takes the channel for
   * dropped. Each `data` message carries one feed event as JSON text.
   */
  function openSocket(bearer) {
    const authorization = { host: config.liveHost, Authorization: bearer };
    const header = btoa(JSON.stringify(authorization)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const opened = new WebSocket(config.liveUrl, ['aws-appsync-event-ws', `header-${header}`]);
    const subscription = crypto.randomUUID();
    let silence;
    let timeoutMs = 300_000;
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        if (socket === opened) wentDown('dropped');
      }, timeoutMs);
    };
    socket = opened;
    opened.onopen = () => opened.send(JSON.stringify({ type: 'connection_init' }));
    opened.onmessage = (message) => {
      if (socket !== opened) return;
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      heard();
      if (data.type === 'connection_ack') {
        timeoutMs = data.connectionTimeoutMs ?? timeoutMs;
        heard();
        opened.send(
          JSON.stringify({ type: 'subscribe', id: subscription, channel: config.liveChannel, authorization }),
        );
      } else if (data.type === 'subscribe_success' && data.id === subscription) {
        cameUp();
      } else if (data.type === 'data' && data.id === subscription) {
        try {
          accept(typeof data.event === 'string' ? JSON.parse(data.event) : data.event);
        } catch (error) {
          console.error('[live] unreadable event', error);
        }
      } else if (/error$/.test(data.type ?? '')) {
        wentDown('refused');
      }
    };
    opened.onclose = () => {
      clearTimeout(silence);
      if (socket === opened) wentDown('dropped');
    };
  }

  const offline = () => wentDown('offline');
  const online = () => {
    clearTimeout(retryTimer);
    connect();
  };
  window.addEventListener('offline', offline);
  window.addEventListener('online', online);
  connect();

  return {
    /** Reconnects with a new token (after a refresh or another sign-in). */
    reconnect: () => connect(),
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pollTimer);
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      disconnect();
      status('closed');
    },
  };
}

/**
 * The feed's event types (the SSE `event:` names: the timeline's entry types, `workorder.<type>`, and the other
 * domain events), which an EventSource must name to hear: it has no listener for every name. A type not listed is
 * still read from the feed when the channel drops, but not heard live.
 */
const streamTypes = [
  'workorder.logged',
  'workorder.status_changed',
  'workorder.details_changed',
  'workorder.released',
  'workorder.replanned',
  'workorder.no_engineer_matched',
  'workorder.attention_flagged',
  'workorder.sla_at_risk',
  'workorder.message_sent',
  'workorder.message_skipped',
  'workorder.execution_redriven',
  'workorder.request_linked',
  'workorder.request_split',
  'workorder.follow_up_logged',
  'workorder.field_update_recorded',
  'workorder.time_logged',
  'workorder.material_used',
  'workorder.parts_requested',
  'workorder.note_added',
  'workorder.checklist_answered',
  'invoice.issued',
  'quote.sent',
  'stock.reorder_raised',
];
