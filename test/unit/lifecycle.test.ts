import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  beforeArrivalStatuses,
  boardOf,
  canTransition,
  terminalStatuses,
  transitions,
} from '#shared/work-order/lifecycle.ts';
import { Status } from '#shared/work-order/model.ts';

describe('the lifecycle table', () => {
  it('names every status, and only statuses, as sources and targets', () => {
    expect(Object.keys(transitions).sort()).toEqual([...Status.options].sort());
    for (const targets of Object.values(transitions)) {
      for (const to of targets) expect(Status.options).toContain(to);
    }
  });

  it('lets nothing leave a terminal status', () => {
    for (const status of terminalStatuses) expect(transitions[status]).toEqual([]);
  });

  it('allows cancelling before the engineer is on site, and not after', () => {
    for (const status of beforeArrivalStatuses) expect(canTransition(status, 'cancelled')).toBe(true);
    for (const status of ['on_site', 'in_progress', 'paused', 'completed'] as const) {
      expect(canTransition(status, 'cancelled')).toBe(false);
    }
  });

  it('sends a refused dispatch back to scheduling', () => {
    expect(canTransition('dispatched', 'ready_to_schedule')).toBe(true);
  });

  it('lets work pause and resume, and closes only a completed job', () => {
    expect(canTransition('in_progress', 'paused')).toBe(true);
    expect(canTransition('paused', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'closed')).toBe(false);
    expect(canTransition('completed', 'closed')).toBe(true);
  });

  it('refuses a move outside the table with workorder.invalid_transition and the allowed moves', () => {
    expect(() => assertTransition('logged', 'completed')).toThrowError(
      expect.objectContaining({ code: 'workorder.invalid_transition', status: 409 }),
    );
  });

  it('puts finished work on the done board', () => {
    expect(boardOf('closed')).toBe('done');
    expect(boardOf('in_progress')).toBe('open');
  });
});
