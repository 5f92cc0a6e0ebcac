// The engineer's app's service worker (scope /app/): it keeps the app shell and the day's job packs, so the app
// opens and shows the day with no signal. It asks the network first, always, and answers from what it kept only
// when the network does not answer: what the engineer sees is never older than it has to be. Writes (POSTs) are
// never touched: the outbox in the page sends those, and keeps them while they cannot be sent.

const shellCache = 'fieldops-app-shell-v2';
/** The day lists and job packs last read; the page empties it when someone signs out or another engineer signs in. */
const dataCache = 'fieldops-app-data';

const shell = [
  './',
  'app.js',
  'app.css',
  'outbox.js',
  'photos.js',
  'config.json',
  'manifest.webmanifest',
  'icon.svg',
  'icon-192.png',
  '../common/sign-in.js',
  '../common/labels.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(shellCache)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('fieldops-app-shell-') && name !== shellCache)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** The reads kept for offline use: the engineer's day and each job pack. */
const keptReads = [/\/v1\/me\/jobs$/, /\/v1\/work-orders\/[^/]+\/job-pack$/];

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  const own = url.origin === scope.origin;
  if (own && (url.pathname.startsWith(scope.pathname) || url.pathname.startsWith('/common/'))) {
    // A navigation may carry a query (the sign-in's return): the page is the same.
    event.respondWith(networkFirst(request, shellCache, { ignoreSearch: request.mode === 'navigate' }));
  } else if (keptReads.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request, dataCache, { stamp: true }));
  }
});

/**
 * The network's answer, kept when it is a success; what was kept when the network gives none. A kept read carries
 * `x-fieldops-saved-at`, when it was read, which the page shows.
 */
async function networkFirst(request, cacheName, { ignoreSearch = false, stamp = false } = {}) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) {
      const kept = stamp ? await stamped(response.clone()) : response.clone();
      await cache.put(request, kept);
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch });
    if (kept) return kept;
    throw error;
  }
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set('x-fieldops-saved-at', new Date().toISOString());
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}
