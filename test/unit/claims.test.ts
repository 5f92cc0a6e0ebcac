import { describe, expect, it } from 'vitest';
import { roleOf } from '#shared/auth/claims.ts';
import { officeRoles, roles } from '#shared/auth/roles.ts';
import { Role } from '#shared/work-order/model.ts';

describe('the role a token carries', () => {
  it('is one of the roles the API knows, and the office roles are among them', () => {
    expect(Role.options).toEqual([...roles]);
    for (const role of officeRoles) expect(roles).toContain(role);
  });

  it("is the local mode's role claim, or else Cognito's custom:role", () => {
    expect(roleOf({ sub: 'a', role: 'engineer' })).toBe('engineer');
    expect(roleOf({ sub: 'a', 'custom:role': 'dispatcher' })).toBe('dispatcher');
  });

  it('is else the first Cognito group that is a role, as a verifier decodes them or as API Gateway passes them', () => {
    expect(roleOf({ sub: 'a', 'cognito:groups': ['staff', 'approver', 'admin'] })).toBe('approver');
    expect(roleOf({ sub: 'a', 'cognito:groups': '[staff admin]' })).toBe('admin');
  });

  it('is decided by custom:role when the token has it, whatever the groups', () => {
    expect(roleOf({ sub: 'a', 'custom:role': 'customer', 'cognito:groups': ['admin'] })).toBe('customer');
    expect(roleOf({ sub: 'a', 'custom:role': 'superuser', 'cognito:groups': ['admin'] })).toBeUndefined();
  });

  it('is none for the token of an office user without an authenticator app (no custom:role, no groups)', () => {
    expect(roleOf({ sub: 'a', 'cognito:groups': [] })).toBeUndefined();
    expect(roleOf({ sub: 'a' })).toBeUndefined();
  });
});
