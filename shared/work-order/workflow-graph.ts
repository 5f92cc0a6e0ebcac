import definition from '../../statemachines/work-order.asl.json' with { type: 'json' };

/** One state of the work order state machine as the office draws it. */
export interface WorkflowState {
  name: string;
  /** The ASL type: `Task`, `Choice`, `Succeed`, `Fail`... */
  type: string;
  comment: string | null;
  /** Every state it may go to, each once: its `Next`, each choice's `Next`, the `Default`, each catcher's `Next`. */
  next: string[];
  /** Whether the execution may end in it: `End`, or a `Succeed` or `Fail` state. */
  end: boolean;
}

/** The state machine as a graph: where it starts and each state with the states it may go to, in the ASL's order. */
export interface WorkflowGraph {
  startAt: string;
  states: WorkflowState[];
}

/** A Retry rule of a state, as the ASL gives it. */
interface Retrier {
  errorEquals: string[];
  maxAttempts: number;
}

/** The graph and, by state, its Retry rules, which tell a retried failure from one that ended the state. */
interface Machine {
  graph: WorkflowGraph;
  retriers: Map<string, Retrier[]>;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/**
 * Reads an ASL definition (the top level of its `States`: the work order machine has no Parallel or Map) into a graph
 * and each state's Retry rules.
 */
export function machineOf(asl: unknown): Machine {
  if (!isObject(asl) || !isObject(asl.States) || typeof asl.StartAt !== 'string') {
    throw new Error('Not a state machine definition: it needs StartAt and States.');
  }
  const retriers = new Map<string, Retrier[]>();
  const states = Object.entries(asl.States).map(([name, state]): WorkflowState => {
    const body = isObject(state) ? state : {};
    const type = text(body.Type) ?? 'Unknown';
    retriers.set(
      name,
      objects(body.Retry).map((rule) => ({
        errorEquals: Array.isArray(rule.ErrorEquals) ? rule.ErrorEquals.map(String) : [],
        // The ASL's default.
        maxAttempts: typeof rule.MaxAttempts === 'number' ? rule.MaxAttempts : 3,
      })),
    );
    const next = [
      text(body.Next),
      ...objects(body.Choices).map((choice) => text(choice.Next)),
      text(body.Default),
      ...objects(body.Catch).map((catcher) => text(catcher.Next)),
    ].filter((target): target is string => target !== undefined);
    return {
      name,
      type,
      comment: text(body.Comment) ?? null,
      next: [...new Set(next)],
      end: body.End === true || type === 'Succeed' || type === 'Fail',
    };
  });
  return { graph: { startAt: asl.StartAt, states }, retriers };
}

let workOrderMachine: Machine | undefined;

/** The work order state machine (`statemachines/work-order.asl.json`, bundled with the function that reads it). */
function workOrder(): Machine {
  workOrderMachine ??= machineOf(definition);
  return workOrderMachine;
}

/** The work order state machine as a graph, for drawing: `GET /v1/workflow`. */
export const workOrderWorkflow = (): WorkflowGraph => workOrder().graph;

/** A history event as `describeWorkOrderExecution` reads it: its time, type, the state it names and any error. */
export interface StepEvent {
  at: string;
  type: string;
  state?: string;
  error?: string;
}

/**
 * How a step ended:
 * - `succeeded`: it was left for the state after it (a task may have been retried on the way: `retries`);
 * - `caught`: it failed for good (`error`) and a catcher took the run on;
 * - `failed`, `timed_out`, `aborted`: the execution ended in it, so;
 * - `running`: the execution is in it now;
 * - `interrupted`: left unfinished because the local runtime stopped; the run was resumed from the first state.
 */
export type StepOutcome = 'succeeded' | 'caught' | 'failed' | 'timed_out' | 'aborted' | 'running' | 'interrupted';

/** One state the execution entered, in the order entered: where the path went, when, and how the step ended. */
export interface Step {
  state: string;
  type: string;
  enteredAt: string;
  exitedAt: string | null;
  outcome: StepOutcome;
  error: string | null;
  /** Failed attempts of the state that its Retry rules tried again. */
  retries: number;
}

/** The history events that report a failed attempt of a state. */
const failures = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
]);

/** How a step the execution ended in ended, by the event that ended the execution. */
const endings: Record<string, StepOutcome> = {
  ExecutionFailed: 'failed',
  ExecutionTimedOut: 'timed_out',
  ExecutionAborted: 'aborted',
};

/** The same, by the execution's status, for a history that lacks the event. */
const endedIn: Record<string, StepOutcome> = { FAILED: 'failed', TIMED_OUT: 'timed_out', ABORTED: 'aborted' };

/**
 * The steps of a work order execution, from its history (oldest first): each state entered, when it was entered and
 * left, and how it ended. Whether a failed attempt was retried is read off the state's Retry rules as the ASL applies
 * them (the first rule naming the error, up to its MaxAttempts), so the answer is the same for AWS's history, which
 * schedules each attempt, and the local runner's, which does not.
 */
export function executionSteps(events: readonly StepEvent[], status: string): Step[] {
  const { retriers } = workOrder();
  const steps: Array<Step & { attempts: number[]; ended?: true }> = [];
  const open = () => steps.findLast((step) => step.exitedAt === null && !step.ended);
  for (const event of events) {
    if (event.type.endsWith('StateEntered') && event.state) {
      const left = open();
      // Entered a state while another was in hand: the runtime stopped in it and the resumed run began again.
      if (left) Object.assign(left, { outcome: 'interrupted', ended: true });
      steps.push({
        state: event.state,
        type: event.type.slice(0, -'StateEntered'.length),
        enteredAt: event.at,
        exitedAt: null,
        outcome: 'running',
        error: null,
        retries: 0,
        attempts: (retriers.get(event.state) ?? []).map(() => 0),
      });
    } else if (event.type.endsWith('StateExited') && event.state) {
      const step = steps.findLast((each) => each.state === event.state && each.exitedAt === null && !each.ended);
      if (step) {
        step.exitedAt = event.at;
        if (step.outcome === 'running') step.outcome = 'succeeded';
      }
    } else if (failures.has(event.type)) {
      const step = open();
      if (!step) continue;
      const error = event.error ?? 'States.TaskFailed';
      const rules = retriers.get(step.state) ?? [];
      const rule = rules.findIndex((retrier) => retrier.errorEquals.some((name) => matches(name, error)));
      if (rule >= 0 && (step.attempts[rule] ?? 0) < (rules[rule]?.maxAttempts ?? 0)) {
        step.attempts[rule] = (step.attempts[rule] ?? 0) + 1;
        step.retries++;
      } else {
        // Past its Retry rules: a catcher takes the run on (the state is then left), or the execution fails.
        Object.assign(step, { outcome: 'caught', error });
      }
    } else if (event.type in endings) {
      // The execution ended in the step it was in: a failure past its Retry rules that nothing caught, a Fail
      // state (the error the step's own failure, or the execution's), a stop or the execution's timeout (theirs).
      const step = open();
      if (!step) continue;
      const error = event.type === 'ExecutionFailed' ? (step.error ?? event.error) : (event.error ?? step.error);
      Object.assign(step, { outcome: endings[event.type], ended: true, error: error ?? null });
    }
  }
  // A step still in hand is where a running execution is now; had the execution ended, it ended there.
  if (status !== 'RUNNING') {
    for (const step of steps) if (step.outcome === 'running') step.outcome = endedIn[status] ?? 'succeeded';
  }
  return steps.map(({ attempts: _attempts, ended: _ended, ...step }) => step);
}

/**
 * Whether an ErrorEquals name matches an error: `States.ALL` matches any (but `States.Runtime`, which nothing
 * catches), `States.TaskFailed` any but a timeout, and any other name only itself.
 */
function matches(name: string, error: string): boolean {
  if (name === 'States.ALL') return error !== 'States.Runtime';
  if (name === 'States.TaskFailed') return error !== 'States.Timeout' && error !== 'States.Runtime';
  return name === error;
}
