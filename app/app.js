// The engineer's app: the day in route order, each job's pack, and everything done on site (acknowledge, statuses,
// time, materials, parts requests, notes, the job sheet, photos, the customer's signature, completion), offline
// first. Plain browser JavaScript with no build step; it reads config.json beside it as the web form does, and
// signs in with common/sign-in.js. Every action is written to the outbox (outbox.js) and sent from there in order,
// but for booking a paused job's return visit, which needs signal (the answer is the day it is booked for); the
// service worker (sw.js) keeps the app and the day's job packs for when there is no signal.
// Built for a Content-Security-Policy without 'unsafe-inline': no inline script, style or handlers, and no
// innerHTML (server text is only ever set as textContent).

import { outcomeLabels, priorityLabels } from '../common/labels.js';
import {
  ApiError,
  apiUrl,
  claim,
  claimsOf,
  cognitoSignOut,
  demoIds,
  expiresWithin,
  fetchAnswer,
  finishCognitoSignIn,
  loadConfig,
  localToken,
  newKey,
  readableId,
  refreshCognitoTokens,
  startCognitoSignIn,
  tokenStore,
} from '../common/sign-in.js';
import {
  addEntry,
  attachmentOf,
  certificateName,
  dismiss,
  listEntries,
  listUploads,
  missingInWords,
  Sender,
} from './outbox.js';
import { shrinkPhoto, signaturePad } from './photos.js';

const tokens = tokenStore(localStorage, 'fieldops.app.token');
const refreshKey = 'fieldops.app.refresh';
const identityKey = 'fieldops.app.engineer';
const signInKey = 'fieldops.app.sign-in';
const dataCache = 'fieldops-app-data';

const statusLabels = {
  logged: 'Logged',
  pending_approval: 'Waiting for approval',
  rejected: 'Not approved',
  ready_to_schedule: 'Being scheduled',
  scheduled: 'Scheduled',
  dispatched: 'Sent to you: accept or refuse',
  acknowledged: 'Accepted',
  en_route: 'On the way',
  on_site: 'On site',
  in_progress: 'Work in progress',
  paused: 'Paused',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled by the office',
  refused: 'Refused',
};

/** The next steps from each status, as buttons at the bottom of the job: the first is the main one. */
const steps = {
  dispatched: [
    { label: 'Accept the job', accept: true },
    { label: 'Refuse the job', route: 'refuse', secondary: true },
  ],
  acknowledged: [
    { label: 'On my way', status: 'en_route' },
    { label: 'Arrived on site', status: 'on_site', secondary: true },
  ],
  en_route: [{ label: 'Arrived on site', status: 'on_site' }],
  on_site: [{ label: 'Start work', status: 'in_progress' }],
  in_progress: [
    { label: 'Complete the job', route: 'complete' },
    { label: 'Pause work', status: 'paused', secondary: true },
  ],
  // Completing a paused job stays one tap away, under the job's tools.
  paused: [
    { label: 'Resume work', status: 'in_progress' },
    { label: 'Book a return visit', route: 'return', secondary: true },
  ],
};
const statusWords = {
  en_route: 'on my way',
  on_site: 'arrived on site',
  in_progress: 'work started',
  paused: 'paused',
};
/** The statuses in which the job is the engineer's to work: the tools are offered. */
const fieldStatuses = ['acknowledged', 'en_route', 'on_site', 'in_progress', 'paused'];
const jobScreens = [
  'job',
  'refuse',
  'time',
  'material',
  'parts-request',
  'note',
  'sheet',
  'photos',
  'signature',
  'complete',
  'stock',
  'return',
];

const app = {
  config: undefined,
  token: undefined,
  /** `{ engineerId, name }` of whoever signed in on this phone last, kept while they are signed in. */
  identity: undefined,
  sender: undefined,
  /** The outbox as last read, this engineer's entries only. */
  entries: [],
  /** The uploads that have left the outbox: `{ entryId, attachmentId, workOrderId, kind }`. */
  uploads: [],
  route: { screen: 'today' },
  /** The day on screen: `{ date, items, savedAt }`. */
  day: undefined,
  /** Day items by job id (their ETA), and job packs by id: `{ pack, savedAt }`. */
  dayItems: new Map(),
  packs: new Map(),
  /** Whether `GET /v1/me/parts` answers here; undefined until asked. */
  partsSearch: undefined,
  signature: undefined,
  closeoutTimer: undefined,
  closeoutPolls: new Map(),
  /**
   * The return visit last sent, `{ sent, key }`, kept while its answer is unknown: the same details sent again carry
   * the same Idempotency-Key, so the return is booked once.
   */
  returnVisit: undefined,
  /** Whether a return visit is on its way: a second tap waits for its answer. */
  booking: false,
  previewUrls: [],
};

const byId = (id) => document.getElementById(id);
const show = (id, visible = true) => {
  byId(id).hidden = !visible;
};

start().catch(report);

async function start() {
  app.config = await loadConfig();
  wire();
  registerServiceWorker();
  if (app.config.auth.mode === 'cognito') await finishSignIn().catch(report);
  app.token = tokens.get();
  app.identity = JSON.parse(localStorage.getItem(identityKey) ?? 'null') ?? undefined;
  show('loading', false);
  // Signed in before on this phone: the app opens on the day (from what was kept, with no signal) and sends the
  // outbox once the engineer can be signed in again.
  if (app.token || app.identity) await enterSignedIn();
  else await enterSignIn();
}

function wire() {
  byId('local-sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    signInLocally().catch(report);
  });
  byId('cognito-button').addEventListener('click', () => startCognitoSignIn(app.config.auth, signInKey).catch(report));
  byId('sign-out').addEventListener('click', () => signOut().catch(report));
  byId('day-before').addEventListener('click', () => moveDay(-1));
  byId('day-after').addEventListener('click', () => moveDay(1));
  byId('day-refresh').addEventListener('click', () =>
    loadDay(app.day?.date ?? today(), { announce: true }).catch(report),
  );
  byId('outbox-send').addEventListener('click', () => {
    say(navigator.onLine ? 'Sending what is waiting.' : 'No signal: it will be sent when the phone is back online.');
    app.sender?.kick();
  });
  byId('outbox-dismiss').addEventListener('click', () => dismissRefused().catch(report));
  byId('refuse-form').addEventListener('submit', (event) => submit(event, refuseJob));
  byId('time-form').addEventListener('submit', (event) => submit(event, logTime));
  byId('material-form').addEventListener('submit', (event) => submit(event, addMaterial));
  byId('parts-request-form').addEventListener('submit', (event) => submit(event, requestPart));
  byId('note-form').addEventListener('submit', (event) => submit(event, addNote));
  byId('sheet-form').addEventListener('submit', (event) => submit(event, saveSheet));
  byId('complete-form').addEventListener('submit', (event) => submit(event, completeJob));
  byId('complete-form').addEventListener('change', showOutcomeFields);
  byId('return-form').addEventListener('submit', (event) => submit(event, bookReturn));
  byId('photo-input').addEventListener('change', (event) => takePhoto(event.target).catch(report));
  byId('signature-clear').addEventListener('click', () => {
    app.signature?.clear();
    say('The signature box is clear.');
  });
  byId('signature-save').addEventListener('click', () => saveSignature().catch(report));
  for (const form of document.querySelectorAll('.part-form')) {
    const search = form.querySelector('.search-button');
    search.addEventListener('click', () => searchParts(form).catch(report));
    form.querySelector('input[type="search"]').addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      searchParts(form).catch(report);
    });
  }
  window.addEventListener('hashchange', () => route().catch(report));
  window.addEventListener('online', () => {
    showConnection();
    say('Back online: sending what is waiting.');
    app.sender?.kick();
  });
  window.addEventListener('offline', () => {
    showConnection();
    say('Offline: what you do is kept on this phone and sent later.');
  });
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('sw.js').catch((error) => console.error('[service worker]', error));
  // The first visit: once the worker controls the page, read the day again through it, so it keeps the day and its
  // job packs.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (app.day && navigator.onLine) loadDay(app.day.date).catch(console.error);
  });
}

// --- Signing in -------------------------------------------------------------------------------------------------

async function enterSignIn() {
  stopSending();
  showSignedIn(false);
  showScreen('sign-in');
  if (app.config.auth.mode === 'local') {
    const seed = await demoIds(app.config);
    const select = byId('demo-engineer');
    select.replaceChildren(...seed.engineers.map((id) => new Option(`${readableId(id)} (${id})`, id)));
    show('local-sign-in');
  } else {
    show('cognito-sign-in');
  }
  focusScreen('sign-in');
}

async function signInLocally() {
  const engineerId = byId('demo-engineer').value;
  await signedIn(await localToken(app.config, { role: 'engineer', engineerId }));
}

/** Back from managed login: the ID token carries the role and engineerId; the refresh token keeps the day going. */
async function finishSignIn() {
  const answer = await finishCognitoSignIn(app.config.auth, signInKey);
  if (!answer) return;
  if (answer.refresh_token) localStorage.setItem(refreshKey, answer.refresh_token);
  await signedIn(answer.id_token, { enter: false });
}

async function signedIn(token, { enter = true } = {}) {
  const claims = claimsOf(token);
  const role = claims.role ?? claims['custom:role'];
  const engineerId = claim(claims, 'engineerId');
  if (role !== 'engineer' || !engineerId) {
    throw new ApiError('This app is for engineers, and this account is not one. Sign in as an engineer.');
  }
  // Another engineer on this phone: what the last one read is theirs, not this one's.
  if (app.identity && app.identity.engineerId !== engineerId) await forgetReads();
  tokens.set(token);
  app.token = token;
  app.identity = { engineerId, name: claims.name ?? claims.email ?? readableId(engineerId) };
  localStorage.setItem(identityKey, JSON.stringify(app.identity));
  if (enter) {
    await enterSignedIn();
    clearAlert();
  }
}

async function enterSignedIn() {
  byId('account-name').textContent = app.identity?.name ?? '';
  showSignedIn(true);
  showConnection();
  startSending();
  await refreshOutbox();
  if (!location.hash || location.hash === '#') history.replaceState(null, '', '#/');
  await route();
}

async function signOut() {
  const waiting = app.entries.filter((entry) => entry.state === 'waiting').length;
  stopSending();
  tokens.clear();
  localStorage.removeItem(refreshKey);
  localStorage.removeItem(identityKey);
  const name = app.identity?.name;
  app.token = undefined;
  app.identity = undefined;
  await forgetReads();
  if (app.config.auth.mode === 'cognito') {
    cognitoSignOut(app.config.auth);
    return;
  }
  history.replaceState(null, '', location.pathname);
  await enterSignIn();
  say(
    waiting > 0
      ? `You are signed out. ${plural(waiting, 'action')} of ${name} still wait on this phone: they are sent when ${name} signs in again.`
      : 'You are signed out.',
  );
}

/** Forgets the day lists and job packs read so far, on this page and in the service worker's keeping. */
async function forgetReads() {
  app.packs.clear();
  app.dayItems.clear();
  app.day = undefined;
  if ('caches' in window) await caches.delete(dataCache);
}

/**
 * A token the API accepts, or an ApiError 401 when there is none to be had: a kept token with a minute left, else
 * a new one from the refresh token (deployed), else the engineer must sign in again.
 */
async function validToken() {
  if (app.token && !expiresWithin(app.token, 60_000)) return app.token;
  const refreshToken = localStorage.getItem(refreshKey);
  if (app.config.auth.mode === 'cognito' && refreshToken) {
    const answer = await refreshCognitoTokens(app.config.auth, refreshToken).catch((error) => {
      if (error.kind === 'network') throw error;
      return undefined;
    });
    if (answer?.id_token) {
      tokens.set(answer.id_token);
      app.token = answer.id_token;
      return app.token;
    }
  }
  throw new ApiError('Your sign-in has ended. Sign in again to send and read.', { status: 401 });
}

/** Calls the API as the engineer; answers the JSON. Errors are ApiErrors in the API's words. */
async function callApi(path, options = {}) {
  return (await callApiAnswer(path, options)).data;
}

async function callApiAnswer(path, { method = 'GET', body, idempotencyKey } = {}) {
  const headers = { accept: 'application/json' };
  try {
    headers.authorization = `Bearer ${await validToken()}`;
  } catch (error) {
    // A read goes on without one: with no signal the service worker answers what it kept, and with signal the API
    // answers 401 and the engineer signs in again. A write never goes without one.
    if (method !== 'GET') throw error;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  try {
    return await fetchAnswer(apiUrl(app.config, path), init);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      tokens.clear();
      app.token = undefined;
    }
    throw error;
  }
}

/** A read for a screen: answers `{ data, savedAt }`, `savedAt` set when the answer is the one kept from earlier. */
async function read(path) {
  try {
    const { data, response } = await callApiAnswer(path);
    return { data, savedAt: response.headers.get('x-fieldops-saved-at') ?? undefined };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignInAgain();
    }
    throw error;
  }
}

function showSignInAgain() {
  showProblem(new ApiError('Your sign-in has ended. Sign in again: nothing waiting to be sent is lost.'));
  enterSignIn().catch(report);
}

// --- The outbox -------------------------------------------------------------------------------------------------

function startSending() {
  stopSending();
  if (!app.identity) return;
  app.sender = new Sender({
    api: { call: callApi },
    engineerId: app.identity.engineerId,
    onChange: (event) => outboxChanged(event).catch(report),
  });
  app.sender.kick();
}

function stopSending() {
  app.sender?.stop();
  app.sender = undefined;
}

/** Keeps an action in the outbox and sends what is waiting. Answers the entry. */
async function queue(entry) {
  const kept = await addEntry({
    engineerId: app.identity.engineerId,
    ...entry,
  });
  await refreshOutbox();
  app.sender?.kick();
  return kept;
}

/** What the outbox did since it last settled: refused actions are reported together, once it has had its go. */
const drained = { refused: [], sent: 0 };

async function outboxChanged({ sent, refused, answer, progress, settled, sender }) {
  if (progress !== undefined) {
    if (app.route.screen === 'outbox') renderOutbox();
    else if (app.route.screen === 'photos') updatePhotoProgress();
    return;
  }
  if (refused) drained.refused.push(refused);
  if (sent) drained.sent++;
  if (sent?.kind === 'upload') app.uploads = await listUploads();
  await refreshOutbox();
  if (sent && sent.workOrderId === app.route.id) {
    // The job moved on at the server: read it again (the status, the closeout) when it is on screen.
    refreshJob(sent.workOrderId).catch(console.error);
  }
  if (sent?.kind === 'complete') say(`${sent.ref}: the completion is sent. Closeout runs now.`);
  if (answer?.attachmentId && app.route.screen === 'photos') renderPhotos();
  if (!settled) return;
  if (sender.paused === 'sign-in' && navigator.onLine && app.route.screen !== 'sign-in') showSignInAgain();
  if (drained.refused.length > 0) reportRefusals(drained.refused);
  else if (drained.sent > 0 && app.entries.every((entry) => entry.state !== 'waiting')) say('Everything is sent.');
  drained.refused = [];
  drained.sent = 0;
}

/** Says plainly what the server refused, why, and where the refused actions are listed. */
function reportRefusals(refusals) {
  const stored = app.entries.filter((entry) => refusals.some((refused) => refused.seq === entry.seq));
  const reasons = [...new Set(stored.map((entry) => entry.refusal?.reason).filter(Boolean))];
  const list = document.createElement('ul');
  list.append(...stored.map((entry) => h('li', { text: `${entry.ref}: ${entry.label}` })));
  const link = h('a', { href: '#/outbox', text: 'See them in the outbox' });
  showAlert(
    'Not sent: the server refused it',
    [...reasons, `${plural(stored.length, 'action')} refused, kept in the outbox until you dismiss them:`],
    list,
    h('p', {}, link),
  );
  if (app.route.id && stored.some((entry) => entry.workOrderId === app.route.id)) renderCurrent();
}

async function refreshOutbox() {
  const all = await listEntries();
  app.entries = all.filter((entry) => entry.engineerId === app.identity?.engineerId);
  if (app.uploads.length === 0) app.uploads = await listUploads();
  const waiting = app.entries.filter((entry) => entry.state === 'waiting').length;
  const refused = app.entries.filter((entry) => entry.state === 'refused').length;
  byId('outbox-count').textContent = String(waiting);
  byId('outbox-refused').textContent = `${refused} refused`;
  show('outbox-refused', refused > 0);
  if (app.route.screen === 'outbox') renderOutbox();
  else if (app.route.screen === 'photos') updatePhotoProgress();
  else if (app.route.screen === 'job') renderJobPending();
}

async function dismissRefused(seqs) {
  const refused = app.entries.filter((entry) => entry.state === 'refused').map((entry) => entry.seq);
  await dismiss(seqs ?? refused);
  await refreshOutbox();
  say(seqs ? 'Dismissed.' : 'The refused actions are dismissed.');
  byId('outbox-title').focus();
}

function renderOutbox() {
  const list = byId('outbox-list');
  const sender = app.sender;
  const waiting = app.entries.filter((entry) => entry.state === 'waiting');
  const refused = app.entries.filter((entry) => entry.state === 'refused');
  list.replaceChildren(
    ...app.entries.map((entry) => {
      const item = h('li', { class: entry.state === 'refused' ? 'refused' : undefined });
      item.append(
        h('p', { class: 'entry-title' }, h('strong', { text: entry.ref }), ` ${entry.label}`),
        h('p', { class: 'entry-time', text: `Done at ${formatTime(entry.createdAt)}` }),
      );
      if (entry.state === 'refused') {
        item.append(
          h('p', { class: 'entry-state', text: `Refused: ${entry.refusal?.reason ?? 'the server refused it.'}` }),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              onclick: () => dismissRefused([entry.seq]).catch(report),
            },
            'Dismiss',
            h('span', { class: 'visually-hidden', text: ` ${entry.ref} ${entry.label}` }),
          ),
        );
      } else if (sender?.current?.seq === entry.seq) {
        item.append(h('p', { class: 'entry-state', text: 'Sending…' }));
        if (entry.kind === 'upload' && sender.progress !== undefined) {
          item.append(
            h('progress', {
              max: '100',
              value: String(Math.round(sender.progress * 100)),
              'aria-label': `Upload of ${entry.label}`,
            }),
          );
        }
      } else {
        item.append(h('p', { class: 'entry-state', text: 'Waiting to be sent' }));
      }
      return item;
    }),
  );
  const why = {
    offline: 'No signal: they are sent when the phone is back online.',
    retrying: `Not sent yet: trying again at ${formatTime(new Date(sender?.retryAt ?? Date.now()).toISOString())}.`,
    'sign-in': 'Sign in again to send them.',
  }[sender?.paused];
  byId('outbox-summary').textContent =
    app.entries.length === 0
      ? 'Nothing is waiting: everything you did has been sent.'
      : [
          `${plural(waiting.length, 'action')} waiting to be sent.`,
          refused.length > 0 ? `${plural(refused.length, 'action')} refused by the server.` : '',
          waiting.length > 0 && why ? why : '',
        ]
          .filter(Boolean)
          .join(' ');
  show('outbox-dismiss', refused.length > 0);
  show('outbox-send', waiting.length > 0);
}

// --- Screens ----------------------------------------------------------------------------------------------------

function parseRoute() {
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  if (parts[0] === 'outbox') return { screen: 'outbox' };
  if (parts[0] === 'today') return { screen: 'today', date: today() };
  if (parts[0] === 'day' && /^\d{4}-\d{2}-\d{2}$/.test(parts[1] ?? '')) return { screen: 'today', date: parts[1] };
  if (parts[0] === 'job' && parts[1]) {
    if (parts[2] === 'stock' && parts[3]) return { screen: 'stock', id: parts[1], sku: parts[3] };
    const screen = parts[2] ?? 'job';
    if (jobScreens.includes(screen)) return { screen, id: parts[1] };
  }
  return { screen: 'today' };
}

async function route() {
  if (!app.identity) return enterSignIn();
  const previous = app.route;
  app.route = parseRoute();
  clearTimeout(app.closeoutTimer);
  const moved = previous.screen !== app.route.screen || previous.id !== app.route.id;
  if (moved) clearAlert();
  if (app.route.screen === 'today') await openDay(app.route.date ?? app.day?.date ?? today());
  else if (app.route.screen === 'outbox') {
    showScreen('outbox');
    renderOutbox();
  } else await openJobScreen(app.route);
  if (moved) focusScreen(app.route.screen);
}

function renderCurrent() {
  if (app.route.screen === 'job') renderJob();
  else if (app.route.screen === 'outbox') renderOutbox();
}

function showScreen(screen) {
  for (const section of document.querySelectorAll('.screen')) section.hidden = section.id !== `screen-${screen}`;
  for (const link of document.querySelectorAll('.bottom-nav a')) link.removeAttribute('aria-current');
  if (screen === 'today') byId('nav-today').setAttribute('aria-current', 'page');
  if (screen === 'outbox') byId('nav-outbox').setAttribute('aria-current', 'page');
}

/** A new screen: its heading takes the focus (a screen reader reads where the engineer is) and names the page. */
function focusScreen(screen) {
  const heading = document.querySelector(`#screen-${screen} h1`);
  if (!heading) return;
  document.title = `${heading.textContent} – FieldOps`;
  heading.focus();
  window.scrollTo(0, 0);
}

function showSignedIn(signedIn) {
  show('account', signedIn);
  show('bottom-nav', signedIn);
  document.body.classList.toggle('signed-in', signedIn);
}

function showConnection() {
  show('connection', !navigator.onLine);
}

// --- The day ----------------------------------------------------------------------------------------------------

async function openDay(date) {
  showScreen('today');
  if (app.day?.date !== date) {
    byId('day-list').replaceChildren();
    show('day-empty', false);
  }
  byId('day-label').textContent = formatDay(date);
  await loadDay(date);
}

function moveDay(days) {
  const date = new Date(`${app.day?.date ?? today()}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  location.hash = `#/day/${date.toISOString().slice(0, 10)}`;
}

async function loadDay(date, { announce = false } = {}) {
  let answer;
  try {
    answer = await read(`v1/me/jobs?date=${date}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.kind !== 'network') throw error;
    byId('day-saved').textContent = 'No signal, and this day is not kept on this phone.';
    show('day-saved');
    return;
  }
  app.day = { date, items: answer.data.items, savedAt: answer.savedAt };
  for (const item of app.day.items) app.dayItems.set(item.id, item);
  renderDay();
  if (announce) say(`${plural(app.day.items.length, 'job')} on ${formatDay(date)}.`);
  if (!answer.savedAt) keepDayPacks(app.day).catch(console.error);
}

function renderDay() {
  const { items, savedAt } = app.day;
  byId('day-label').textContent = formatDay(app.day.date);
  show('day-empty', items.length === 0);
  byId('day-saved').textContent = savedAt ? `No signal: the day as it was at ${formatTime(savedAt)}.` : '';
  show('day-saved', Boolean(savedAt));
  byId('day-list').replaceChildren(...items.map((item, index) => dayItem(item, items[index - 1])));
}

function dayItem(item, before) {
  const status = shownStatus(item.id, item.status);
  const title = `${item.ref} ${jobName(item)}`;
  const facts = h(
    'dl',
    { class: 'facts compact' },
    fact('Planned', plannedWords(item)),
    fact('ETA', formatTime(item.eta)),
    fact('Travel', travelFrom(before, item)),
    fact('Priority', priorityLabels[item.priority] ?? item.priority),
    fact('Respond by', slaWords(item.slaDueAt)),
    fact('Status', statusLabel(status)),
    fact('Address', [item.site?.address, item.site?.postcode].filter(Boolean).join(', ') || undefined),
  );
  const maps = mapsLink({ location: item.location, address: item.site?.address, postcode: item.site?.postcode });
  return h(
    'li',
    { class: `job priority-${item.priority}` },
    h('h2', { class: 'job-heading' }, h('a', { href: `#/job/${encodeURIComponent(item.id)}`, text: title })),
    facts,
    maps ? h('p', {}, maps) : undefined,
  );
}

/** When the day's item is planned: for a job planned as visits, which of them this day's is, and its hours. */
function plannedWords(item) {
  const { visit, visits = [] } = item;
  if (!visit) return item.scheduledStart ? formatTime(item.scheduledStart) : 'Not set';
  const hours = visitHours(visit);
  // A visit alone is a return with parts: a job longer than a shift has two or more.
  if (visits.length < 2) return `Return visit, ${hours}`;
  return `Visit ${visits.findIndex((other) => other.day === visit.day) + 1} of ${visits.length}, ${hours}`;
}

/**
 * The drive from the job before, as the scheduler estimates it (shared/scheduling/travel.ts): the great-circle
 * distance times 1.3 for the roads, at 40 km/h. The first job's drive is from home, which the day does not say.
 */
function travelFrom(before, item) {
  if (!before) return 'First job of the day';
  if (!before.location || !item.location) return undefined;
  const km = greatCircleKm(before.location, item.location) * 1.3;
  return `About ${Math.max(1, Math.round((km / 40) * 60))} min (${km.toFixed(1)} km) from ${before.ref}`;
}

function greatCircleKm(from, to) {
  const radians = (degrees) => (degrees * Math.PI) / 180;
  const dLat = radians(to.lat - from.lat);
  const dLng = radians(to.lng - from.lng);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(from.lat)) * Math.cos(radians(to.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Reads each job pack of the day while there is signal, so the service worker keeps them for when there is none.
 * Says so once they are all kept.
 */
async function keepDayPacks(day) {
  let kept = 0;
  // The day itself too: it may have been read before the worker controlled the page.
  if (navigator.serviceWorker?.controller) await read(`v1/me/jobs?date=${day.date}`).catch(() => undefined);
  for (const item of day.items) {
    try {
      const answer = await read(`v1/work-orders/${encodeURIComponent(item.id)}/job-pack`);
      app.packs.set(item.id, { pack: answer.data, savedAt: answer.savedAt });
      kept++;
    } catch (error) {
      if (!(error instanceof ApiError) || error.kind === 'network') return;
    }
  }
  if (app.day !== day || !navigator.serviceWorker?.controller) return;
  byId('day-saved').textContent =
    kept === 0
      ? 'Nothing to keep for this day.'
      : `Kept on this phone for use without signal: ${plural(kept, 'job pack')}.`;
  show('day-saved');
}

// --- The job ----------------------------------------------------------------------------------------------------

async function openJobScreen({ screen, id, sku }) {
  showScreen(screen);
  for (const link of document.querySelectorAll(`#screen-${screen} .back-to-job`)) {
    link.href = `#/job/${encodeURIComponent(id)}`;
  }
  const entry = await loadPack(id);
  if (!entry) return;
  const renderers = {
    job: renderJob,
    refuse: () => {},
    time: renderTimeForm,
    material: () => renderPartForm('material'),
    'parts-request': () => renderPartForm('parts-request'),
    note: () => {},
    sheet: renderSheet,
    photos: renderPhotos,
    signature: renderSignature,
    complete: renderComplete,
    stock: () => renderStock(sku),
    return: renderReturnForm,
  };
  renderers[screen]();
}

/** The job pack, from the server or (with no signal) as kept; answers `{ pack, savedAt }` or nothing. */
async function loadPack(id) {
  try {
    const answer = await read(`v1/work-orders/${encodeURIComponent(id)}/job-pack`);
    app.packs.set(id, { pack: answer.data, savedAt: answer.savedAt });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.kind === 'network' && app.packs.has(id)) return app.packs.get(id);
    if (error.kind === 'network') {
      showProblem(new ApiError('No signal, and this job pack is not kept on this phone. Open it once with signal.'));
    } else if (error.status === 404) {
      app.packs.delete(id);
      showProblem(new ApiError('This job is no longer yours: the office has given it to someone else.'));
    } else if (error.status !== 401) {
      showProblem(error);
    }
    return undefined;
  }
  return app.packs.get(id);
}

async function refreshJob(id) {
  await loadPack(id);
  if (app.route.id !== id) return;
  renderCurrent();
}

const pendingFor = (id) => app.entries.filter((entry) => entry.workOrderId === id && entry.state === 'waiting');
const refusedFor = (id) => app.entries.filter((entry) => entry.workOrderId === id && entry.state === 'refused');

/** The status the engineer has moved the job to: the server's, then what waits in the outbox, in order. */
function shownStatus(id, serverStatus) {
  let status = serverStatus;
  for (const entry of pendingFor(id)) {
    if (entry.kind === 'acknowledge') status = entry.body.accept ? 'acknowledged' : 'refused';
    else if (entry.kind === 'status') status = entry.body.status;
    else if (entry.kind === 'complete') status = 'completed';
  }
  return status;
}

function renderJob() {
  const { id } = app.route;
  const { pack, savedAt } = app.packs.get(id) ?? {};
  if (!pack) return;
  // What is drawn again loses the focus: it goes back to the job's heading rather than to nowhere.
  const redrawn = ['job-steps', 'job-pack', 'job-notice'].some((part) => byId(part).contains(document.activeElement));
  const wo = pack.workOrder;
  const title = `${wo.ref}: ${jobName(wo)}`;
  byId('job-title').textContent = title;
  document.title = `${title} – FieldOps`;
  byId('job-saved').textContent = savedAt ? `No signal: the job pack as it was at ${formatTime(savedAt)}.` : '';
  show('job-saved', Boolean(savedAt));
  const status = shownStatus(id, wo.status);
  const dayItem = app.dayItems.get(id);
  const visits = wo.visits ?? [];
  // A fact with no value is nothing: left out, not written as "undefined".
  const facts = [
    fact('Status', `${statusLabel(status)}${status !== wo.status ? ' (waiting to be sent)' : ''}`),
    fact('Priority', priorityLabels[wo.priority] ?? wo.priority),
    fact('Respond by', slaWords(wo.slaDueAt)),
    // A job planned as visits is planned by them (a return's visits are all it has left).
    fact('Planned', wo.scheduledStart && visits.length === 0 ? formatTime(wo.scheduledStart) : undefined),
    fact(
      visits.length === 1 ? 'Return visit' : 'Visits',
      visits.length > 0
        ? h('ul', { class: 'visit-days' }, ...visits.map((visit) => h('li', { text: visitWords(visit) })))
        : undefined,
    ),
    fact('ETA', dayItem?.eta ? formatTime(dayItem.eta) : undefined),
  ];
  byId('job-summary').replaceChildren(...facts.filter(Boolean));
  renderSteps(status);
  renderJobNotice();
  show('job-tools', fieldStatuses.includes(status));
  for (const tool of ['sheet', 'photos', 'signature', 'time', 'material', 'parts-request', 'note', 'complete']) {
    byId(`tool-${tool}`).href = `#/job/${encodeURIComponent(id)}/${tool}`;
  }
  show('tool-signature', pack.requiresSignature || app.uploads.some((upload) => upload.workOrderId === id));
  byId('job-pack').replaceChildren(...packSections(pack));
  renderCloseout(pack, status);
  if (redrawn && !document.activeElement?.isConnected) byId('job-title').focus();
  else if (redrawn && document.activeElement === document.body) byId('job-title').focus();
}

/** What has changed in the outbox, on the job on screen. */
function renderJobPending() {
  if (!app.packs.has(app.route.id)) return;
  renderJob();
}

function renderJobNotice() {
  const refused = refusedFor(app.route.id);
  const notice = byId('job-notice');
  if (refused.length === 0) {
    notice.hidden = true;
    notice.replaceChildren();
    return;
  }
  const reasons = [...new Set(refused.map((entry) => entry.refusal?.reason).filter(Boolean))];
  notice.replaceChildren(
    h('h2', { text: 'Not sent' }),
    ...reasons.map((reason) => h('p', { text: reason })),
    h('ul', {}, ...refused.map((entry) => h('li', { text: entry.label }))),
    h('p', {}, h('a', { href: '#/outbox', text: 'See them in the outbox' })),
  );
  notice.hidden = false;
}

function renderSteps(status) {
  const { id } = app.route;
  const buttons = (steps[status] ?? []).map((step) =>
    h('button', {
      type: 'button',
      class: step.secondary ? 'secondary' : undefined,
      text: step.label,
      onclick: () => {
        if (step.route) location.hash = `#/job/${encodeURIComponent(id)}/${step.route}`;
        else if (step.accept) acceptJob().catch(report);
        else moveStatus(step.status).catch(report);
      },
    }),
  );
  byId('job-steps').replaceChildren(...buttons);
  byId('job-steps').hidden = buttons.length === 0;
}

function packSections(pack) {
  const wo = pack.workOrder;
  const sections = [];
  const section = (title, ...content) => {
    const body = content.flat().filter(Boolean);
    if (body.length > 0) sections.push(h('section', { class: 'pack-section' }, h('h2', { text: title }), ...body));
  };
  section(
    'The job',
    h('p', { text: wo.description }),
    h(
      'dl',
      { class: 'facts' },
      fact('Type', jobName(wo)),
      fact('Time allowed', wo.estimatedMinutes ? `${wo.estimatedMinutes} min` : undefined),
      fact(
        'Customer would like',
        wo.preferredWindow
          ? `${formatTime(wo.preferredWindow.from)} to ${formatTime(wo.preferredWindow.to)}`
          : undefined,
      ),
    ),
  );
  const contact = wo.contact;
  section(
    'Customer',
    h(
      'dl',
      { class: 'facts' },
      fact('Customer', pack.customer.name ?? undefined),
      fact('Phone', pack.customer.phone ? telLink(pack.customer.phone) : undefined),
      fact('Contact', contact?.name !== pack.customer.name ? contact?.name : undefined),
      fact(
        'Contact phone',
        contact?.phone && contact.phone !== pack.customer.phone ? telLink(contact.phone) : undefined,
      ),
    ),
  );
  const address = [pack.site.address ?? wo.site?.address, pack.site.postcode ?? wo.site?.postcode].filter(Boolean);
  const maps = mapsLink({ location: wo.location, address: address[0], postcode: address[1] });
  section(
    'Address and access',
    address.length > 0 ? h('p', { class: 'address', text: address.join(', ') }) : undefined,
    maps ? h('p', {}, maps) : undefined,
    pack.site.accessInstructions
      ? h('p', {}, h('strong', { text: 'Access: ' }), pack.site.accessInstructions)
      : undefined,
  );
  const hazards = pack.site.hazards ?? [];
  if (hazards.length > 0 || pack.safetyNotes) {
    sections.push(
      h(
        'section',
        { class: 'pack-section warning' },
        h('h2', { text: 'Hazards and safety' }),
        hazards.length > 0 ? h('ul', {}, ...hazards.map((hazard) => h('li', { text: hazard }))) : undefined,
        pack.safetyNotes ? h('p', { text: pack.safetyNotes }) : undefined,
      ),
    );
  }
  if (pack.certificates) section('Certificates', ...certificateParts(pack.certificates));
  section('Assets', ...assetParts(pack));
  section(
    'Previous visits',
    pack.previousVisits.length === 0
      ? h('p', { text: 'No earlier visits recorded.' })
      : h(
          'ul',
          { class: 'visits' },
          ...pack.previousVisits.map((visit) =>
            h(
              'li',
              {},
              h(
                'p',
                {},
                h('strong', { text: visit.ref }),
                ` ${formatDate(visit.date)}: ${outcomeLabels[visit.outcome] ?? visit.outcome}`,
              ),
              visit.findings ? h('p', { text: `Found: ${visit.findings}` }) : undefined,
              visit.workDone ? h('p', { text: `Done: ${visit.workDone}` }) : undefined,
              ...visit.notes.map((note) => h('p', { text: `Note: ${note}` })),
            ),
          ),
        ),
  );
  section(
    'Parts planned',
    pack.parts.length === 0
      ? h('p', { text: 'No parts planned for this job.' })
      : h(
          'ul',
          { class: 'parts' },
          ...pack.parts.map((part) =>
            h(
              'li',
              {},
              h('p', {}, h('strong', { text: `${part.qty} × ${part.name}` }), ` (${part.sku})`),
              h('p', {
                text:
                  part.inStock > 0
                    ? `In stock: ${part.inStock}${part.location ? ` at ${part.location}` : ''}`
                    : 'Out of stock',
              }),
              h(
                'a',
                {
                  class: 'button secondary small',
                  href: `#/job/${encodeURIComponent(wo.id)}/stock/${encodeURIComponent(part.sku)}`,
                },
                'Where to get it',
                h('span', { class: 'visually-hidden', text: `: ${part.name}` }),
              ),
            ),
          ),
        ),
  );
  section('Recorded on this job', ...recordedParts(pack));
  return sections;
}

function certificateParts(certificates) {
  const parts = [];
  const required = certificates.required ?? [];
  const mine = certificates.mine ?? [];
  const words = {
    valid: 'valid',
    expiring: 'expires soon',
    expired: 'expired: you cannot complete this job',
    missing: 'missing: you cannot complete this job',
  };
  if (required.length > 0) {
    parts.push(
      h('h3', { text: 'This job needs' }),
      h(
        'ul',
        {},
        ...required.map((certificate) =>
          h('li', {
            class: certificate.status === 'valid' ? undefined : 'alarm',
            text: `${certificateName(certificate.code)}: ${words[certificate.status] ?? certificate.status}${
              certificate.expiresAt ? `, until ${formatDate(certificate.expiresAt)}` : ''
            }`,
          }),
        ),
      ),
    );
  }
  if (mine.length > 0) {
    parts.push(
      h('h3', { text: 'Yours' }),
      h(
        'ul',
        {},
        ...mine.map((certificate) =>
          h('li', {
            class: certificate.status === 'valid' ? undefined : 'alarm',
            text: `${certificateName(certificate.code)} ${certificate.number}: ${
              certificate.status === 'expired'
                ? `expired on ${formatDate(certificate.expiresAt)}`
                : certificate.status === 'expiring'
                  ? `expires in ${plural(certificate.daysLeft, 'day')}, on ${formatDate(certificate.expiresAt)}`
                  : `valid until ${formatDate(certificate.expiresAt)}`
            }`,
          }),
        ),
      ),
    );
  }
  return parts;
}

function assetParts(pack) {
  if (Array.isArray(pack.assets)) {
    return pack.assets.map((asset) =>
      h(
        'div',
        { class: 'asset' },
        h('h3', { text: [asset.make, asset.model].filter(Boolean).join(' ') || readableId(`x_${asset.type}`) }),
        h(
          'dl',
          { class: 'facts' },
          fact('Type', readableId(`x_${asset.type}`)),
          fact('Installed', asset.installedAt ? formatDate(asset.installedAt) : undefined),
          fact('Last serviced', asset.lastServicedAt ? formatDate(asset.lastServicedAt) : undefined),
          fact('Next service due', asset.nextServiceDue ? formatDate(asset.nextServiceDue) : undefined),
        ),
      ),
    );
  }
  const ids = pack.workOrder.assetIds ?? [];
  return ids.length > 0 ? [h('ul', {}, ...ids.map((id) => h('li', { text: readableId(id) })))] : [];
}

/** What is recorded on the job at the server, and what waits in the outbox, marked so. */
function recordedParts(pack) {
  const wo = pack.workOrder;
  const lines = [
    ...(wo.timeLogs ?? []).map((log) => `Time: ${log.kind} ${formatTime(log.startedAt)} to ${formatTime(log.endedAt)}`),
    ...(wo.materials ?? []).map((material) => `Material: ${material.qty} × ${partName(pack, material.sku)}`),
    ...(wo.partsRequests ?? []).map((request) => `Part requested: ${request.qty} × ${partName(pack, request.sku)}`),
    ...(wo.notes ?? []).map((note) => `Note: ${note.text}`),
  ].map((text) => h('li', { text }));
  const waiting = pendingFor(wo.id)
    .filter((entry) => entry.kind !== 'status' && entry.kind !== 'acknowledge')
    .map((entry) => h('li', { class: 'waiting', text: `${entry.label} (waiting to be sent)` }));
  return lines.length + waiting.length > 0 ? [h('ul', { class: 'recorded' }, ...lines, ...waiting)] : [];
}

function renderCloseout(pack, status) {
  const done = ['completed', 'closed'].includes(pack.workOrder.status);
  show('job-closeout', done || status === 'completed');
  if (!(done || status === 'completed')) return;
  const body = byId('job-closeout-body');
  const lines = [];
  const closeout = pack.closeout;
  if (!done) lines.push('The completion waits to be sent. Closeout runs once it arrives.');
  else if (closeout?.status === 'done') {
    lines.push('Closeout is done.');
    if (closeout.invoice) {
      const total = money(closeout.invoice.totalMinor, closeout.invoice.currency);
      // An invoice is numbered a moment after it is raised (numbers have no gaps).
      lines.push(
        closeout.invoice.number
          ? `Invoice ${closeout.invoice.number} raised: ${total}.`
          : `Invoice raised: ${total} (its number follows).`,
      );
    }
    if (closeout.nextServiceDue) lines.push(`Next service booked for ${formatDate(closeout.nextServiceDue)}.`);
    if (closeout.followUpWorkOrderId) lines.push('A follow-up job is booked.');
  } else if (closeout?.status === 'pending' || (!closeout && pack.workOrder.status === 'completed')) {
    lines.push('Closeout is running: the invoice, the asset’s history and the next service.');
  } else if (pack.workOrder.status === 'closed') {
    lines.push('The job is closed: the invoice is raised and the asset’s history updated.');
  }
  body.replaceChildren(...lines.map((line) => h('p', { text: line })));
  if (done && !closeoutFinished(pack)) pollCloseout(pack.workOrder.id);
}

/**
 * Closeout has said what it did, its invoice numbered, or (where the job pack does not say what closeout did) the
 * job is closed.
 */
function closeoutFinished(pack) {
  const { closeout } = pack;
  if (!closeout) return pack.workOrder.status === 'closed';
  return closeout.status === 'done' && (closeout.invoice === null || closeout.invoice.number !== null);
}

/** Reads the job pack again every few seconds while closeout runs and the job is on screen (ten minutes at most). */
function pollCloseout(id) {
  clearTimeout(app.closeoutTimer);
  const polls = (app.closeoutPolls.get(id) ?? 0) + 1;
  if (polls > 200) return;
  app.closeoutPolls.set(id, polls);
  app.closeoutTimer = setTimeout(async () => {
    if (app.route.screen !== 'job' || app.route.id !== id) return;
    const before = app.packs.get(id)?.pack;
    const kept = await loadPack(id).catch(() => undefined);
    if (!kept || app.route.screen !== 'job' || app.route.id !== id) return;
    const { pack } = kept;
    const changed =
      before?.workOrder.status !== pack.workOrder.status ||
      JSON.stringify(before?.closeout) !== JSON.stringify(pack.closeout);
    if (!changed) return pollCloseout(id);
    renderJob();
    if (closeoutFinished(pack)) say(`${pack.workOrder.ref}: closeout is done.`);
  }, 3_000);
}

// --- Actions ----------------------------------------------------------------------------------------------------

const currentPack = () => app.packs.get(app.route.id)?.pack;

/** Keeps one action on the job on screen, says so, and goes back to the job (or where `next` says). */
async function act({ kind, label, body, id = newKey(), extra = {}, next = 'job', message }) {
  const pack = currentPack();
  const wo = pack.workOrder;
  const entry = await queue({ id, kind, label, body, workOrderId: wo.id, ref: wo.ref, ...extra });
  say(
    message ??
      `${label}: saved${navigator.onLine ? ', sending' : '. No signal: it is sent when the phone is back online'}.`,
  );
  if (next === 'job') location.hash = `#/job/${encodeURIComponent(wo.id)}`;
  else if (next === 'today') location.hash = '#/';
  else renderCurrent();
  return entry;
}

function submit(event, action) {
  event.preventDefault();
  clearAlert();
  action(event.target).catch(report);
}

async function acceptJob() {
  await act({ kind: 'acknowledge', label: 'Accept the job', body: { accept: true }, next: 'stay' });
}

async function refuseJob(form) {
  const reason = form.elements.reason.value.trim();
  if (!reason) return fieldProblem(form.elements.reason, 'Say why you cannot take the job.');
  await act({ kind: 'acknowledge', label: 'Refuse the job', body: { accept: false, reason }, next: 'today' });
  form.reset();
}

async function moveStatus(status) {
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'status',
    label: `Status: ${statusWords[status]}`,
    body: { eventId, status, at: new Date().toISOString() },
    next: 'stay',
  });
  byId('job-title').focus();
}

function renderTimeForm() {
  const form = byId('time-form');
  const now = new Date();
  const hourAgo = new Date(now.getTime() - 3_600_000);
  form.elements.from.value ||= clock(hourAgo);
  form.elements.to.value ||= clock(now);
}

async function logTime(form) {
  const kind = form.elements.kind.value;
  const startedAt = atToday(form.elements.from.value);
  const endedAt = atToday(form.elements.to.value);
  if (!startedAt) return fieldProblem(form.elements.from, 'Give the time it started.');
  if (!endedAt) return fieldProblem(form.elements.to, 'Give the time it ended.');
  if (Date.parse(endedAt) <= Date.parse(startedAt))
    return fieldProblem(form.elements.to, 'It must end after it starts.');
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'time-logs',
    label: `Time: ${kind === 'work' ? 'work' : 'travel'} ${form.elements.from.value} to ${form.elements.to.value}`,
    body: { eventId, kind, startedAt, endedAt },
  });
  form.reset();
}

/** The part picker: the job's planned parts and what was used or searched for, by name. */
function renderPartForm(kind) {
  const form = byId(`${kind}-form`);
  const pack = currentPack();
  const select = form.elements.sku;
  const known = new Map(pack.parts.map((part) => [part.sku, part.name]));
  for (const material of pack.workOrder.materials ?? [])
    if (!known.has(material.sku)) known.set(material.sku, material.sku);
  for (const option of select.querySelectorAll('option[data-found]')) known.set(option.value, option.dataset.name);
  const chosen = select.value;
  select.replaceChildren(
    new Option('Choose a part', ''),
    ...[...known].map(([sku, name]) => new Option(name === sku ? sku : `${name} (${sku})`, sku)),
  );
  if (known.has(chosen)) select.value = chosen;
  else if (known.size === 1) select.value = [...known.keys()][0];
  offerPartSearch(form).catch(console.error);
}

/** The parts list search is offered where the API has it (`GET /v1/me/parts`), and not otherwise. */
async function offerPartSearch(form) {
  if (app.partsSearch === undefined && navigator.onLine) {
    try {
      await callApi('v1/me/parts?q=a&limit=1');
      app.partsSearch = true;
    } catch (error) {
      if (error instanceof ApiError && error.kind !== 'network') app.partsSearch = false;
    }
  }
  form.querySelector('.part-search').hidden = app.partsSearch !== true;
}

async function searchParts(form) {
  const input = form.querySelector('input[type="search"]');
  const text = input.value.trim();
  if (!text) return fieldProblem(input, 'Type part of a name or a part code.');
  const { items } = await callApi(`v1/me/parts?q=${encodeURIComponent(text)}&limit=20`);
  const select = form.elements.sku;
  for (const option of select.querySelectorAll('option[data-found]')) option.remove();
  for (const part of items) {
    const option = new Option(`${part.name} (${part.sku})${part.inStock > 0 ? '' : ', out of stock'}`, part.sku);
    option.dataset.found = 'true';
    option.dataset.name = part.name;
    select.append(option);
  }
  if (items[0]) select.value = items[0].sku;
  say(
    items.length === 0 ? `No part matches “${text}”.` : `${plural(items.length, 'part')} found: choose one under Part.`,
  );
}

async function addMaterial(form) {
  const line = partLine(form);
  if (!line) return;
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'materials',
    label: `Material: ${line.qty} × ${line.name}`,
    body: { eventId, sku: line.sku, qty: line.qty, at: new Date().toISOString() },
  });
  form.reset();
}

async function requestPart(form) {
  const line = partLine(form);
  if (!line) return;
  const eventId = newKey();
  const note = form.elements.note.value.trim();
  await act({
    id: eventId,
    kind: 'parts-requests',
    label: `Part requested: ${line.qty} × ${line.name}`,
    body: { eventId, sku: line.sku, qty: line.qty, at: new Date().toISOString(), ...(note ? { note } : {}) },
  });
  form.reset();
}

function partLine(form) {
  const select = form.elements.sku;
  const qty = Number(form.elements.qty.value);
  if (!select.value) return fieldProblem(select, 'Choose a part.');
  if (!Number.isInteger(qty) || qty < 1 || qty > 10_000) {
    return fieldProblem(form.elements.qty, 'Give a whole number of 1 or more.');
  }
  const name = select.selectedOptions[0]?.dataset.name ?? partName(currentPack(), select.value);
  return { sku: select.value, qty, name };
}

async function addNote(form) {
  const text = form.elements.text.value.trim();
  if (!text) return fieldProblem(form.elements.text, 'Write the note.');
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'notes',
    label: `Note: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`,
    body: { eventId, text, at: new Date().toISOString() },
  });
  form.reset();
}

// --- A return visit ---------------------------------------------------------------------------------------------

/** The form as the job on screen needs it: another job's details are not carried over, the parts due tomorrow. */
function renderReturnForm() {
  const form = byId('return-form');
  if (form.dataset.workOrderId !== app.route.id) {
    form.reset();
    form.dataset.workOrderId = app.route.id;
  }
  show('return-booked', false);
  clearReturnProblems(form);
  form.elements.from.min = localDate(0);
  form.elements.from.value ||= localDate(1);
}

/** The controls each of the API's field paths names. */
const returnFields = { 'body.from': ['from'], 'body.minutes': ['hours', 'minutes'] };

function clearReturnProblems(form) {
  for (const name of ['from', 'hours', 'minutes']) form.elements[name].removeAttribute('aria-invalid');
  for (const id of ['return-from-error', 'return-minutes-error']) show(id, false);
}

/**
 * Books the paused job's return with the API, online only: its answer is the day the engineer is back, so it is
 * never kept in the outbox. The same details sent again after no answer carry the same Idempotency-Key.
 */
async function bookReturn(form) {
  if (app.booking) return;
  const wo = currentPack().workOrder;
  show('return-booked', false);
  clearReturnProblems(form);
  const from = form.elements.from.value;
  const hours = wholeNumber(form.elements.hours.value);
  const minutes = wholeNumber(form.elements.minutes.value);
  if (!from) return fieldProblem(form.elements.from, 'Give the day the parts are due.');
  if (hours === undefined) return fieldProblem(form.elements.hours, 'Give the hours as a whole number.');
  if (minutes === undefined) return fieldProblem(form.elements.minutes, 'Give the minutes as a whole number.');
  if (!navigator.onLine) {
    showAlert('No signal', [
      'A return visit is booked online: the answer is the day you are back. It is not kept to send later, so book it once the phone has signal again.',
    ]);
    return;
  }
  if (pendingFor(wo.id).length > 0) {
    showAlert('Not booked yet', [
      'What you did on this job is still waiting to be sent. Book the return once it has gone: see the outbox.',
    ]);
    app.sender?.kick();
    return;
  }
  const body = { from, minutes: hours * 60 + minutes };
  const sent = JSON.stringify([wo.id, body]);
  if (app.returnVisit?.sent !== sent) app.returnVisit = { sent, key: newKey() };
  const button = byId('return-submit');
  app.booking = true;
  button.setAttribute('aria-disabled', 'true');
  button.textContent = 'Booking…';
  try {
    const booked = await callApi(`v1/work-orders/${encodeURIComponent(wo.id)}/return-visit`, {
      method: 'POST',
      body,
      idempotencyKey: app.returnVisit.key,
    });
    app.returnVisit = undefined;
    showBooked(wo, booked.visits);
    refreshJob(wo.id).catch(console.error);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // Whether it was booked is unknown: sending it again must carry the same key.
    const unknown = error.kind === 'network' || error.status >= 500 || error.code === 'idempotency.in_flight';
    if (!unknown) app.returnVisit = undefined;
    returnProblem(form, error);
  } finally {
    app.booking = false;
    button.removeAttribute('aria-disabled');
    button.textContent = 'Book the return visit';
  }
}

/** The days booked, on the screen and said aloud. */
function showBooked(wo, visits) {
  const words = `Back on ${visits.map(visitWords).join(', then ')}.`;
  byId('return-booked').replaceChildren(h('h2', { text: 'Return visit booked' }), h('p', { text: words }));
  show('return-booked');
  say(`${wo.ref}: return visit booked. ${words}`);
}

/** The API's refusal in its words, with the fields it names marked; no answer at all is said plainly. */
function returnProblem(form, error) {
  if (error.kind === 'network') {
    showAlert('No answer', [
      'The phone could not tell whether the return visit was booked. Book it again: it is not booked twice.',
    ]);
    return;
  }
  if (error.status === 401) {
    showSignInAgain();
    return;
  }
  for (const fieldError of error.errors ?? []) {
    const names = returnFields[fieldError.path];
    if (!names) continue;
    const message = byId(names[0] === 'from' ? 'return-from-error' : 'return-minutes-error');
    message.textContent = fieldError.message;
    message.hidden = false;
    for (const name of names) form.elements[name].setAttribute('aria-invalid', 'true');
  }
  showAlert('Not booked', [error.message]);
}

// --- The job sheet ----------------------------------------------------------------------------------------------

/** The answers the job has: the server's, then those waiting in the outbox (a later answer replaces an earlier). */
function answersFor(pack) {
  const answers = new Map(Object.entries(pack.workOrder.checklistAnswers ?? {}).map(([id, a]) => [id, a.value]));
  for (const entry of pendingFor(pack.workOrder.id)) {
    const given =
      entry.kind === 'checklist' ? entry.body.answers : entry.kind === 'complete' ? entry.body.checklist : [];
    for (const answer of given ?? []) answers.set(answer.itemId, answer.value);
  }
  return answers;
}

function renderSheet() {
  const pack = currentPack();
  const items = pack.checklist ?? [];
  const answers = answersFor(pack);
  show('sheet-empty', items.length === 0);
  show('sheet-form', items.length > 0);
  const required = items.filter((item) => item.required);
  const answered = required.filter((item) => answers.has(item.id)).length;
  byId('sheet-progress').textContent =
    items.length === 0 ? '' : `${answered} of ${required.length} required items answered.`;
  byId('sheet-items').replaceChildren(...items.map((item) => sheetItem(item, answers.get(item.id))));
}

function sheetItem(item, value) {
  const id = `sheet-${item.id}`;
  const label = `${item.label}${item.required ? ' (required)' : ' (optional)'}`;
  const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  if (item.kind === 'boolean') {
    const choice = (answer, text) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: item.id, value: String(answer), checked: value === answer }),
        ` ${text}`,
      );
    return h(
      'fieldset',
      { class: 'sheet-item', 'data-item': item.id, 'aria-describedby': `${id}-error` },
      h('legend', { text: label }),
      error,
      h('div', { class: 'choices row' }, choice(true, 'Yes'), choice(false, 'No')),
    );
  }
  if (item.kind === 'photo') {
    const attachment = value === undefined ? undefined : value;
    return h(
      'div',
      { class: 'sheet-item field', 'data-item': item.id },
      h('p', { class: 'label', text: label }),
      h('p', { class: 'photo-taken', text: attachment ? 'Photo taken.' : 'No photo yet.' }),
      h('input', {
        id,
        class: 'file-input',
        type: 'file',
        accept: 'image/*',
        capture: 'environment',
        'data-item': item.id,
        onchange: (event) => takePhoto(event.target, item).catch(report),
      }),
      h('label', { for: id, class: 'button secondary', text: attachment ? 'Take it again' : 'Take the photo' }),
    );
  }
  const hint =
    item.kind === 'number'
      ? [
          item.min !== undefined && item.max !== undefined ? `Between ${item.min} and ${item.max}` : undefined,
          item.min !== undefined && item.max === undefined ? `At least ${item.min}` : undefined,
          item.max !== undefined && item.min === undefined ? `At most ${item.max}` : undefined,
          item.unit,
        ]
          .filter(Boolean)
          .join(', ')
      : '';
  const control =
    item.kind === 'number'
      ? h('input', {
          id,
          name: item.id,
          type: 'number',
          step: 'any',
          inputmode: 'decimal',
          class: 'short',
          min: item.min === undefined ? undefined : String(item.min),
          max: item.max === undefined ? undefined : String(item.max),
          value: value === undefined ? '' : String(value),
          'aria-describedby': `${hint ? `${id}-hint ` : ''}${id}-error`,
        })
      : h('textarea', {
          id,
          name: item.id,
          rows: '3',
          maxlength: '2000',
          value: value === undefined ? '' : String(value),
          'aria-describedby': `${id}-error`,
        });
  return h(
    'div',
    { class: 'sheet-item field', 'data-item': item.id },
    h('label', { for: id, text: label }),
    hint ? h('p', { id: `${id}-hint`, class: 'hint', text: hint }) : undefined,
    error,
    control,
  );
}

async function saveSheet(form) {
  const pack = currentPack();
  const known = answersFor(pack);
  const answers = [];
  const problems = [];
  for (const item of pack.checklist) {
    let value;
    if (item.kind === 'boolean') {
      const checked = form.querySelector(`input[name="${CSS.escape(item.id)}"]:checked`);
      if (checked) value = checked.value === 'true';
    } else if (item.kind === 'number') {
      const input = form.elements[item.id];
      if (input.value.trim() !== '') {
        value = Number(input.value);
        if (!Number.isFinite(value)) problems.push([item, `${item.label}: give a number.`]);
        else if ((item.min !== undefined && value < item.min) || (item.max !== undefined && value > item.max)) {
          problems.push([item, `${item.label}: ${value} is outside ${item.min ?? 'any'} to ${item.max ?? 'any'}.`]);
        }
      }
    } else if (item.kind === 'text') {
      const text = form.elements[item.id].value.trim();
      if (text) value = text;
    }
    if (value !== undefined && known.get(item.id) !== value) answers.push({ itemId: item.id, value });
  }
  for (const node of form.querySelectorAll('.field-error')) node.hidden = true;
  if (problems.length > 0) {
    for (const [item, message] of problems) {
      const error = byId(`sheet-${item.id}-error`);
      error.textContent = message;
      error.hidden = false;
      byId(`sheet-${item.id}`)?.setAttribute('aria-invalid', 'true');
    }
    showAlert(
      'Check the job sheet',
      problems.map(([, message]) => message),
    );
    return;
  }
  if (answers.length === 0) {
    say('Nothing new to save on the job sheet.');
    return;
  }
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'checklist',
    label: `Job sheet: ${plural(answers.length, 'answer')}`,
    body: { eventId, at: new Date().toISOString(), answers },
  });
}

// --- Photos and the signature -----------------------------------------------------------------------------------

/** A photo from the camera or the gallery, made smaller, waits in the outbox; for a job sheet item, its answer too. */
async function takePhoto(input, item) {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  say('Making the photo smaller…');
  const blob = await shrinkPhoto(file);
  const pack = currentPack();
  const upload = await act({
    kind: 'upload',
    label: item ? `Photo: ${item.label}` : 'Photo',
    extra: { attachmentKind: 'photo', blob },
    next: 'stay',
    message: `Photo saved (${Math.ceil(blob.size / 1024)} KB)${navigator.onLine ? ', sending' : '. No signal: it is sent when the phone is back online'}.`,
  });
  if (item) {
    const eventId = newKey();
    await queue({
      id: eventId,
      kind: 'checklist',
      label: `Job sheet: ${item.label}`,
      body: { eventId, at: new Date().toISOString(), answers: [{ itemId: item.id, value: attachmentOf(upload.id) }] },
      workOrderId: pack.workOrder.id,
      ref: pack.workOrder.ref,
    });
    // The rest of the sheet may hold answers not saved yet: only this item changes.
    const shown = document.querySelector(`#sheet-items [data-item="${CSS.escape(item.id)}"] .photo-taken`);
    if (shown) shown.textContent = 'Photo taken.';
  }
}

const photoEntries = (id) =>
  app.entries.filter(
    (entry) => entry.workOrderId === id && entry.kind === 'upload' && entry.attachmentKind === 'photo',
  );

function renderPhotos() {
  const id = app.route.id;
  for (const url of app.previewUrls) URL.revokeObjectURL(url);
  app.previewUrls = [];
  const waiting = photoEntries(id);
  const sent = app.uploads.filter((upload) => upload.workOrderId === id && upload.kind === 'photo');
  show('photos-empty', waiting.length + sent.length === 0);
  byId('photo-list').replaceChildren(
    ...waiting.map((entry) => {
      const url = URL.createObjectURL(entry.blob);
      app.previewUrls.push(url);
      return h(
        'li',
        { 'data-seq': String(entry.seq) },
        h('img', { src: url, alt: `${entry.label}, taken at ${formatTime(entry.createdAt)}` }),
        h('p', {
          class: 'photo-state',
          text: entry.state === 'refused' ? `Refused: ${entry.refusal?.reason}` : 'Waiting to be sent',
        }),
        h('progress', {
          max: '100',
          value: '0',
          hidden: true,
          'aria-label': `Upload of the photo taken at ${formatTime(entry.createdAt)}`,
        }),
      );
    }),
    ...sent.map((_upload, index) =>
      h('li', {}, h('p', { class: 'photo-state', text: `Photo ${index + 1}: sent and checked` })),
    ),
  );
  for (const item of byId('photo-list').querySelectorAll('li[data-seq]')) updateProgress(item);
}

/** The upload under way shows its progress on its photo (and the list is made again when the photos changed). */
function updatePhotoProgress() {
  const shown = [...byId('photo-list').querySelectorAll('li[data-seq]')].map((item) => item.dataset.seq);
  const waiting = photoEntries(app.route.id).map((entry) => String(entry.seq));
  if (shown.join() !== waiting.join()) {
    renderPhotos();
    return;
  }
  for (const item of byId('photo-list').querySelectorAll('li[data-seq]')) updateProgress(item);
}

function updateProgress(item) {
  const sender = app.sender;
  {
    const progress = item.querySelector('progress');
    const uploading = sender?.current && String(sender.current.seq) === item.dataset.seq;
    progress.hidden = !uploading;
    if (uploading) {
      progress.value = Math.round((sender.progress ?? 0) * 100);
      item.querySelector('.photo-state').textContent = `Sending: ${Math.round((sender.progress ?? 0) * 100)} %`;
    }
  }
}

function renderSignature() {
  const id = app.route.id;
  const canvas = byId('signature-pad');
  app.signature ??= signaturePad(canvas);
  app.signature.resize();
  const has = signatureFor(id);
  byId('signature-state').textContent = has
    ? 'A signature is saved for this job. Saving another replaces it.'
    : 'No signature yet.';
}

/** The latest signature of the job: `{ entryId }` waiting in the outbox, or `{ attachmentId }` sent. */
function signatureFor(id) {
  const waiting = app.entries.filter(
    (entry) =>
      entry.workOrderId === id &&
      entry.kind === 'upload' &&
      entry.attachmentKind === 'signature' &&
      entry.state === 'waiting',
  );
  if (waiting.length > 0) return { entryId: waiting.at(-1).id };
  const sent = app.uploads.filter((upload) => upload.workOrderId === id && upload.kind === 'signature');
  return sent.length > 0 ? { attachmentId: sent.at(-1).attachmentId } : undefined;
}

async function saveSignature() {
  if (!app.signature || app.signature.isEmpty()) {
    showAlert('No signature', ['Ask the customer to sign in the box first.']);
    return;
  }
  const blob = await app.signature.toBlob();
  await act({
    kind: 'upload',
    label: 'Customer’s signature',
    extra: { attachmentKind: 'signature', blob },
  });
}

// --- Completion -------------------------------------------------------------------------------------------------

function renderComplete() {
  const pack = currentPack();
  const used = new Map();
  for (const material of pack.workOrder.materials ?? [])
    used.set(material.sku, (used.get(material.sku) ?? 0) + material.qty);
  for (const entry of pendingFor(pack.workOrder.id)) {
    if (entry.kind === 'materials') used.set(entry.body.sku, (used.get(entry.body.sku) ?? 0) + entry.body.qty);
  }
  const skus = [...new Set([...pack.parts.map((part) => part.sku), ...used.keys()])];
  const container = byId('complete-parts');
  const previous = new Map([...container.querySelectorAll('input')].map((input) => [input.dataset.sku, input.value]));
  container.replaceChildren(
    ...skus.map((sku, index) =>
      h(
        'div',
        { class: 'field part-used' },
        h('label', { for: `used-${index}`, text: partName(pack, sku) }),
        h('input', {
          id: `used-${index}`,
          type: 'number',
          min: '0',
          max: '10000',
          step: '1',
          inputmode: 'numeric',
          class: 'short',
          'data-sku': sku,
          value: previous.get(sku) ?? String(used.get(sku) ?? 0),
        }),
      ),
    ),
  );
  show('complete-parts-group', skus.length > 0);
  showOutcomeFields();
  const missing = stillMissing(pack);
  const notice = byId('complete-missing');
  notice.hidden = missing.length === 0;
  notice.replaceChildren(
    h('h2', { text: 'Still needed before you can complete' }),
    h('ul', {}, ...missing.map((item) => h('li', { text: missingInWords(item) }))),
  );
}

function showOutcomeFields() {
  const outcome = byId('complete-form').elements.outcome.value;
  show('complete-follow-up-field', outcome === 'follow_up_required');
  show('complete-reason-field', outcome === 'could_not_complete');
}

/**
 * What completion still needs, as far as the phone knows (the server checks again): required job sheet answers,
 * the customer's signature, and the job's certificates where the job pack says how they stand.
 */
function stillMissing(pack) {
  const answers = answersFor(pack);
  const missing = (pack.checklist ?? [])
    .filter((item) => item.required && !answers.has(item.id))
    .map((item) => ({ kind: 'checklist', itemId: item.id, label: item.label }));
  if (pack.requiresSignature && !signatureFor(pack.workOrder.id)) missing.push({ kind: 'signature' });
  for (const certificate of pack.certificates?.required ?? []) {
    if (certificate.status === 'expired' || certificate.status === 'missing') {
      missing.push({ kind: 'certification', code: certificate.code });
    }
  }
  return missing;
}

async function completeJob(form) {
  const pack = currentPack();
  const value = (name) => form.elements[name].value.trim();
  const outcome = form.elements.outcome.value;
  if (!value('findings')) return fieldProblem(form.elements.findings, 'Say what you found.');
  if (!value('workDone')) return fieldProblem(form.elements.workDone, 'Say what you did.');
  if (outcome === 'follow_up_required' && !value('followUp')) {
    return fieldProblem(form.elements.followUp, 'Say what the follow-up visit needs to do.');
  }
  if (outcome === 'could_not_complete' && !value('reason')) {
    return fieldProblem(form.elements.reason, 'Say why it could not be completed.');
  }
  const missing = stillMissing(pack);
  if (missing.length > 0) {
    renderComplete();
    showAlert('The job cannot be completed yet', [`Still needed: ${missing.map(missingInWords).join('; ')}.`]);
    return;
  }
  const partsUsed = [...byId('complete-parts').querySelectorAll('input')]
    .map((input) => ({ sku: input.dataset.sku, qty: Number(input.value) }))
    .filter((line) => Number.isInteger(line.qty) && line.qty > 0);
  const signature = signatureFor(pack.workOrder.id);
  const eventId = newKey();
  await act({
    id: eventId,
    kind: 'complete',
    label: `Completion: ${outcomeLabels[outcome]}`,
    body: {
      eventId,
      outcome,
      findings: value('findings'),
      workDone: value('workDone'),
      partsUsed,
      ...(outcome === 'follow_up_required' ? { followUp: value('followUp') } : {}),
      ...(outcome === 'could_not_complete' ? { reason: value('reason') } : {}),
      ...(signature ? { signatureAttachmentId: signature.attachmentId ?? attachmentOf(signature.entryId) } : {}),
    },
  });
  form.reset();
}

// --- Where to get a part ----------------------------------------------------------------------------------------

async function renderStock(sku) {
  const pack = currentPack();
  const name = partName(pack, sku);
  byId('stock-title').textContent = `Where to get ${name}`;
  document.title = `Where to get ${name} – FieldOps`;
  const planned = pack.parts.find((part) => part.sku === sku);
  byId('stock-list').replaceChildren();
  byId('stock-state').textContent = 'Looking for the nearest stock…';
  const from = (await here()) ?? pack.workOrder.location;
  // Six decimals (a tenth of a metre) are all the API takes, and more than a phone knows.
  const query = from ? `?lat=${from.lat.toFixed(6)}&lng=${from.lng.toFixed(6)}` : '';
  let stock;
  try {
    stock = await callApi(`v1/me/parts/${encodeURIComponent(sku)}/stock${query}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const known = planned
      ? `The job pack says: ${planned.inStock > 0 ? `${planned.inStock} in stock${planned.location ? ` at ${planned.location}` : ''}` : 'out of stock'}.`
      : '';
    const why =
      error.kind === 'network'
        ? 'No signal: stock by location needs it.'
        : error.status === 404 && error.code !== 'part.not_found'
          ? ''
          : error.message;
    byId('stock-state').textContent = [why, known].filter(Boolean).join(' ') || 'No stock by location is known.';
    return;
  }
  if (app.route.screen !== 'stock' || app.route.sku !== sku) return;
  const locations = stock.locations ?? [];
  byId('stock-state').textContent =
    locations.length === 0
      ? 'No depot or van holds this part.'
      : `${plural(locations.length, 'place')} hold it, nearest first.`;
  byId('stock-list').replaceChildren(
    ...locations.map((place) =>
      h(
        'li',
        {},
        h('h2', { class: 'stock-heading', text: `${place.name} (${place.kind === 'van' ? 'van' : 'depot'})` }),
        h(
          'dl',
          { class: 'facts compact' },
          fact('In stock', String(place.qty)),
          fact('Distance', `${Number(place.distanceKm).toFixed(1)} km`),
          fact('Address', place.address ?? undefined),
          fact('Phone', place.phone ? telLink(place.phone) : undefined),
        ),
        h('p', {}, mapsLink({ location: place.location, address: place.address ?? undefined })),
      ),
    ),
  );
}

/** Where the phone is, if it may say within a few seconds. */
function here() {
  if (!navigator.geolocation) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lng: position.coords.longitude }),
      () => resolve(undefined),
      { timeout: 5_000, maximumAge: 300_000 },
    );
  });
}

// --- Problems and messages --------------------------------------------------------------------------------------

/** One field's problem: shown in the alert and next to the field, which takes the focus. */
function fieldProblem(control, message) {
  showAlert('Check this', [message]);
  control.setAttribute('aria-invalid', 'true');
  control.addEventListener('input', () => control.removeAttribute('aria-invalid'), { once: true });
  control.focus();
  return undefined;
}

function showAlert(title, lines, ...more) {
  const alert = byId('alert');
  alert.replaceChildren(h('h2', { text: title }), ...lines.map((line) => h('p', { text: line })), ...more);
  if (!alert.contains(document.activeElement)) alert.focus({ preventScroll: false });
}

function showProblem(error) {
  const problem =
    error instanceof ApiError ? error : new ApiError(error?.message || 'Something went wrong. Try again.');
  const lines = [problem.message, ...(problem.errors ?? []).map((fieldError) => fieldError.message)];
  showAlert('There is a problem', lines);
}

function clearAlert() {
  byId('alert').replaceChildren();
}

function report(error) {
  console.error(error);
  show('loading', false);
  showProblem(error);
}

function say(message) {
  byId('status').textContent = message;
}

// --- Small things -----------------------------------------------------------------------------------------------

/** An element with attributes (`text` sets its text; `on…` a listener; false or undefined are left out). */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'hidden') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

/** A term and its description for a `dl`; nothing when there is no value. */
function fact(term, value) {
  if (value === undefined || value === null || value === '') return undefined;
  const wrapper = document.createElement('div');
  wrapper.append(h('dt', { text: term }), h('dd', {}, value));
  return wrapper;
}

function telLink(phone) {
  return h('a', { href: `tel:${phone.replace(/[^\d+]/g, '')}`, text: phone });
}

/** Opens the place in the phone's maps app (directions to it), by its coordinates or else its address. */
function mapsLink({ location, address, postcode }) {
  const destination = location ? `${location.lat},${location.lng}` : [address, postcode].filter(Boolean).join(', ');
  if (!destination) return undefined;
  const url = new URL('https://www.google.com/maps/dir/');
  url.search = new URLSearchParams({ api: '1', destination }).toString();
  return h(
    'a',
    { href: url.toString(), class: 'maps', rel: 'noopener', target: '_blank' },
    'Open in maps',
    h('span', { class: 'visually-hidden', text: `: ${address ?? destination}` }),
  );
}

function jobName(wo) {
  return wo.jobType ? readableId(`x_${wo.jobType}`) : wo.category ? readableId(`x_${wo.category}`) : 'Job';
}

function partName(pack, sku) {
  return pack?.parts.find((part) => part.sku === sku)?.name ?? sku;
}

function statusLabel(status) {
  return statusLabels[status] ?? status;
}

/** The SLA in words: when, and how close or late. */
function slaWords(iso) {
  if (!iso) return undefined;
  const minutes = Math.round((Date.parse(iso) - Date.now()) / 60_000);
  const when = formatTime(iso);
  if (minutes < 0) return `${when} (overdue)`;
  if (minutes < 120) return `${when} (in ${minutes} min)`;
  return when;
}

function money(minor, currency) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency ?? 'GBP' }).format(minor / 100);
}

/** Today as the API counts days (UTC), `YYYY-MM-DD`. */
function today() {
  return new Date().toISOString().slice(0, 10);
}

function formatDay(date) {
  const label = dayName(date);
  return date === today() ? `Today, ${label}` : label;
}

/** A `YYYY-MM-DD` as the day it is: `Monday 10 May`. */
function dayName(date) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  }).format(new Date(`${date}T12:00:00Z`));
}

function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(
    undefined,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(date);
}

function formatDate(iso) {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(
    new Date(iso.length === 10 ? `${iso}T12:00:00` : iso),
  );
}

/** A visit's day and hours: `Monday 10 May, 07:15 to 09:15`. */
function visitWords(visit) {
  return `${dayName(visit.day)}, ${visitHours(visit)}`;
}

/** From when work on site starts until the visit ends, on the phone's clock. */
function visitHours(visit) {
  const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
  return `${time.format(new Date(visit.start))} to ${time.format(new Date(visit.end))}`;
}

/** The phone's date `days` from today, `YYYY-MM-DD`, for a date input. */
function localDate(days) {
  const date = new Date();
  date.setDate(date.getDate() + days);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A number field's whole number, 0 when left empty; undefined when it is not one. */
function wholeNumber(text) {
  const value = text.trim();
  if (value === '') return 0;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `HH:MM` of a date, in the phone's time, for a time input. */
function clock(date) {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** A time input's `HH:MM` today, in the phone's time, as an instant. */
function atToday(value) {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const date = new Date();
  date.setHours(Number(match[1]), Number(match[2]), 0, 0);
  return date.toISOString();
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
