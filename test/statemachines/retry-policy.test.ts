import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `any`: ASL JSON, walked generically.
type Json = any;

const asl: Json = JSON.parse(readFileSync('statemachines/work-order.asl.json', 'utf8'));

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
];
const STORE_TRANSIENT_ERRORS = ['Store.Conflict', 'Store.Throttled'];

/** Every state with its name, and the Parallel it runs in (if any). */
function allStates(states: Json, parallel?: string): Array<{ name: string; state: Json; parallel?: string }> {
  return Object.entries<Json>(states).flatMap(([name, state]) => [
    { name, state, parallel },
    ...(state.Branches ?? []).flatMap((branch: Json) => allStates(branch.States, name)),
  ]);
}

const states = allStates(asl.States);
const tasks = states.filter(({ state }) => state.Type === 'Task');
const isCallback = (state: Json) => String(state.Resource).endsWith('.waitForTaskToken');
const plainTasks = tasks.filter(({ state }) => !isCallback(state)).map(({ name, state }) => [name, state]);
const callbackTasks = tasks.filter(({ state }) => isCallback(state)).map(({ name, state }) => [name, state]);
const allTasks = tasks.map(({ name, state }) => [name, state]);

/** The retrier Step Functions would use for an error: the first whose ErrorEquals names it (or States.ALL). */
const retrierFor = (state: Json, error: string) =>
  (state.Retry ?? []).find((r: Json) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));

describe('the work order state machine retries what a retry clears', () => {
  it('has both kinds of Task', () => {
    expect(plainTasks.length).toBeGreaterThan(0);
    expect(callbackTasks.length).toBeGreaterThan(0);
  });

  it.each(allTasks)('%s retries Lambda service errors with full jitter', (_name, state) => {
    const retrier = retrierFor(state, 'Lambda.ServiceException');

    expect([...retrier.ErrorEquals].sort()).toEqual([...LAMBDA_SERVICE_ERRORS].sort());
    expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 20 });
  });

  it.each(allTasks)('%s retries a store conflict or throttling, with full jitter and more attempts', (_name, state) => {
    for (const error of STORE_TRANSIENT_ERRORS) {
      expect(retrierFor(state, error), error).toMatchObject({
        IntervalSeconds: 1,
        MaxAttempts: 8,
        BackoffRate: 2,
        MaxDelaySeconds: 20,
        JitterStrategy: 'FULL',
      });
    }
  });

  it.each(plainTasks)('%s, idempotent, retries a timeout a few times with full jitter', (_name, state) => {
    const retrier = retrierFor(state, 'States.Timeout');

    expect(retrier).toMatchObject({ ErrorEquals: ['States.Timeout'], JitterStrategy: 'FULL' });
    expect(retrier.MaxAttempts).toBeGreaterThanOrEqual(1);
    expect(retrier.MaxAttempts).toBeLessThanOrEqual(3);
  });

  it.each(callbackTasks)('%s never retries its timeout: the timeout escalates', (_name, state) => {
    expect(retrierFor(state, 'States.Timeout')).toBeUndefined();
    const timeoutCatch = state.Catch.find((c: Json) => c.ErrorEquals.includes('States.Timeout'));
    expect(asl.States[timeoutCatch?.Next]).toMatchObject({ Type: 'Task', Next: 'LoadWorkOrder' });
  });

  it.each(allTasks)('%s retries no domain error: nothing matches everything', (_name, state) => {
    const matched = (state.Retry ?? []).flatMap((r: Json) => r.ErrorEquals);

    expect(matched).not.toContain('States.ALL');
    expect(matched).not.toContain('States.TaskFailed');
    expect(matched.filter((error: string) => error.startsWith('WorkOrder.'))).toEqual([]);
  });
});

describe('the work order state machine keeps its named failure path', () => {
  const catchAll = (state: Json) => state.Catch?.find((c: Json) => c.ErrorEquals.includes('States.ALL'));

  it.each(
    states
      .filter(({ state, parallel }) => !parallel && (state.Type === 'Task' || state.Type === 'Parallel'))
      .filter(({ name }) => name !== 'FlagForAttention')
      .map(({ name, state }) => [name, state]),
  )('%s sends any error it does not handle to FlagForAttention', (_name, state) => {
    expect(catchAll(state)).toMatchObject({ ResultPath: '$.failure', Next: 'FlagForAttention' });
  });

  it('routes from what closeout answers, which is no error for a job it finds not completed, and flags its failures', () => {
    const closeout = asl.States.Closeout;

    // A refusal or a cancellation reaches closeout from the last wait: closeout answers its status, as LoadWorkOrder
    // does, instead of failing (a thrown error would count as the function failing and raise its alarm).
    expect(asl.States.WaitForCompletion.Next).toBe('Closeout');
    expect(closeout).toMatchObject({
      ResultSelector: asl.States.LoadWorkOrder.ResultSelector,
      ResultPath: '$.workOrder',
    });
    expect(closeout.Next).toBe('RouteByStatus');
    expect(closeout.Catch).toEqual([catchAll(closeout)]);
    expect(catchAll(closeout)).toMatchObject({ Next: 'FlagForAttention' });
  });

  it('runs no state in parallel: each costs a transition, and closeout is one task', () => {
    expect(states.filter(({ state }) => state.Type === 'Parallel' || state.Type === 'Map')).toEqual([]);
  });

  it('ends FlagForAttention in WorkflowFailed whether or not flagging works', () => {
    const flag = asl.States.FlagForAttention;

    expect(flag.Next).toBe('WorkflowFailed');
    expect(catchAll(flag)?.Next).toBe('WorkflowFailed');
    expect(asl.States.WorkflowFailed).toMatchObject({ Type: 'Fail', Error: 'WorkOrder.WorkflowFailed' });
  });
});
