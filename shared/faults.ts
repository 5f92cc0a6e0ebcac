import { config } from './config.ts';

/**
 * Named places where a crash would hurt most, for the fault-injection tests of the embedded default: with
 * `FIELDOPS_FAULT=<name>` set on a local runtime (`FIELDOPS_LOCAL=1`), the process dies there at once, as if the
 * machine had lost power. Never active in a normal run, and never deployed (the stack sets neither variable; an
 * infrastructure test checks it).
 */
export type FaultPoint =
  /** A work order change is committed; the task token of the step it leaves is not answered yet. */
  | 'after-commit-before-callback'
  /** A new work order is stored; its execution is not started yet. */
  | 'after-create-before-start'
  /** Closeout has issued the invoice; the other branches and the close have not run. */
  | 'mid-closeout';

export function faultPoint(name: FaultPoint): void {
  if (process.env.FIELDOPS_FAULT !== name || !config.isLocal) return;
  process.stderr.write(`[fault] dying at ${name}\n`);
  process.kill(process.pid, 'SIGKILL');
}
