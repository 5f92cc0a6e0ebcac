import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { hasMfaEnabled, officeMfaOverride } from '#shared/auth/office-mfa.ts';
import { observed } from '#shared/observability.ts';

/**
 * The user pool's pre token generation trigger, on every sign-in and refresh: an office role only with MFA (see
 * `officeMfaOverride`). A throw fails the sign-in, so an office user is never let through when Cognito cannot say.
 */
export const handler = observed('require-office-mfa', async (event: PreTokenGenerationTriggerEvent) => {
  const override = await officeMfaOverride(
    { userAttributes: event.request.userAttributes, groups: event.request.groupConfiguration.groupsToOverride ?? [] },
    () => hasMfaEnabled(event.userPoolId, event.userName),
  );
  if (override) event.response.claimsOverrideDetails = override;
  return event;
});
