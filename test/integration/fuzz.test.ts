import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, distinctFailures, type Finding } from '../fixtures/fuzz-report.ts';
import { type Contract, callerRoles, fuzzRequests, readContract } from '../fixtures/fuzz-requests.ts';
import { fuzzTarget, type Outcome, type Target } from '../fixtures/fuzz-target.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/**
 * Every operation of openapi.json with every kind of caller, once each, from one fixed seed: a few hundred requests
 * sent four at a time. Every request is sent and judged before anything is asserted (fast-check's shrinking would
 * replay requests against a server whose state they changed), and a failure prints each distinct failing request.
 * `npm run fuzz` sends thousands more.
 */
const seed = 20_240_610;

let api: LocalApi;
let target: Target;
let contract: Contract;
let outcomes: Outcome[];

beforeAll(async () => {
  api = await startLocalApi();
  target = await fuzzTarget(api.runtime.url);
  contract = readContract();
  const count = contract.operations.length * callerRoles.length;
  outcomes = await target.sendAll(
    fuzzRequests({ operations: contract.operations, known: target.known, seed, count }),
    4,
  );
});
afterAll(async () => {
  target?.close();
  await api?.close();
});

const failing = (finding: Finding) => distinctFailures(outcomes, finding, contract).map(describeFailure);

describe('hostile requests to every operation of openapi.json, with every role and none', () => {
  it('sends every operation with every kind of caller', () => {
    const sent = new Set(outcomes.map(({ request }) => `${request.operation.key} as ${request.caller.role}`));
    const pairs = contract.operations.flatMap(({ key }) => callerRoles.map((role) => `${key} as ${role}`));
    expect([...sent].sort()).toEqual(pairs.sort());
  });

  it('answers every request, and none with a 5xx', () => {
    expect(failing('no answer')).toEqual([]);
    expect(failing('server error')).toEqual([]);
  });

  it('answers every error as application/problem+json with the RFC 9457 fields', () => {
    expect(failing('not problem+json')).toEqual([]);
  });

  it('answers only the statuses an operation documents, where it lists them one by one', () => {
    expect(failing('undocumented status')).toEqual([]);
  });

  it('never succeeds for a caller whose role the operation does not list', () => {
    expect(failing('role not listed')).toEqual([]);
  });
});
