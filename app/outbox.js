// The outbox: everything the engineer does is written here first (IndexedDB, so it outlives a reload, a crash and a
// phone without signal) and sent from here, one at a time and in the order it was done. An action leaves the outbox
// only when the server has answered it 2xx (a replayed eventId answers 2xx too); one the server refuses stays,
// marked refused with the reason, until the engineer dismisses it. Nothing is dropped silently and nothing the
// server acknowledged is sent again: the server's eventId handling is the safety net for an answer lost on the way,
// not the plan.

import { ApiError } from '../common/sign-in.js';

const dbName = 'fieldops-app';
const entries = 'outbox';
/** Attachment ids of uploads that have left the outbox, by the entry that made them: later actions refer to them. */
const uploads = 'uploads';

let opened;

function db() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(entries, { keyPath: 'seq', autoIncrement: true });
      request.result.createObjectStore(uploads, { keyPath: 'entryId' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

async function run(store, mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(store, mode);
    const request = action(transaction.objectStore(store));
    transaction.oncomplete = () => resolve(request?.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/** Every entry, oldest first. */
export const listEntries = () => run(entries, 'readonly', (store) => store.getAll());

/**
 * Keeps a new action: `{ id, engineerId, workOrderId, ref, kind, label, body, ... }`. `id` is the action's eventId
 * (or its Idempotency-Key), made once on the phone. Answers the entry as stored.
 */
export async function addEntry(entry) {
  const stored = { ...entry, createdAt: entry.createdAt ?? new Date().toISOString(), state: 'waiting' };
  stored.seq = await run(entries, 'readwrite', (store) => store.add(stored));
  return stored;
}

const putEntry = (entry) => run(entries, 'readwrite', (store) => store.put(entry));
const deleteEntry = (seq) => run(entries, 'readwrite', (store) => store.delete(seq));

/** Removes refused entries the engineer has read (`seqs`), never one still waiting. */
export async function dismiss(seqs) {
  for (const entry of await listEntries()) {
    if (entry.state === 'refused' && seqs.includes(entry.seq)) await deleteEntry(entry.seq);
  }
}

/** The attachment id an upload entry got, once it has left the outbox. */
export const uploadedAttachment = async (entryId) =>
  (await run(uploads, 'readonly', (store) => store.get(entryId)))?.attachmentId;

/** All finished uploads: `{ entryId, attachmentId, workOrderId, kind }`. */
export const listUploads = () => run(uploads, 'readonly', (store) => store.getAll());

/** A value an action carries in place of an attachment id not known yet: the upload entry that will have it. */
export const attachmentOf = (entryId) => ({ $attachmentOf: entryId });

/** How long an uploaded file may take to be checked by the server before the app says it was not accepted. */
const verifyForMs = 90_000;

/**
 * Sends what is waiting, for one engineer, through `api` (`call(path, options)`, which throws ApiError, `token()`,
 * and `apiPath(path)`). `onChange` hears of every change to what is waiting, with the upload progress.
 */
export class Sender {
  constructor({ api, engineerId, onChange }) {
    this.api = api;
    this.engineerId = engineerId;
    this.onChange = onChange;
    /** The entry being sent and how far its file has gone (0 to 1). */
    this.current = undefined;
    this.progress = undefined;
    /** Why sending stopped: `offline`, `retrying` (with `retryAt`) or `sign-in`. */
    this.paused = undefined;
    this.retryAt = undefined;
    this.failures = 0;
    this.timer = undefined;
    this.running = false;
    this.again = false;
    this.stopped = false;
  }

  /** Sends now (after a new action, coming back online, or the engineer asking). */
  kick() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    // One sender across the app's tabs: two would send the same action twice (harmless, but not the plan).
    const locked = navigator.locks ? navigator.locks.request('fieldops-outbox', () => this.drain()) : this.drain();
    locked
      .catch((error) => console.error('[outbox]', error))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async drain() {
    for (;;) {
      if (this.stopped) return;
      const next = (await listEntries()).find(
        (entry) => entry.state === 'waiting' && entry.engineerId === this.engineerId,
      );
      if (!next) {
        this.settle(undefined);
        return;
      }
      if (!navigator.onLine) {
        this.settle('offline');
        return;
      }
      this.current = next;
      this.progress = undefined;
      this.changed();
      let outcome;
      try {
        outcome = await this.send(next);
      } catch (error) {
        outcome = { verdict: verdictOf(error), error };
      } finally {
        this.current = undefined;
        this.progress = undefined;
      }
      if (outcome.verdict === 'sent') {
        this.failures = 0;
        await deleteEntry(next.seq);
        this.changed({ sent: next, answer: outcome.answer });
      } else if (outcome.verdict === 'refused') {
        await putEntry({ ...next, state: 'refused', refusal: refusalOf(outcome.error, next) });
        this.changed({ refused: next });
      } else if (outcome.verdict === 'sign-in') {
        this.settle('sign-in');
        return;
      } else {
        // Not sent, and nothing says it cannot be: the same action is sent again, whole, after a pause.
        this.failures++;
        const delay = Math.min(60_000, 1_000 * 2 ** Math.min(this.failures - 1, 6)) * (0.5 + Math.random() / 2);
        this.retryAt = Date.now() + delay;
        this.settle(navigator.onLine ? 'retrying' : 'offline');
        this.timer = setTimeout(() => this.kick(), delay);
        return;
      }
    }
  }

  /** Sending has stopped for now: nothing waits, or `paused` says why. */
  settle(paused) {
    this.paused = paused;
    this.changed({ settled: true });
  }

  changed(event = {}) {
    this.onChange?.({ ...event, sender: this });
  }

  /** Sends one entry; answers `{ verdict: 'sent', answer }` or throws what stopped it. */
  async send(entry) {
    const path = `v1/work-orders/${encodeURIComponent(entry.workOrderId)}`;
    switch (entry.kind) {
      case 'acknowledge':
        return sent(
          await this.api.call(`${path}/acknowledge`, { method: 'POST', body: entry.body, idempotencyKey: entry.id }),
        );
      case 'upload':
        return this.sendUpload(entry, path);
      default: {
        const body = await resolveAttachments(entry.body);
        return sent(await this.api.call(`${path}/${entry.kind}`, { method: 'POST', body }));
      }
    }
  }

  /**
   * A photo or signature: a grant (a presigned POST for one attachment id), the file POSTed to storage with its
   * progress shown, then the server's check of the stored file. A grant is asked for once per try (an
   * Idempotency-Key answers a lost grant again); a try that dropped is sent again whole under the same grant while it
   * is valid, so the same attachment is written again rather than a second one made.
   */
  async sendUpload(entry, path) {
    let state = entry;
    if (state.grant && state.grant.uploadedAt === undefined) {
      // The last try may have arrived before the connection dropped: then it counts, and is not sent again.
      if (await this.verified(path, state.grant.attachmentId)) return this.uploaded(state, state.grant.attachmentId);
    }
    if (!state.grant || Date.parse(state.grant.expiresAt) < Date.now() + 30_000) {
      const tries = (state.grantTries ?? 0) + 1;
      const grant = await this.api.call(`${path}/attachments`, {
        method: 'POST',
        body: { kind: state.attachmentKind, contentType: state.blob.type, sizeBytes: state.blob.size },
        idempotencyKey: `${state.id}-${tries}`,
      });
      state = { ...state, grantTries: tries, grant: { ...grant, uploadedAt: undefined } };
      await putEntry(state);
    }
    if (state.grant.uploadedAt === undefined) {
      await postForm(state.grant.upload, state.blob, (share) => {
        this.progress = share;
        this.changed({ progress: share });
      });
      state = { ...state, grant: { ...state.grant, uploadedAt: new Date().toISOString() } };
      await putEntry(state);
    }
    // Stored; it counts once the server has checked it (size, type, first bytes).
    const { attachmentId } = state.grant;
    const deadline = Date.parse(state.grant.uploadedAt) + verifyForMs;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
      if (await this.verified(path, attachmentId)) return this.uploaded(state, attachmentId);
      if (Date.now() > deadline) {
        throw new ApiError('The server did not accept the file: it may be damaged. Take it again.', {
          status: 422,
          code: 'attachment.not_accepted',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async verified(path, attachmentId) {
    try {
      await this.api.call(`${path}/attachments/${encodeURIComponent(attachmentId)}`);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === 'attachment.not_found') return false;
      throw error;
    }
  }

  async uploaded(entry, attachmentId) {
    await run(uploads, 'readwrite', (store) =>
      store.put({ entryId: entry.id, attachmentId, workOrderId: entry.workOrderId, kind: entry.attachmentKind }),
    );
    return { verdict: 'sent', answer: { attachmentId } };
  }
}

const sent = (answer) => ({ verdict: 'sent', answer });

/** Replaces the `attachmentOf` placeholders in a body with the attachment ids their uploads got. */
async function resolveAttachments(value) {
  if (Array.isArray(value)) return Promise.all(value.map(resolveAttachments));
  if (value && typeof value === 'object') {
    if (typeof value.$attachmentOf === 'string') {
      const attachmentId = await uploadedAttachment(value.$attachmentOf);
      if (!attachmentId) {
        throw new ApiError('It needs a photo or signature that was not uploaded.', {
          status: 422,
          code: 'attachment.missing',
        });
      }
      return attachmentId;
    }
    const resolved = {};
    for (const [key, item] of Object.entries(value)) resolved[key] = await resolveAttachments(item);
    return resolved;
  }
  return value;
}

/**
 * The presigned POST: the grant's fields, then the file, as multipart form data. XMLHttpRequest rather than fetch,
 * for the upload's progress. Resolves on a 2xx from storage; rejects as a network failure otherwise (storage's own
 * refusals are XML, and the grant's policy already fixed what it accepts).
 */
function postForm(upload, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', blob);
    const request = new XMLHttpRequest();
    request.open('POST', upload.url);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new ApiError(`Storage answered ${request.status}.`, { kind: 'network', status: request.status }));
    });
    const dropped = () => reject(new ApiError('The upload did not finish.', { kind: 'network' }));
    request.addEventListener('error', dropped);
    request.addEventListener('abort', dropped);
    request.addEventListener('timeout', dropped);
    request.send(form);
  });
}

/**
 * What to do after a failure: `retry` (no answer, the server busy, or the same key still being answered), `sign-in`
 * (the token has ended), else `refused` (the server said no, and saying it again changes nothing).
 */
function verdictOf(error) {
  if (!(error instanceof ApiError) || error.kind === 'network') return 'retry';
  if (error.status === 401) return 'sign-in';
  if (error.status === 408 || error.status === 429 || error.status >= 500) return 'retry';
  if (error.status === 409 && error.code === 'idempotency.in_flight') return 'retry';
  return 'refused';
}

/** Why the server refused an action, in words for the engineer: `{ status, code, reason, gone, missing }`. */
function refusalOf(error, entry) {
  const refusal = { status: error.status, code: error.code, at: new Date().toISOString() };
  const body = error.body ?? {};
  if (error.status === 404 && error.code !== 'attachment.missing') {
    return {
      ...refusal,
      gone: 'reassigned',
      reason: `Job ${entry.ref} is no longer yours: the office has given it to someone else. This was not sent.`,
    };
  }
  if (body.currentStatus === 'cancelled' || /\bcancelled\b/.test(error.message)) {
    return { ...refusal, gone: 'cancelled', reason: `The office cancelled job ${entry.ref}. This was not sent.` };
  }
  if (error.code === 'completion.incomplete' && Array.isArray(body.missing)) {
    return {
      ...refusal,
      missing: body.missing,
      reason: `The job cannot be completed yet. Still needed: ${body.missing.map(missingInWords).join('; ')}.`,
    };
  }
  const fields = (error.errors ?? []).map((fieldError) => fieldError.message).filter(Boolean);
  return { ...refusal, reason: [error.message, ...fields].join(' ') };
}

/** One thing completion still needs (shared/work-order/job-sheet.ts `Missing`), in words. */
export function missingInWords(missing) {
  switch (missing.kind) {
    case 'checklist':
      return `“${missing.label}” on the job sheet`;
    case 'signature':
      return 'the customer’s signature';
    case 'certification':
      return `your ${certificateName(missing.code)} certificate, valid today`;
    default:
      return missing.kind;
  }
}

/** `gas_safe` → `Gas Safe`, `bafe_sp203` → `BAFE SP203`, `niceic` → `NICEIC`. */
export function certificateName(code) {
  const known = { gas_safe: 'Gas Safe', niceic: 'NICEIC' };
  return known[code] ?? code.toUpperCase().replaceAll('_', ' ');
}
