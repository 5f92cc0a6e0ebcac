// Reports: the office's KPIs over a chosen period (`#/reports?from=YYYY-MM-DD&to=YYYY-MM-DD`, both days included;
// the last 30 days by default), as `GET /v1/reports/kpis` defines them: first-time fix rate, job duration, SLA
// compliance, closeout lag, parts used and the work orders logged by status. The period is cut into days, weeks or
// months, each read as a window of its own, so each rate is charted as it went; parts and statuses are the whole
// period's. Each chart is a few SVG bars drawn here, hidden from screen readers: the table under it holds the same
// figures, and is what they read. The CSV is the server's own (`format=csv`), saved as a file.

import { duration, h, plural, statuses, statusLabel } from './ui.js';

const day = 86_400_000;
/** The longest period charted: a year, in months. */
const maxDays = 366;
/** Windows read at once: the API's admission control is for bursts far larger, but a report need not be one. */
const concurrency = 4;
const presets = [7, 30, 90];

/** The shell keeps the token here (office.js); the CSV is fetched with it, since `ctx.api` answers JSON only. */

export async function show(main, ctx) {
  const period = periodFrom(ctx.query) ?? lastDays(30);
  const fromInput = h('input', { type: 'date', id: 'report-from', name: 'from', required: true, value: period.from });
  const toInput = h('input', { type: 'date', id: 'report-to', name: 'to', required: true, value: period.to });
  const periodError = h('p', { class: 'error', id: 'report-period-error', hidden: true });
  const csvStatus = h('p', { class: 'report-csv-status', id: 'report-csv-status', role: 'status' });
  const heading = h('p', { class: 'report-period', id: 'report-period' });
  const charts = h('div', { class: 'report-charts', 'aria-busy': 'true' });
  let showing = period;
  let generation = 0;

  const form = h(
    'form',
    { class: 'toolbar report-form', 'aria-label': 'The period', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'report-from', text: 'From' }), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'report-to', text: 'To (included)' }), toInput),
    h('button', { type: 'submit', text: 'Show' }),
    h(
      'div',
      { class: 'presets', role: 'group', 'aria-label': 'Quick periods' },
      presets.map((days) =>
        h('button', {
          type: 'button',
          class: 'secondary',
          text: `Last ${days} days`,
          onclick: () => {
            const chosen = lastDays(days);
            fromInput.value = chosen.from;
            toInput.value = chosen.to;
            load(chosen);
          },
        }),
      ),
    ),
    periodError,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = { from: fromInput.value, to: toInput.value };
    const problem = periodProblem(chosen);
    periodError.textContent = problem ?? '';
    periodError.hidden = !problem;
    for (const input of [fromInput, toInput]) {
      if (problem) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      if (problem) input.setAttribute('aria-describedby', periodError.id);
    }
    if (problem) fromInput.focus();
    else load(chosen);
  });

  const download = h('button', { type: 'button', class: 'secondary', text: 'Download as CSV' });
  download.addEventListener('click', async () => {
    download.disabled = true;
    csvStatus.textContent = 'Preparing the CSV…';
    try {
      const name = await downloadCsv(ctx, showing);
      csvStatus.textContent = `Downloaded ${name}.`;
    } catch (error) {
      csvStatus.textContent = `The CSV could not be downloaded: ${error.message}`;
    } finally {
      download.disabled = false;
    }
  });

  main.append(
    h('h1', { text: 'Reports' }),
    form,
    h('div', { class: 'report-head' }, heading, download),
    csvStatus,
    charts,
  );

  async function load(chosen) {
    const mine = ++generation;
    showing = chosen;
    history.replaceState(null, '', `#/reports?from=${chosen.from}&to=${chosen.to}`);
    charts.setAttribute('aria-busy', 'true');
    heading.textContent = `${periodWords(chosen)}: reading the figures…`;
    try {
      const report = await readReport(ctx, chosen);
      if (mine !== generation) return;
      heading.textContent = `${periodWords(chosen)}, by ${report.unit}`;
      charts.replaceChildren(...(await renderReport(ctx, report)));
      ctx.announce(`The figures for ${periodWords(chosen)} are shown.`);
    } catch (error) {
      if (mine !== generation) return;
      heading.textContent = periodWords(chosen);
      charts.replaceChildren();
      ctx.report(error);
    } finally {
      if (mine === generation) charts.setAttribute('aria-busy', 'false');
    }
  }

  await load(period);
}

// --- The period -----------------------------------------------------------------------------------------------------

const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value ?? '') && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
const toDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const msOf = (date) => Date.parse(`${date}T00:00:00Z`);

function periodFrom(query) {
  const period = { from: query.get('from'), to: query.get('to') };
  return periodProblem(period) ? undefined : period;
}

/** The last `days` days, today included, as the API counts days (UTC). */
function lastDays(days) {
  const today = msOf(new Date().toISOString().slice(0, 10));
  return { from: toDay(today - (days - 1) * day), to: toDay(today) };
}

function periodProblem({ from, to }) {
  if (!isDay(from) || !isDay(to)) return 'Enter both days of the period.';
  if (from > to) return 'The period ends before it starts: choose a "to" day on or after the "from" day.';
  if ((msOf(to) - msOf(from)) / day + 1 > maxDays) return 'Choose a period of a year at most.';
  return undefined;
}

const dayWords = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const weekday = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
const monthWords = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const weekdayOnly = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });
const monthOnly = new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' });

function periodWords({ from, to }) {
  const days = (msOf(to) - msOf(from)) / day + 1;
  return `${dayWords.format(msOf(from))} to ${dayWords.format(msOf(to))} (${plural(days, 'day')})`;
}

/**
 * The period cut into windows `[start, end)` in ms: days up to a fortnight, weeks (from the first day) up to four
 * months, else calendar months. Each has its label in the tables and a shorter one under its bar.
 */
function windowsOf({ from, to }) {
  const start = msOf(from);
  const end = msOf(to) + day;
  const days = (end - start) / day;
  const windows = [];
  if (days <= 14) {
    for (let at = start; at < end; at += day) {
      const short = `${weekdayOnly.format(at)} ${new Date(at).getUTCDate()}`;
      windows.push({ start: at, end: at + day, label: weekday.format(at), short });
    }
    return { unit: 'day', windows };
  }
  if (days <= 120) {
    for (let at = start; at < end; at += 7 * day) {
      const stop = Math.min(at + 7 * day, end);
      const label = `${shortDay.format(at)}–${shortDay.format(stop - day)}`;
      windows.push({ start: at, end: stop, label, short: shortDay.format(at) });
    }
    return { unit: 'week', windows };
  }
  for (let at = start; at < end; ) {
    const date = new Date(at);
    const next = Math.min(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1), end);
    windows.push({ start: at, end: next, label: monthWords.format(at), short: monthOnly.format(at) });
    at = next;
  }
  return { unit: 'month', windows };
}

// --- Reading --------------------------------------------------------------------------------------------------------

const kpiPath = (from, to) => `v1/reports/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

/** The whole period's report and one for each of its windows. */
async function readReport(ctx, period) {
  const { unit, windows } = windowsOf(period);
  const iso = (ms) => new Date(ms).toISOString();
  const [whole, ...parts] = await inTurns(
    [
      () => ctx.api(kpiPath(period.from, period.to)),
      ...windows.map((window) => () => ctx.api(kpiPath(iso(window.start), iso(window.end)))),
    ],
    concurrency,
  );
  return { period, unit, whole, windows: windows.map((window, index) => ({ ...window, report: parts[index] })) };
}

/** Runs the tasks, at most `limit` at a time; answers their results in order. */
async function inTurns(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * The server's CSV of the period, fetched with the signed-in token and saved through a Blob and an `<a download>`.
 * Answers the file's name.
 */
async function downloadCsv(ctx, period) {
  const { text, headers } = await ctx.api(`${kpiPath(period.from, period.to)}&format=csv`, {
    headers: { accept: 'text/csv' },
    text: true,
  });
  const name =
    /filename="?([^";]+)"?/i.exec(headers.get('content-disposition') ?? '')?.[1] ??
    `fieldops-kpis-${period.from}-to-${period.to}.csv`;
  const blob = new Blob([text], { type: 'text/csv' });
  const href = URL.createObjectURL(blob);
  const link = h('a', { href, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}

// --- Showing ----------------------------------------------------------------------------------------------------------

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const rate = (value) => (value === null ? 'none' : percent.format(value));
const minutes = (value) => (value === null ? 'none' : duration(value));

/** The figures: what each chart shows, from each window's report and the whole period's. */
const measures = [
  {
    id: 'first-time-fix',
    title: 'First-time fix rate',
    about: 'Jobs completed fixed on the first visit, of the jobs completed.',
    value: (report) => report.firstTimeFixRate,
    words: rate,
    max: 1,
    basis: [
      ['Fixed first time', (report) => report.basis.firstTimeFixes],
      ['Completed', (report) => report.basis.completed],
    ],
  },
  {
    id: 'job-duration',
    title: 'Mean job duration',
    about: 'Logged work time, or arrival to completion, of the jobs timed.',
    value: (report) => report.meanJobMinutes,
    words: minutes,
    basis: [['Jobs timed', (report) => report.basis.timedJobs]],
  },
  {
    id: 'sla',
    title: 'SLA compliance',
    about: 'Jobs attended by their SLA due time, of the jobs attended.',
    value: (report) => report.slaCompliance,
    words: rate,
    max: 1,
    basis: [
      ['Attended in time', (report) => report.basis.attendedWithinSla],
      ['Attended', (report) => report.basis.attended],
    ],
  },
  {
    id: 'closeout-lag',
    title: 'Mean closeout lag',
    about: 'From completion to closed (invoiced and filed), of the jobs closed.',
    value: (report) => report.meanCloseoutLagMinutes,
    words: minutes,
    basis: [['Closed', (report) => report.basis.closed]],
  },
];

async function renderReport(ctx, report) {
  const parts = await ctx.reference('parts').catch(() => []);
  const partNames = new Map(parts.map((part) => [part.sku, part.name]));
  return [
    ...measures.map((measure) => measureFigure(measure, report)),
    partsFigure(report.whole, partNames),
    statusFigure(report.whole),
  ];
}

/** A KPI charted window by window, its whole-period figure in the caption, and the table of both. */
function measureFigure(measure, report) {
  const whole = measure.value(report.whole);
  const bars = report.windows.map((window) => {
    const value = measure.value(window.report);
    return { label: window.short, value, text: value === null ? '–' : measure.words(value) };
  });
  const captionId = `chart-${measure.id}-title`;
  return h(
    'figure',
    { class: 'report-figure', id: `chart-${measure.id}`, 'aria-labelledby': captionId },
    h(
      'figcaption',
      {},
      h('h2', { id: captionId, text: measure.title }),
      h('p', { class: 'report-whole', text: `Over the period: ${measure.words(whole)}.` }),
      h('p', { class: 'hint', text: measure.about }),
    ),
    barChart(bars, measure.max),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'report-table' },
        h('caption', { class: 'visually-hidden', text: `${measure.title}, by ${report.unit}` }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', text: capitalise(report.unit) }),
            h('th', { scope: 'col', text: measure.title }),
            measure.basis.map(([label]) => h('th', { scope: 'col', text: label })),
          ),
        ),
        h(
          'tbody',
          {},
          report.windows.map((window) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', text: window.label }),
              h('td', { text: measure.words(measure.value(window.report)) }),
              measure.basis.map(([, count]) => h('td', { text: String(count(window.report)) })),
            ),
          ),
        ),
        h(
          'tfoot',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'row', text: 'The whole period' }),
            h('td', { text: measure.words(whole) }),
            measure.basis.map(([, count]) => h('td', { text: String(count(report.whole)) })),
          ),
        ),
      ),
    ),
  );
}

function partsFigure(whole, partNames) {
  const rows = whole.partsUsage.map((line) => ({
    label: line.sku,
    name: partNames.get(line.sku) ?? '',
    value: line.qty,
  }));
  return categoryFigure({
    id: 'parts',
    title: 'Parts used',
    about: 'Parts used on the jobs of the period, by SKU.',
    empty: 'No parts were used in this period.',
    rows,
    headers: ['SKU', 'Part', 'Quantity used'],
    cells: (row) => [row.name, String(row.value)],
  });
}

function statusFigure(whole) {
  const rows = statuses
    .map((status) => ({ label: statusLabel(status), value: whole.countsByStatus[status] ?? 0 }))
    .filter((row) => row.value > 0);
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  return categoryFigure({
    id: 'statuses',
    title: 'Work orders logged, where they stand',
    about: `${plural(total, 'work order')} logged in the period, by status now.`,
    empty: 'No work order was logged in this period.',
    rows,
    headers: ['Status', 'Work orders'],
    cells: (row) => [String(row.value)],
  });
}

/** Counts by category (a part, a status): horizontal bars, and the table. */
function categoryFigure({ id, title, about, empty, rows, headers, cells }) {
  const captionId = `chart-${id}-title`;
  return h(
    'figure',
    { class: 'report-figure', id: `chart-${id}`, 'aria-labelledby': captionId },
    h('figcaption', {}, h('h2', { id: captionId, text: title }), h('p', { class: 'hint', text: about })),
    rows.length === 0
      ? h('p', { class: 'muted', text: empty })
      : [
          horizontalBars(rows),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'report-table' },
              h('caption', { class: 'visually-hidden', text: title }),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  headers.map((header) => h('th', { scope: 'col', text: header })),
                ),
              ),
              h(
                'tbody',
                {},
                rows.map((row) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row', text: row.label }),
                    cells(row).map((cell) => h('td', { text: cell })),
                  ),
                ),
              ),
            ),
          ),
        ],
  );
}

// --- Charts: SVG bars ---------------------------------------------------------------------------------------------

const svgNs = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (a presentation attribute, never a style one: the CSP allows none). */
function s(tag, attributes = {}, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'text') node.textContent = value;
    else if (value !== undefined) node.setAttribute(key, String(value));
  }
  node.append(...children.flat().filter(Boolean));
  return node;
}

/**
 * Vertical bars, one a window, each with its value above it and its window below; a window with nothing to count
 * shows a dash and no bar. `max` fixes the scale's top (1 for a rate), else it is the largest value.
 */
function barChart(bars, max) {
  const width = 520;
  const height = 200;
  const top = 22;
  const bottom = 34;
  const left = 8;
  const plot = height - top - bottom;
  const values = bars.map((bar) => bar.value).filter((value) => value !== null);
  const scaleTop = max ?? Math.max(...values, 0);
  const slot = (width - 2 * left) / Math.max(bars.length, 1);
  const barWidth = Math.min(56, slot * 0.7);
  const labelEvery = Math.ceil(bars.length / 7);
  return s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      'aria-hidden': 'true',
      focusable: 'false',
      preserveAspectRatio: 'xMidYMid meet',
    },
    s('line', { class: 'chart-axis', x1: left, x2: width - left, y1: top + plot, y2: top + plot }),
    max ? s('line', { class: 'chart-grid', x1: left, x2: width - left, y1: top, y2: top }) : undefined,
    bars.map((bar, index) => {
      const x = left + slot * index + (slot - barWidth) / 2;
      const barHeight = bar.value === null || scaleTop === 0 ? 0 : (bar.value / scaleTop) * plot;
      return s(
        'g',
        { class: bar.value === null ? 'chart-bar chart-none' : 'chart-bar' },
        bar.value === null
          ? undefined
          : s('rect', { x, y: top + plot - barHeight, width: barWidth, height: Math.max(barHeight, 1) }),
        s('text', {
          class: 'chart-value',
          x: x + barWidth / 2,
          y: top + plot - barHeight - 6,
          'text-anchor': 'middle',
          text: bar.text,
        }),
        index % labelEvery === 0
          ? s('text', {
              class: 'chart-label',
              x: x + barWidth / 2,
              y: top + plot + 20,
              'text-anchor': 'middle',
              text: bar.label,
            })
          : undefined,
      );
    }),
  );
}

/** Horizontal bars, one a category, its label on the left and its count at the end. */
function horizontalBars(rows) {
  const width = 520;
  const rowHeight = 26;
  const labelWidth = 170;
  const height = rows.length * rowHeight + 8;
  const largest = Math.max(...rows.map((row) => row.value), 1);
  const room = width - labelWidth - 50;
  return s(
    'svg',
    { class: 'chart chart-categories', viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true', focusable: 'false' },
    rows.map((row, index) => {
      const y = 4 + index * rowHeight;
      const barWidth = Math.max((row.value / largest) * room, 1);
      return s(
        'g',
        { class: 'chart-bar' },
        s('text', {
          class: 'chart-label',
          x: labelWidth - 8,
          y: y + rowHeight / 2 + 4,
          'text-anchor': 'end',
          text: row.label,
        }),
        s('rect', { x: labelWidth, y: y + 4, width: barWidth, height: rowHeight - 8 }),
        s('text', { class: 'chart-value', x: labelWidth + barWidth + 6, y: y + rowHeight / 2 + 4, text: row.value }),
      );
    }),
  );
}

const capitalise = (word) => word.charAt(0).toUpperCase() + word.slice(1);
