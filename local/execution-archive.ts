import { createHash, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What ListExecutions shows of an execution; dates in epoch milliseconds. */
export interface ExecutionSummary {
  arn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: number;
  stopDate?: number;
}

/** An execution as StartExecution made it: the first line of its journal. */
export interface ExecutionStart {
  arn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  startDate: number;
}

/** A running execution's journal as read back: how it started and the history events written since, in order. */
export interface Journal<E> {
  start: ExecutionStart;
  history: E[];
}

/**
 * Executions on disk, so that their history outlives the process, as Step Functions keeps it (for 90 days):
 *
 * - **running** ones in a journal each (`running/<hash of the ARN>.jsonl`): the start on the first line, written
 *   before StartExecution answers, then each history event on a line of its own, appended as it happens in one
 *   write. A process that dies, however it dies, leaves every event it recorded in the journal but perhaps the last,
 *   cut short mid-line: that line is dropped (and cut off the file before anything more is appended), so a journal
 *   always reads back as the history up to a point.
 * - **finished** ones as one JSON file each (their description and history), written whole before it is renamed
 *   into place, so a reader never sees half of one, and never changed afterwards; and one list per final status of
 *   their summaries, one line each, for ListExecutions. The journal is removed once the file and the summary are
 *   written; a process that stops between the two leaves both, and the next one finishes the move.
 *
 * Only what a caller asks for is read: nothing of a finished execution is held in memory.
 */
export class ExecutionArchive<T extends ExecutionSummary, E> {
  private readonly journals: string;

  constructor(private readonly directory: string) {
    this.journals = join(directory, 'running');
    mkdirSync(this.journals, { recursive: true });
  }

  /** Whether the execution is kept here finished; synchronous, so a caller can check memory and disk in the same tick. */
  has(arn: string): boolean {
    return existsSync(this.fileOf(arn));
  }

  /** Starts a running execution's journal with how it started; synchronous, so it is on disk before the start answers. */
  begin(start: ExecutionStart): void {
    writeFileSync(this.journalOf(start.arn), `${JSON.stringify(start)}\n`);
  }

  /** Appends history events to a running execution's journal, in one write, before anyone can read them. */
  append(arn: string, events: readonly E[]): void {
    if (events.length === 0) return;
    appendFileSync(this.journalOf(arn), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
  }

  /**
   * The journals of the executions that were running when the process stopped, read back whole (a torn last line cut
   * off), for the service to go on with. A journal whose first line is torn is of a start that was never answered,
   * and is removed; one whose execution is also kept finished is of a move the process did not finish, which is
   * finished here (its summary listed, the journal removed).
   */
  async interrupted(): Promise<Journal<E>[]> {
    const found: Journal<E>[] = [];
    for (const entry of readdirSync(this.journals)) {
      if (!entry.endsWith('.jsonl')) continue;
      const file = join(this.journals, entry);
      const journal = readJournal<E>(file);
      if (!journal) {
        rmSync(file, { force: true });
        continue;
      }
      const finished = await this.get(journal.start.arn);
      if (finished) {
        await this.listOnce(finished);
        rmSync(file, { force: true });
        continue;
      }
      found.push(journal);
    }
    return found;
  }

  /** Keeps a finished execution and drops its journal; resolves once it can be read back. */
  async put(execution: T): Promise<void> {
    const file = this.fileOf(execution.arn);
    const partial = `${file}.${randomUUID()}.partial`;
    await writeFile(partial, JSON.stringify(execution));
    await rename(partial, file);
    await appendFile(this.listOf(execution.status), `${JSON.stringify(summaryOf(execution))}\n`);
    await rm(this.journalOf(execution.arn), { force: true });
  }

  async get(arn: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.fileOf(arn), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The summaries of the machine's executions that ended in one of `statuses`. */
  async list(stateMachineArn: string, statuses: readonly string[]): Promise<ExecutionSummary[]> {
    const lists = await Promise.all(statuses.map((status) => this.read(this.listOf(status))));
    return lists.flat().filter((summary) => summary.stateMachineArn === stateMachineArn);
  }

  /** Lists a finished execution's summary unless it is listed already: the end of a move the process did not finish. */
  private async listOnce(finished: T): Promise<void> {
    const list = this.listOf(finished.status);
    if ((await this.read(list)).some((summary) => summary.arn === finished.arn)) return;
    await appendFile(list, `${JSON.stringify(summaryOf(finished))}\n`);
  }

  private async read(list: string): Promise<ExecutionSummary[]> {
    let text: string;
    try {
      text = await readFile(list, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A line cut short by a crash mid-append is the only one that may not parse; it is skipped.
    return text.split('\n').flatMap((line) => {
      try {
        return line ? [JSON.parse(line) as ExecutionSummary] : [];
      } catch {
        return [];
      }
    });
  }

  private fileOf(arn: string): string {
    return join(this.directory, `${hashOf(arn)}.json`);
  }

  private journalOf(arn: string): string {
    return join(this.journals, `${hashOf(arn)}.jsonl`);
  }

  private listOf(status: string): string {
    return join(this.directory, `${status}.jsonl`);
  }
}

const hashOf = (arn: string) => createHash('sha256').update(arn).digest('hex');

function summaryOf({ arn, stateMachineArn, name, status, startDate, stopDate }: ExecutionSummary): ExecutionSummary {
  return { arn, stateMachineArn, name, status, startDate, stopDate };
}

/**
 * A journal read back, with a torn last line cut off the file (only the last can be torn: every write is whole
 * lines, and nothing is appended after a crash before this runs); undefined when not even the start is whole.
 */
function readJournal<E>(file: string): Journal<E> | undefined {
  const text = readFileSync(file);
  const whole = text.lastIndexOf(0x0a) + 1;
  if (whole < text.length) truncateSync(file, whole);
  const lines = text.subarray(0, whole).toString('utf8').split('\n').slice(0, -1);
  const [first, ...events] = lines;
  if (first === undefined) return undefined;
  return { start: JSON.parse(first) as ExecutionStart, history: events.map((line) => JSON.parse(line) as E) };
}
