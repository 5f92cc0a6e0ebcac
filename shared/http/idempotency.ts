import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer as ApiEvent,
  APIGatewayProxyStructuredResultV2 as ApiResult,
} from 'aws-lambda';
import { recordResponse, releaseKey, reserve } from '../db/idempotency.ts';
import { ValidationFailed } from '../errors.ts';
import { replayed } from '../observability.ts';
import type { ApiContext, ApiMiddleware, IdempotencyMode } from './endpoint.ts';
import { safeHeaders } from './endpoint.ts';

interface HoldingContext extends ApiContext {
  /** The `Idempotency-Key` this request holds, while it runs. */
  held?: { scope: string; key: string; leaseId: string };
}

/**
 * `Idempotency-Key`, scoped to the caller and the route: the key is reserved with a fingerprint of the body before
 * the handler runs, so of two requests racing with one key only one runs (the other is told to retry, or refused
 * when its body differs). A successful answer is recorded and replayed to every retry; a failed request lets the
 * key go, since it changed nothing that a retry would repeat (the ids of what it creates derive from the key).
 */
export function idempotencyKeys(mode: IdempotencyMode): ApiMiddleware {
  const scopeOf = (request: { event: ApiEvent; context: ApiContext }) =>
    `${request.context.principal?.sub ?? 'anonymous'}#${request.event.routeKey}#${request.event.rawPath}`;
  const fingerprintOf = (event: ApiEvent) =>
    createHash('sha256')
      .update(event.body ?? '')
      .digest('base64url');
  const middleware: MiddlewareObj<ApiEvent, ApiResult, Error, HoldingContext> = {
    before: async (request) => {
      const key = request.event.headers?.['idempotency-key'];
      if (!key) {
        if (mode === 'required') throw new ValidationFailed('An Idempotency-Key header is required on this request.');
        return;
      }
      if (key.length > 255) throw new ValidationFailed('The Idempotency-Key header is limited to 255 characters.');
      const scope = scopeOf(request);
      const reservation = await reserve(scope, key, fingerprintOf(request.event));
      if (reservation.kind === 'replay') {
        replayed('idempotency_key', { status: reservation.response.statusCode });
        return replay(reservation.response);
      }
      request.context.held = { scope, key, leaseId: reservation.leaseId };
    },
    after: async (request) => {
      const held = request.context.held;
      const response = request.response;
      if (!held || !response) return;
      const statusCode = response.statusCode ?? 200;
      const body = typeof response.body === 'string' ? response.body : '';
      if (statusCode >= 400) await releaseKey(held.scope, held.key, held.leaseId);
      else await recordResponse(held.scope, held.key, held.leaseId, { statusCode, body });
      request.context.held = undefined;
    },
    onError: async (request) => {
      const held = request.context.held;
      if (!held) return;
      request.context.held = undefined;
      // Never masks the request's own error: a key left held lapses with its lease.
      await releaseKey(held.scope, held.key, held.leaseId).catch(() => undefined);
    },
  };
  return middleware;
}

function replay(stored: { statusCode: number; body: string }): ApiResult {
  return {
    statusCode: stored.statusCode,
    headers: { 'content-type': 'application/json', ...safeHeaders, 'idempotent-replayed': 'true' },
    body: stored.body,
  };
}
