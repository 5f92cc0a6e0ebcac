import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
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

/**
 * Finished executions on disk, so that they leave memory yet stay readable, as Step Functions keeps them for 90
 * days: one JSON file each (its description and history), named by a hash of its ARN, and one list per final
 * status of their summaries, one line each, for ListExecutions. A file is written whole before it is renamed into
 * place, so a reader never sees half of one, and it never changes afterwards.
 */
export class ExecutionArchive<T extends ExecutionSummary> {
  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  /** Whether the execution is kept here; synchronous, so a caller can check memory and disk in the same tick. */
  has(arn: string): boolean {
    return existsSync(this.fileOf(arn));
  }

  /** Keeps a finished execution; resolves once it can be read back. */
  async put(execution: T): Promise<void> {
    const file = this.fileOf(execution.arn);
    const partial = `${file}.${randomUUID()}.partial`;
    await writeFile(partial, JSON.stringify(execution));
    await rename(partial, file);
    const { arn, stateMachineArn, name, status, startDate, stopDate } = execution;
    const summary: ExecutionSummary = { arn, stateMachineArn, name, status, startDate, stopDate };
    await appendFile(this.listOf(status), `${JSON.stringify(summary)}\n`);
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
    return join(this.directory, `${createHash('sha256').update(arn).digest('hex')}.json`);
  }

  private listOf(status: string): string {
    return join(this.directory, `${status}.jsonl`);
  }
}
