import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { HandlerJob, HandlerOutcome } from './handler-thread.ts';

interface PendingJob {
  thread: Worker;
  resolve: (result: APIGatewayProxyResultV2) => void;
  reject: (error: Error) => void;
}

/**
 * The thread's entry. The project runs TypeScript through tsx, whose `--import` hooks do not reach a worker's own
 * entry on Node 20; `tsImport` loads the thread's module (and all it imports) through tsx on Node 20 and 22 alike,
 * under `tsx` and under vitest.
 */
const bootstrap = `
const { tsImport } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
await tsImport(${JSON.stringify(new URL('./handler-thread.ts', import.meta.url).href)}, ${JSON.stringify(import.meta.url)});
`;

/**
 * Runs handler files in a worker thread, so that a handler computing for seconds (the day optimiser) leaves the
 * local server's event loop free to answer every other request, as Lambda runs it in an instance of its own. The
 * thread shares the process's environment, so its handlers reach the same local stores as the main thread's. It
 * starts on first use, and again after it died (its jobs then fail).
 */
export class HandlerWorker {
  private thread: Worker | undefined;
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 0;

  /** The handler's result, as the same handler file would answer in the main thread. */
  run(file: string, event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyResultV2> {
    const id = this.nextId++;
    const thread = this.started();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { thread, resolve, reject });
      thread.postMessage({ id, file, event } satisfies HandlerJob);
    });
  }

  /** Stops the thread; jobs still running fail. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  private started(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { env: SHARE_ENV });
    thread.on('message', (outcome: HandlerOutcome) => this.settle(outcome));
    thread.on('error', (error) => console.error('[local api] the handler thread failed', error));
    thread.on('exit', () => this.abandon(thread));
    this.thread = thread;
    return thread;
  }

  private settle(outcome: HandlerOutcome): void {
    const job = this.pending.get(outcome.id);
    this.pending.delete(outcome.id);
    if ('error' in outcome) job?.reject(Object.assign(new Error(outcome.error.message), outcome.error));
    else job?.resolve(outcome.result);
  }

  /** Fails the jobs of a thread that exited, and lets the next job start a new one. */
  private abandon(thread: Worker): void {
    if (this.thread === thread) this.thread = undefined;
    for (const [id, job] of this.pending) {
      if (job.thread !== thread) continue;
      this.pending.delete(id);
      job.reject(new Error('The handler thread stopped before answering.'));
    }
  }
}
