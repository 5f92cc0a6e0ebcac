import type { Role } from '../work-order/model.ts';
import { roles } from './roles.ts';

/**
 * A token's claims: as API Gateway's JWT authorizer hands them to a handler (every value a string, the groups as
 * `[a b]`), or as a verifier decodes them (the groups a list).
 */
export type Claims = Record<string, unknown>;

/** Whether a claim's value is one of the roles. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** The Cognito groups a token names, whichever way its claims are written. */
function groupsOf(claims: Claims): string[] {
  const groups = claims['cognito:groups'];
  if (Array.isArray(groups)) return groups.map(String);
  return typeof groups === 'string' ? groups.replace(/^\[|\]$/g, '').split(/[ ,]+/) : [];
}

/**
 * The role a token carries, read one way wherever a token is checked (the API's pipeline, the live channel's
 * authorizer): a `role` claim (the local mode's tokens), else Cognito's `custom:role`, else the first of the user's
 * Cognito groups that is a role. The first of these the token has decides, so a `custom:role` that is no role gives
 * none, whatever the groups. The ID token of an office user without an authenticator app carries neither the
 * attribute nor a group (office-mfa.ts), so it has no role.
 */
export function roleOf(claims: Claims): Role | undefined {
  const named = claims.role ?? claims['custom:role'] ?? groupsOf(claims).find(isRole);
  return isRole(named) ? named : undefined;
}
