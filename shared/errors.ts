/**
 * Typed domain errors. Each has a stable dotted `code` (part of the API) and the HTTP status it maps to;
 * `shared/http/api.ts` turns them into problem+json. The `name` equals the code so a Lambda task that throws
 * one surfaces to Step Functions as that error name (the ASL can Retry or Catch it).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super(`${what}.not_found`, 404, `No ${what.replace(/_/g, ' ')} ${id}.`);
  }
}

export class ValidationFailed extends DomainError {
  constructor(detail: string, errors: Array<{ path: string; message: string }> = []) {
    super('request.validation_failed', 400, detail, errors.length > 0 ? { errors } : {});
  }
}

export class Unauthorized extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super('auth.unauthorized', 401, detail);
  }
}

export class Forbidden extends DomainError {
  constructor(detail = 'Your role may not do this.') {
    super('auth.forbidden', 403, detail);
  }
}

/** A rule of the domain refused the change (409), e.g. a transition not allowed from the current status. */
export class Conflict extends DomainError {
  constructor(code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(code, 409, detail, extra);
  }
}

/** `If-Match` named a version that is not the current one (412); the answer says which is. */
export class VersionMismatch extends DomainError {
  constructor(current: number, subject: { code: string; noun: string } = { code: 'workorder', noun: 'work order' }) {
    super(`${subject.code}.version_mismatch`, 412, `The ${subject.noun} has changed since you read it.`, {
      version: current,
    });
  }
}

/**
 * A concurrent writer won a race on the same item, again and again. Lambda tasks let it propagate so Step Functions
 * retries (`Store.Conflict` in the ASL); API handlers re-read and retry with backoff first, then answer 503 with
 * `Retry-After`: nothing was written, and the same request sent again will go through.
 */
export class StoreConflict extends DomainError {
  constructor(detail = 'The record changed while it was being written.') {
    super('Store.Conflict', 503, detail, { retryAfterSeconds: 1 });
  }
}

/**
 * The store refused the call for now: DynamoDB throttling (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`, a transaction cancelled for throttling or a conflicting transaction) or its own transient
 * fault. Nothing was written; a retry will go through. Never read as a version conflict.
 */
export class StoreThrottled extends DomainError {
  constructor(detail = 'The store is busy; nothing was written. Try again shortly.') {
    super('Store.Throttled', 503, detail, { retryAfterSeconds: 1 });
  }
}

/** The same `Idempotency-Key` is still being answered: try again once the first request has finished. */
export class InFlight extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(
      'idempotency.in_flight',
      409,
      'A request with this Idempotency-Key is still being processed. Retry after it finishes.',
      { retryAfterSeconds },
    );
  }
}
