import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { officeRoles } from './roles.ts';

/** What Cognito is about to write into an ID token, as its pre token generation trigger is told. */
export interface TokenClaims {
  userAttributes: Record<string, string>;
  groups: string[];
}

/** The changes the trigger asks of Cognito: claims to leave out, and the groups to write instead of the user's. */
export interface ClaimsOverride {
  claimsToSuppress: string[];
  groupOverrideDetails: { groupsToOverride: string[] };
}

/** Whether the token would carry an office role, in `custom:role` or as a group (the API reads either). */
export function holdsOfficeRole(claims: TokenClaims): boolean {
  const office: string[] = officeRoles;
  const role = claims.userAttributes['custom:role'];
  return (role !== undefined && office.includes(role)) || claims.groups.some((group) => office.includes(group));
}

/**
 * An office role only with a second factor. A dispatcher, approver or admin with no MFA method enabled (asked of
 * `hasMfa` for office users alone) gets an ID token with no role and no groups: the API refuses it everything,
 * while its access token still lets them enrol an authenticator app with Cognito, after which every sign-in asks
 * for the app's code and the token carries the role again. Anyone else's token is left as it is.
 */
export async function officeMfaOverride(
  claims: TokenClaims,
  hasMfa: () => Promise<boolean>,
): Promise<ClaimsOverride | undefined> {
  if (!holdsOfficeRole(claims) || (await hasMfa())) return undefined;
  return { claimsToSuppress: ['custom:role'], groupOverrideDetails: { groupsToOverride: [] } };
}

let client: CognitoIdentityProviderClient | undefined;

/**
 * Whether the user has an MFA method enabled, which Cognito then asks for at every sign-in (the pool offers TOTP
 * only, and remembers no devices that could skip it).
 */
export async function hasMfaEnabled(userPoolId: string, username: string): Promise<boolean> {
  client ??= new CognitoIdentityProviderClient({});
  const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  return (user.UserMFASettingList ?? []).length > 0;
}
