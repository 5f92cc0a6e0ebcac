import { describe, expect, it } from 'vitest';
import { endpoint, PageQuery } from '#shared/http/endpoint.ts';

describe('endpoint', () => {
  it('refuses to build a route that takes an Idempotency-Key without the store to keep it', () => {
    expect(() => endpoint({ idempotency: 'optional' })).toThrow(/Idempotency-Key needs the store: .*api\(\)/);
  });

  it('refuses to build a list without the store whose key seals its cursors', () => {
    expect(() => endpoint({ query: PageQuery })).toThrow(/A list .* needs the store: .*api\(\)/);
  });

  it('builds a route that needs neither', () => {
    expect(endpoint({ auth: false }).handler(async () => ({ status: 200 })).contract).toEqual({ auth: false });
  });
});
