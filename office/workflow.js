// A work order's workflow: the state machine (`GET /v1/workflow`) drawn as a graph, laid out in layers from the top
// in the definition's order, with the path this work order's execution took and where it is now
// (`GET /v1/work-orders/{id}/execution`), each step's time, and "Re-drive" where the run failed
// (`POST /v1/work-orders/{id}/redrive`). The drawing is one picture to a screen reader; the ordered list of the
// steps taken beside it says the same in words.

import { duration, fill, formatTime, h, problemText } from './ui.js';

const svgNs = 'http://www.w3.org/2000/svg';
const node = { width: 184, height: 34, gapX: 22, gapY: 34, margin: 16 };
/** An execution that ended without finishing: the office may re-drive it. */
const endedBadly = ['FAILED', 'TIMED_OUT', 'ABORTED'];
const runStatusWords = {
  RUNNING: 'running',
  SUCCEEDED: 'finished',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'stopped',
};

/** The definition, read once per page: it changes only with a deployment. */
let definition;

/**
 * Draws the workflow of a work order into `container`; answers `{ refresh(workOrder) }`, which reads the execution
 * again (after a live change).
 */
export async function showWorkflow(container, ctx, workOrder) {
  const graph = h('div', { class: 'workflow-graph' });
  const steps = h('div', { class: 'workflow-steps' });
  const redrive = h('div', { class: 'workflow-redrive' });
  fill(
    container,
    h(
      'p',
      { class: 'hint' },
      'The path this work order took is marked in blue, where it is now in green, and a failed step in red. ',
      'Any task that fails goes on to the catch-all (FlagForAttention); those edges are drawn only where taken.',
    ),
    redrive,
    h('div', { class: 'workflow' }, graph, steps),
  );
  let current = workOrder;

  async function refresh(next = current) {
    current = next;
    const [shape, execution] = await Promise.all([
      readDefinition(ctx).catch((failed) => ({ failed })),
      ctx.api(`v1/work-orders/${encodeURIComponent(current.id)}/execution`).catch((failed) => ({ failed })),
    ]);
    const taken = execution.failed ? [] : stepsOf(execution);
    if (shape.failed) {
      fill(
        graph,
        h('p', { class: 'notice', text: `The workflow's definition could not be read: ${shape.failed.message}` }),
      );
    } else {
      fill(graph, draw(shape, taken, execution));
    }
    if (execution.failed) {
      fill(
        steps,
        h('p', {
          text:
            execution.failed.status === 404
              ? 'This work order has no execution yet.'
              : `The execution could not be read: ${execution.failed.message}`,
        }),
      );
      fill(redrive);
      return;
    }
    fill(
      steps,
      h('h3', {
        id: `steps-${current.id}`,
        text: `Steps taken (run ${runOf(execution)}, ${runStatusWords[execution.status] ?? execution.status})`,
      }),
      stepList(taken, execution),
    );
    fill(redrive, ...redriveForm(execution, taken));
  }

  function redriveForm(execution, taken) {
    if (!endedBadly.includes(execution.status) || ['closed', 'rejected', 'cancelled'].includes(current.status))
      return [];
    const where = taken.at(-1)?.state ?? 'its start';
    const reason = h('textarea', { id: `redrive-reason-${current.id}`, rows: '2', maxlength: '2000' });
    const error = h('p', { class: 'error', role: 'alert' });
    const button = h('button', { type: 'button', text: 'Re-drive' });
    button.addEventListener('click', async () => {
      const why = reason.value.trim();
      if (!why) {
        error.textContent = 'Say why it is re-driven: the timeline keeps it.';
        reason.focus();
        return;
      }
      button.disabled = true;
      error.textContent = '';
      try {
        const wo = await ctx.api(`v1/work-orders/${encodeURIComponent(current.id)}/redrive`, {
          method: 'POST',
          body: { reason: why },
        });
        ctx.announce(`${current.ref} is re-driven: a new run carries on from ${wo.status}.`);
        await refresh(wo);
      } catch (failure) {
        error.textContent = problemText(failure);
        button.disabled = false;
      }
    });
    return [
      h(
        'div',
        { class: 'problem' },
        h('h3', { text: `The run ${runStatusWords[execution.status]} at ${where}` }),
        execution.error ? h('p', { text: `Error: ${execution.error}` }) : undefined,
        execution.stoppedAt ? h('p', { text: `At ${formatTime(execution.stoppedAt)}.` }) : undefined,
        h(
          'div',
          { class: 'field' },
          h('label', { for: `redrive-reason-${current.id}`, text: 'Why re-drive it?' }),
          reason,
        ),
        error,
        h('div', { class: 'actions' }, button),
      ),
    ];
  }

  await refresh();
  return { refresh };
}

function readDefinition(ctx) {
  definition ??= ctx.api('v1/workflow').catch((error) => {
    definition = undefined;
    throw error;
  });
  return definition;
}

/** `…:execution:WorkOrder:<id>-run2` → 2. */
function runOf(execution) {
  return Number(/-run(\d+)$/.exec(execution.executionId ?? '')?.[1] ?? 1);
}

/** The states entered, in order, each with when it was entered and left, and the failure that ended it, if any. */
export function stepsOf(execution) {
  const taken = [];
  for (const event of execution.events ?? []) {
    if (event.type.endsWith('StateEntered') && event.state) {
      taken.push({ state: event.state, enteredAt: event.at });
    } else if (event.type.endsWith('StateExited') && event.state) {
      const step = [...taken].reverse().find((s) => s.state === event.state && !s.exitedAt);
      if (step) step.exitedAt = event.at;
    } else if (/Failed$|TimedOut$|Aborted$/.test(event.type)) {
      const step = taken.at(-1);
      if (step && !step.exitedAt && /^Execution/.test(event.type)) {
        step.failed = event.detail ?? execution.error ?? event.type.replace(/^Execution/, '').toLowerCase();
      }
    }
  }
  const last = taken.at(-1);
  if (last && !last.exitedAt && endedBadly.includes(execution.status) && !last.failed) {
    last.failed = execution.error ?? runStatusWords[execution.status];
  }
  return taken;
}

function stepList(taken, execution) {
  const list = h('ol', { class: 'steps' });
  for (const [index, step] of taken.entries()) {
    const here = execution.status === 'RUNNING' && index === taken.length - 1;
    const took =
      step.exitedAt && step.enteredAt
        ? duration((Date.parse(step.exitedAt) - Date.parse(step.enteredAt)) / 60_000)
        : '';
    const seconds =
      step.exitedAt && Date.parse(step.exitedAt) - Date.parse(step.enteredAt) < 60_000
        ? `${((Date.parse(step.exitedAt) - Date.parse(step.enteredAt)) / 1000).toFixed(1)} s`
        : took;
    list.append(
      h(
        'li',
        { class: step.failed ? 'failed' : undefined },
        h('strong', { text: step.state }),
        ` at ${clockWithSeconds(step.enteredAt)}`,
        seconds ? `, ${seconds}` : '',
        here ? ' (here now)' : '',
        step.failed ? ` — failed: ${step.failed}` : '',
      ),
    );
  }
  if (taken.length === 0) list.append(h('li', { text: 'No step yet.' }));
  return list;
}

const secondsFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function clockWithSeconds(iso) {
  return iso ? secondsFormat.format(new Date(iso)) : '';
}

/**
 * The states in layers from the top: each a layer below the deepest state that leads to it in the definition's
 * order (an edge back to an earlier state does not count), the end states at the bottom, and each layer in the
 * definition's order.
 */
export function layout(shape) {
  const index = new Map(shape.states.map((state, i) => [state.name, i]));
  const layer = new Map(shape.states.map((state) => [state.name, 0]));
  for (const state of shape.states) {
    for (const next of state.next ?? []) {
      if ((index.get(next) ?? -1) > (index.get(state.name) ?? 0)) {
        layer.set(next, Math.max(layer.get(next) ?? 0, (layer.get(state.name) ?? 0) + 1));
      }
    }
  }
  const ends = shape.states.filter((state) => state.type === 'Succeed' || state.type === 'Fail');
  const deepest = Math.max(0, ...[...layer.values()]);
  for (const state of ends) layer.set(state.name, deepest);
  const layers = [];
  for (const state of shape.states) {
    const at = layer.get(state.name) ?? 0;
    layers[at] ??= [];
    layers[at].push(state.name);
  }
  const rows = layers.filter(Boolean);
  const widest = Math.max(1, ...rows.map((row) => row.length));
  const width = node.margin * 2 + widest * node.width + (widest - 1) * node.gapX + 80;
  const positions = new Map();
  rows.forEach((row, rowIndex) => {
    const rowWidth = row.length * node.width + (row.length - 1) * node.gapX;
    const left = node.margin + (widest * node.width + (widest - 1) * node.gapX - rowWidth) / 2;
    row.forEach((name, column) => {
      positions.set(name, {
        x: left + column * (node.width + node.gapX),
        y: node.margin + rowIndex * (node.height + node.gapY),
        row: rowIndex,
      });
    });
  });
  const height = node.margin * 2 + rows.length * node.height + (rows.length - 1) * node.gapY;
  return { positions, width, height };
}

function draw(shape, taken, execution) {
  const { positions, width, height } = layout(shape);
  const visited = new Set(taken.map((step) => step.state));
  const pairs = new Set(taken.slice(1).map((step, i) => `${taken[i].state}→${step.state}`));
  const last = taken.at(-1);
  const running = execution.status === 'RUNNING';
  const failed = last?.failed ? last.state : undefined;
  const byName = new Map(shape.states.map((state) => [state.name, state]));
  /** A state whose only way on is a failure end: the edges into it are the catch-all, drawn lighter. */
  const failurePath = (name) => {
    const next = byName.get(name)?.next ?? [];
    return next.length > 0 && next.every((n) => byName.get(n)?.type === 'Fail');
  };

  const svg = svgElement('svg', {
    width: String(width),
    height: String(height),
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': summary(shape, taken, execution),
  });
  const defs = svgElement('defs', {});
  for (const [id, cls] of [
    ['wf-arrow', 'wf-arrowhead'],
    ['wf-arrow-taken', 'wf-arrowhead taken'],
  ]) {
    const marker = svgElement('marker', {
      id,
      viewBox: '0 0 10 10',
      refX: '9',
      refY: '5',
      markerUnits: 'userSpaceOnUse',
      markerWidth: '9',
      markerHeight: '9',
      orient: 'auto-start-reverse',
    });
    marker.append(svgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: cls }));
    defs.append(marker);
  }
  svg.append(defs);
  const edges = svgElement('g', { 'aria-hidden': 'true' });
  const nodes = svgElement('g', { 'aria-hidden': 'true' });
  for (const state of shape.states) {
    const from = positions.get(state.name);
    for (const next of state.next ?? []) {
      const to = positions.get(next);
      if (!from || !to) continue;
      const taken = pairs.has(`${state.name}→${next}`);
      // Every task may fail into the catch-all: those edges are drawn only where this work order took one.
      if (failurePath(next) && !taken) continue;
      const classes = ['wf-edge', taken ? 'taken' : '', failurePath(next) ? 'to-failure' : ''].filter(Boolean);
      edges.append(
        svgElement('path', {
          d: edgePath(from, to),
          class: classes.join(' '),
          'marker-end': `url(#${taken ? 'wf-arrow-taken' : 'wf-arrow'})`,
        }),
      );
    }
  }
  for (const state of shape.states) {
    const at = positions.get(state.name);
    if (!at) continue;
    const classes = ['wf-node'];
    if (visited.has(state.name)) classes.push('visited');
    if (running && last?.state === state.name) classes.push('current');
    if (failed === state.name) classes.push('failed');
    const group = svgElement('g', { class: classes.join(' '), 'data-state': state.name });
    const title = svgElement('title', {});
    title.textContent = [state.name, state.comment].filter(Boolean).join(': ');
    group.append(
      title,
      svgElement('rect', {
        x: String(at.x),
        y: String(at.y),
        width: String(node.width),
        height: String(node.height),
        rx: state.type === 'Choice' ? '17' : '4',
      }),
    );
    const label = svgElement('text', {
      x: String(at.x + node.width / 2),
      y: String(at.y + node.height / 2 + 4),
      'text-anchor': 'middle',
    });
    label.textContent = `${state.name}${failed === state.name ? ' ✕' : running && last?.state === state.name ? ' ●' : ''}`;
    group.append(label);
    nodes.append(group);
  }
  svg.append(edges, nodes);
  return svg;
}

/** A forward edge goes down from the bottom of one box to the top of the next; an edge back curves up the right. */
function edgePath(from, to) {
  if (to.row > from.row) {
    const x1 = from.x + node.width / 2;
    const y1 = from.y + node.height;
    const x2 = to.x + node.width / 2;
    const y2 = to.y;
    const bend = (y2 - y1) / 2;
    return `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`;
  }
  const x1 = from.x + node.width;
  const y1 = from.y + node.height / 2;
  const x2 = to.x + node.width;
  const y2 = to.y + node.height / 2;
  const out = 40 + Math.abs(from.row - to.row) * 4;
  return `M ${x1} ${y1} C ${x1 + out} ${y1}, ${x2 + out} ${y2}, ${x2} ${y2}`;
}

function summary(shape, taken, execution) {
  const path = taken.map((step) => step.state).join(', then ');
  const where =
    execution.status === 'RUNNING'
      ? `It is at ${taken.at(-1)?.state ?? 'its start'} now.`
      : `The run ${runStatusWords[execution.status] ?? execution.status}.`;
  return `The workflow: ${shape.states.length} states from ${shape.startAt}. This work order went ${path || 'nowhere yet'}. ${where}`;
}

function svgElement(tag, attributes) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}
