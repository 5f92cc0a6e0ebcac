import { parentPort } from 'node:worker_threads';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { importHandler, invokeHandler } from './lambda-handlers.ts';

/** A request to the thread: the handler file to run and the event to run it with. */
export interface HandlerJob {
  id: number;
  file: string;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** What a handler threw, as plain fields: an Error posted between threads arrives without its message and stack. */
export interface ThrownError {
  name: string;
  message: string;
  stack?: string;
}

/** The thread's answer to a job: the handler's result, or what it threw. */
export type HandlerOutcome = { id: number; result: APIGatewayProxyResultV2 } | { id: number; error: ThrownError };

/**
 * The worker thread's side of `HandlerWorker`: runs each job's handler as the local server would in its own thread,
 * jobs side by side as their handlers wait on I/O, and posts back each outcome.
 */
async function run({ id, file, event }: HandlerJob): Promise<void> {
  let outcome: HandlerOutcome;
  try {
    const handler = await importHandler(file);
    outcome = { id, result: await invokeHandler(file, async (context) => handler(event, context)) };
  } catch (error) {
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    outcome = { id, error: { name, message, stack } };
  }
  parentPort?.postMessage(outcome);
}

parentPort?.on('message', (job: HandlerJob) => void run(job));
