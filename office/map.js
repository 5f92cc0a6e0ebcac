// The map: a day's jobs (today's by default, `#/map?date=YYYY-MM-DD`) and where each engineer is (at their current or
// last job of the day, else their home base), from `GET /v1/dispatch-board`, drawn with Leaflet (served from
// `vendor/`). Map tiles are configuration (`config.mapTiles`: `{ url, attribution }`); with none, or none that load,
// the markers stand on a plain background with a scale, and the page says so. Every marker is a button reached with
// the keyboard, named in words (a job's reference, priority, status, time and address; an engineer's name and where
// they are), and the same jobs and engineers are listed beside the map. Live changes redraw it.

import { clock, h, plural, priorityLabels, statusLabel, today } from './ui.js';

/** What each engineer is doing, in words (the board's statuses). */
const engineerStatus = {
  in_progress: 'working on a job',
  on_site: 'on site',
  en_route: 'on the way to a job',
  available: 'available',
  off_shift: 'off shift',
  inactive: 'not active',
};

let leaflet;

/** Leaflet and its stylesheet, loaded once, the first time the map is opened. */
function loadLeaflet() {
  leaflet ??= Promise.all([
    new Promise((resolve, reject) => {
      const link = h('link', { rel: 'stylesheet', href: 'vendor/leaflet.css' });
      link.addEventListener('load', resolve);
      link.addEventListener('error', () => reject(new Error('The map could not be loaded. Reload the page.')));
      document.head.append(link);
    }),
    // A UMD build: it sets `window.L` when run as a module.
    import('./vendor/leaflet.js'),
  ]).then(() => window.L);
  leaflet.catch(() => {
    leaflet = undefined;
  });
  return leaflet;
}

export async function show(main, ctx) {
  const asked = ctx.query.get('date');
  const date = /^\d{4}-\d{2}-\d{2}$/.test(asked ?? '') ? asked : today();
  const [L, board, sites] = await Promise.all([
    loadLeaflet(),
    ctx.api(`v1/dispatch-board?date=${date}`),
    ctx.reference('sites').catch(() => []),
  ]);
  const addresses = new Map(sites.map((site) => [site.siteId, `${site.address} ${site.postcode}`]));

  const dayInput = h('input', { type: 'date', id: 'map-date', name: 'date', value: date });
  const dayForm = h(
    'form',
    { class: 'toolbar', 'aria-label': 'The day' },
    h('div', { class: 'field' }, h('label', { for: 'map-date', text: 'Day' }), dayInput),
    h('button', { type: 'submit', class: 'secondary', text: 'Show the day' }),
  );
  dayForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (dayInput.value) ctx.navigate(`#/map?date=${dayInput.value}`);
  });
  const notice = h('p', { class: 'notice map-notice', id: 'map-notice', role: 'status' });
  const canvas = h('div', {
    class: 'map-canvas',
    id: 'map',
    role: 'region',
    'aria-label': 'Map of the jobs and engineers',
  });
  const jobList = h('ol', { class: 'map-list', id: 'map-jobs' });
  const engineerList = h('ul', { class: 'map-list', id: 'map-engineers' });
  const jobCount = h('p', { class: 'muted', id: 'map-job-count' });
  main.append(
    h('h1', { text: date === today() ? 'Map of today’s jobs' : `Map of the jobs of ${dayWords(date)}` }),
    dayForm,
    notice,
    h(
      'div',
      { class: 'map-layout' },
      canvas,
      h(
        'div',
        { class: 'map-side' },
        h('h2', { id: 'map-jobs-title', text: 'Jobs' }),
        jobCount,
        jobList,
        h('h2', { text: 'Engineers' }),
        engineerList,
      ),
    ),
  );

  // No fading: a popup is readable (and checked for contrast) the moment it opens, and nothing moves for its own sake.
  const map = L.map(canvas, { zoomControl: true, attributionControl: false, keyboard: true, fadeAnimation: false });
  L.control.scale({ position: 'bottomleft' }).addTo(map);
  showTiles(L, map, ctx.config.mapTiles, canvas, notice);
  const markers = L.layerGroup().addTo(map);
  /** Each job's and engineer's marker, by its key, for the list's "Show on the map". */
  const byKey = new Map();

  const draw = (current, { fit }) => {
    markers.clearLayers();
    byKey.clear();
    const { jobs, engineers } = placesOf(current, addresses);
    const points = [];
    // Markers at one place (jobs at one site, an engineer at their job) are set side by side, not on top of each other.
    const placed = new Map();
    const nudge = (at) => {
      const key = (Array.isArray(at) ? at : [at.lat, at.lng]).map((coordinate) => coordinate.toFixed(4)).join();
      const count = placed.get(key) ?? 0;
      placed.set(key, count + 1);
      return count;
    };
    for (const job of jobs) {
      if (!job.at) continue;
      const marker = addMarker(L, markers, {
        at: job.at,
        label: jobWords(job),
        className: `map-marker map-job priority-${job.card.priority}`,
        text: job.card.priority,
        popup: jobPopup(job),
        beside: nudge(job.at),
        above: true,
      });
      byKey.set(`job:${job.card.id}`, marker);
      points.push(job.at);
    }
    for (const engineer of engineers) {
      const marker = addMarker(L, markers, {
        at: engineer.location,
        label: engineerWords(engineer),
        className: `map-marker map-engineer engineer-${engineer.status}`,
        text: initials(engineer.name),
        beside: nudge(engineer.location),
        popup: h(
          'div',
          {},
          h('p', { class: 'map-popup-title', text: engineer.name }),
          h('p', { text: where(engineer) }),
        ),
      });
      byKey.set(`engineer:${engineer.id}`, marker);
      points.push(engineer.location);
    }
    if (fit) {
      if (points.length > 0) map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 14 });
      else map.setView([0, 0], 2);
    }

    const located = jobs.filter((job) => job.at).length;
    jobCount.textContent =
      jobs.length === 0
        ? 'No job is booked on this day.'
        : `${plural(jobs.length, 'job')}${located < jobs.length ? `, ${located} of them on the map` : ''}.`;
    jobList.replaceChildren(
      ...jobs.map((job) =>
        h(
          'li',
          {},
          h('a', { href: `#/work-orders/${encodeURIComponent(job.card.id)}`, text: job.card.ref }),
          ` ${jobWords(job, { ref: false })}`,
          job.at
            ? showButton(map, byKey.get(`job:${job.card.id}`), job.card.ref)
            : h('span', { text: ' (no location)' }),
        ),
      ),
    );
    engineerList.replaceChildren(
      ...engineers.map((engineer) =>
        h(
          'li',
          {},
          h('strong', { text: engineer.name }),
          `: ${engineerStatus[engineer.status] ?? engineer.status}, ${where(engineer)}.`,
          showButton(map, byKey.get(`engineer:${engineer.id}`), engineer.name),
        ),
      ),
    );
  };
  draw(board, { fit: true });

  // Live: a change to a job redraws the day, a moment later (a burst of changes is read once).
  let timer;
  ctx.onEvent(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      ctx
        .api(`v1/dispatch-board?date=${date}`)
        .then((next) => draw(next, { fit: false }))
        .catch((error) => console.error('[map] the day could not be read again', error));
    }, 1_500);
  });

  return () => {
    clearTimeout(timer);
    map.remove();
  };
}

/**
 * Tiles from the configuration, or none: with none configured, or once they fail to load before any has, the
 * markers stand on a plain background and the notice says so.
 */
function showTiles(L, map, tiles, canvas, notice) {
  const plain = (words) => {
    canvas.classList.add('map-plain');
    notice.textContent = words;
    notice.hidden = false;
  };
  notice.hidden = true;
  if (!tiles?.url) {
    plain('No map tiles are set up: the jobs and engineers are shown on a plain background, with a scale.');
    return;
  }
  L.control.attribution({ prefix: false }).addTo(map);
  let loaded = false;
  let failed = false;
  L.tileLayer(tiles.url, { attribution: tiles.attribution ?? '', maxZoom: 19 })
    .on('tileload', () => {
      loaded = true;
      if (failed) {
        failed = false;
        canvas.classList.remove('map-plain');
        notice.hidden = true;
      }
    })
    .on('tileerror', () => {
      if (loaded || failed) return;
      failed = true;
      plain('The map tiles could not be loaded: the jobs and engineers are shown on a plain background, with a scale.');
    })
    .addTo(map);
}

/** A marker a keyboard reaches (a button named in words), with its popup. */
function addMarker(L, layer, { at, label, className, text, popup, beside = 0, above = false }) {
  const shift = beside * 32;
  const icon = L.divIcon({
    className,
    html: h('span', { class: 'map-marker-text', text, 'aria-hidden': 'true' }),
    iconSize: [30, 30],
    iconAnchor: [15 - shift, 15],
    popupAnchor: [shift, -14],
  });
  const marker = L.marker(at, {
    icon,
    keyboard: true,
    title: label,
    riseOnHover: true,
    zIndexOffset: above ? 1_000 : 0,
  });
  marker.bindPopup(popup);
  // The icon is made when the marker is on a map that has a view: named then.
  marker.on('add', () => marker.getElement()?.setAttribute('aria-label', label));
  marker.addTo(layer);
  return marker;
}

function showButton(map, marker, name) {
  if (!marker) return undefined;
  return h('button', {
    type: 'button',
    class: 'secondary small',
    text: 'Show on the map',
    'aria-label': `Show on the map: ${name}`,
    onclick: () => {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13));
      marker.openPopup();
      marker.getElement()?.focus();
    },
  });
}

/** The day's jobs (each with its engineer and where it is) and engineers, as the board gives them. */
function placesOf(board, addresses) {
  const jobs = [
    ...board.engineers.flatMap((engineer) => engineer.jobs.map((card) => ({ card, engineer }))),
    ...board.unassigned.map((card) => ({ card, engineer: undefined })),
  ].map((job) => ({
    ...job,
    at: locationOf(job.card),
    address: job.card.site ? `${job.card.site.address} ${job.card.site.postcode}` : addresses.get(job.card.siteId),
  }));
  jobs.sort((a, b) => (a.card.scheduledStart ?? '~').localeCompare(b.card.scheduledStart ?? '~'));
  return { jobs, engineers: board.engineers };
}

function locationOf(card) {
  if (card.location) return [card.location.lat, card.location.lng];
  if (typeof card.site?.lat === 'number' && typeof card.site?.lng === 'number') return [card.site.lat, card.site.lng];
  return undefined;
}

/** A job in words: `WO-0012, P2 urgent, Dispatched, 09:30, 14 Blossom Street M4 6AJ, Amira Khan`. */
function jobWords({ card, engineer, address }, { ref = true } = {}) {
  return [
    ref ? card.ref : undefined,
    priorityLabels[card.priority] ?? card.priority,
    statusLabel(card.status),
    card.scheduledStart ? `at ${clock(card.scheduledStart)}` : undefined,
    address,
    engineer ? `with ${engineer.name}` : 'no engineer yet',
  ]
    .filter(Boolean)
    .join(', ');
}

function engineerWords(engineer) {
  // The marker shows the initials: the name it is read by (and spoken to by voice control) holds them too.
  return `Engineer ${engineer.name}, initials ${initials(engineer.name)}, ${engineerStatus[engineer.status] ?? engineer.status}, ${where(engineer)}`;
}

function where(engineer) {
  return engineer.locationSource === 'job_site' ? 'at their current or last job' : 'at their home base';
}

function jobPopup(job) {
  const { card } = job;
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'map-popup-title' },
      h('a', { href: `#/work-orders/${encodeURIComponent(card.id)}`, text: card.ref }),
      ` ${card.description}`,
    ),
    h('p', { text: jobWords(job, { ref: false }) }),
  );
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase())
    .slice(0, 2)
    .join('');
}

function dayWords(date) {
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}
