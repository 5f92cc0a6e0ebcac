import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executionSteps, type StepEvent, workOrderWorkflow } from '#shared/work-order/workflow-graph.ts';

const asl = JSON.parse(readFileSync(new URL('../../statemachines/work-order.asl.json', import.meta.url), 'utf8'));

describe('the work order state machine as a graph', () => {
  const graph = workOrderWorkflow();
  const state = (name: string) => graph.states.find((each) => each.name === name);

  it('has every state of the ASL, in its order, starting where it starts', () => {
    expect(graph.startAt).toBe(asl.StartAt);
    expect(graph.states.map((each) => each.name)).toEqual(Object.keys(asl.States));
    expect(graph.states.map((each) => each.type)).toEqual(
      Object.values<{ Type: string }>(asl.States).map((s) => s.Type),
    );
  });

  it('gives each state every state it may go to: Next, each choice, Default and each catcher, once each', () => {
    expect(state('WaitForRelease')?.next).toEqual(['LoadWorkOrder', 'EscalateRelease', 'FlagForAttention']);
    expect(state('RouteByStatus')?.next).toEqual([
      'WaitForRelease',
      'RequestApproval',
      'MarkReadyToSchedule',
      'WaitForApproval',
      'MatchEngineer',
      'Dispatch',
      'WaitForAcknowledgement',
      'WaitForCompletion',
      'Closeout',
      'Closed',
      'Rejected',
      'Cancelled',
      'FlagForAttention',
    ]);
    expect(state('EngineerFound')?.next).toEqual(['Dispatch', 'WaitForAssignment']);
    // Its Next and its catcher are the same state.
    expect(state('FlagForAttention')?.next).toEqual(['WorkflowFailed']);
    const names = new Set(graph.states.map((each) => each.name));
    for (const each of graph.states) for (const target of each.next) expect(names, each.name).toContain(target);
  });

  it('says where the execution may end and what each state is for, where the ASL says', () => {
    expect(graph.states.filter((each) => each.end).map((each) => each.name)).toEqual([
      'Closed',
      'Rejected',
      'Cancelled',
      'WorkflowFailed',
    ]);
    expect(graph.states.filter((each) => each.end).every((each) => each.next.length === 0)).toBe(true);
    expect(state('LoadWorkOrder')?.comment).toBe(asl.States.LoadWorkOrder.Comment);
    expect(state('RequestApproval')?.comment).toBeNull();
  });
});

/** A history as `describeWorkOrderExecution` reads it, one second apart. */
const history = (...events: Array<[type: string, state?: string, error?: string]>): StepEvent[] =>
  events.map(([type, state, error], index) => ({
    at: new Date(1_700_000_000_000 + index * 1000).toISOString(),
    type,
    state,
    error,
  }));

const outcomes = (steps: ReturnType<typeof executionSteps>) =>
  steps.map((step) => [step.state, step.outcome, step.error, step.retries]);

describe('the steps of an execution', () => {
  it('follows the path with each step’s times, the one it is in now running', () => {
    const steps = executionSteps(
      history(
        ['ExecutionStarted'],
        ['TaskStateEntered', 'LoadWorkOrder'],
        ['TaskStateExited', 'LoadWorkOrder'],
        ['ChoiceStateEntered', 'RouteByStatus'],
        ['ChoiceStateExited', 'RouteByStatus'],
        ['TaskStateEntered', 'WaitForCompletion'],
      ),
      'RUNNING',
    );

    expect(steps).toEqual([
      {
        state: 'LoadWorkOrder',
        type: 'Task',
        enteredAt: '2023-11-14T22:13:21.000Z',
        exitedAt: '2023-11-14T22:13:22.000Z',
        outcome: 'succeeded',
        error: null,
        retries: 0,
      },
      expect.objectContaining({ state: 'RouteByStatus', type: 'Choice', outcome: 'succeeded' }),
      expect.objectContaining({ state: 'WaitForCompletion', exitedAt: null, outcome: 'running' }),
    ]);
  });

  it('tells a failed attempt its Retry rules tried again from one a catcher took on, from AWS’s history', () => {
    const steps = executionSteps(
      history(
        ['TaskStateEntered', 'Closeout'],
        ['TaskScheduled'],
        ['TaskFailed', undefined, 'Store.Throttled'],
        ['TaskScheduled'],
        ['TaskSucceeded'],
        ['TaskStateExited', 'Closeout'],
        ['ChoiceStateEntered', 'RouteByStatus'],
        ['ChoiceStateExited', 'RouteByStatus'],
        ['TaskStateEntered', 'WaitForCompletion'],
        ['TaskScheduled'],
        ['TaskFailed', undefined, 'Engineer.Unreachable'],
        ['TaskStateExited', 'WaitForCompletion'],
        ['TaskStateEntered', 'FlagForAttention'],
        ['TaskStateExited', 'FlagForAttention'],
        ['FailStateEntered', 'WorkflowFailed'],
        ['ExecutionFailed', undefined, 'WorkOrder.NeedsAttention'],
      ),
      'FAILED',
    );

    expect(outcomes(steps)).toEqual([
      ['Closeout', 'succeeded', null, 1],
      ['RouteByStatus', 'succeeded', null, 0],
      ['WaitForCompletion', 'caught', 'Engineer.Unreachable', 0],
      ['FlagForAttention', 'succeeded', null, 0],
      ['WorkflowFailed', 'failed', 'WorkOrder.NeedsAttention', 0],
    ]);
  });

  it('reads the local runner’s history alike, which schedules no attempt, up to the rule’s MaxAttempts', () => {
    // LoadWorkOrder retries Store.Throttled 8 times: the ninth failure is caught.
    const throttled = Array.from({ length: 9 }, (): [string, undefined, string] => [
      'TaskFailed',
      undefined,
      'Store.Throttled',
    ]);
    const steps = executionSteps(
      history(
        ['TaskStateEntered', 'LoadWorkOrder'],
        ...throttled,
        ['TaskStateExited', 'LoadWorkOrder'],
        ['TaskStateEntered', 'FlagForAttention'],
        ['TaskFailed', undefined, 'Store.Throttled'],
        ['TaskStateExited', 'FlagForAttention'],
        ['TaskStateEntered', 'WaitForRelease'],
        ['TaskTimedOut', undefined, 'States.Timeout'],
        ['TaskStateExited', 'WaitForRelease'],
        ['TaskStateEntered', 'EscalateRelease'],
      ),
      'RUNNING',
    );

    expect(outcomes(steps)).toEqual([
      ['LoadWorkOrder', 'caught', 'Store.Throttled', 8],
      ['FlagForAttention', 'succeeded', null, 1],
      ['WaitForRelease', 'caught', 'States.Timeout', 0],
      ['EscalateRelease', 'running', null, 0],
    ]);
  });

  it('shows a step the local runtime stopped in as interrupted, and where a stopped execution ended', () => {
    const resumed = executionSteps(
      history(
        ['TaskStateEntered', 'WaitForCompletion'],
        ['TaskStateEntered', 'LoadWorkOrder'],
        ['TaskStateExited', 'LoadWorkOrder'],
      ),
      'RUNNING',
    );
    const stopped = executionSteps(
      history(
        ['TaskStateEntered', 'WaitForCompletion'],
        ['TaskFailed', undefined, 'States.Runtime'],
        ['ExecutionAborted', undefined, 'Operator.Stopped'],
      ),
      'ABORTED',
    );

    expect(outcomes(resumed)).toEqual([
      ['WaitForCompletion', 'interrupted', null, 0],
      ['LoadWorkOrder', 'succeeded', null, 0],
    ]);
    expect(outcomes(stopped)).toEqual([['WaitForCompletion', 'aborted', 'Operator.Stopped', 0]]);
  });
});
