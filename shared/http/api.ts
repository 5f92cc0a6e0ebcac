import type * as z from 'zod';
import { isTransient } from '../db/service.ts';
import { openCursor, sealCursor } from './cursor.ts';
import { endpoint, type Options, type StoreParts } from './endpoint.ts';
import { idempotencyKeys } from './idempotency.ts';

/**
 * Builds the handler of a route that reads or writes the store, which is every route but the OpenAPI document's:
 * the request pipeline of ./endpoint.ts with the store's parts, `Idempotency-Key` replays (./idempotency.ts), sealed
 * list cursors (./cursor.ts) and the store's refusals for now answered 503 (`store.throttled`), for a retry.
 */
export function api<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodObject>(options: Options<B, Q>) {
  return endpoint(options, store);
}

const store: StoreParts = {
  isTransient,
  idempotency: idempotencyKeys,
  cursors: { open: openCursor, seal: sealCursor },
};

// Handlers import the pipeline's helpers with api() from here.
export {
  accepted,
  type Contract,
  created,
  etag,
  found,
  type HandlerError,
  type Input,
  maxBodyBytes,
  maxBodyDepth,
  maxBodyNumber,
  minBodyMagnitude,
  noContent,
  ok,
  okText,
  PageQuery,
  PathParameter,
  type Principal,
  parse,
  problem,
  type Reply,
  type Success,
} from './endpoint.ts';
