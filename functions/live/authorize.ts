import { config } from '#shared/config.ts';
import {
  authorizeLive,
  type LiveAuthorizationRequest,
  poolIdTokens,
  type VerifyIdToken,
} from '#shared/live/authorize.ts';
import { observed } from '#shared/observability.ts';

let verify: VerifyIdToken | undefined;

/**
 * The live channel's Lambda authorizer: AppSync Events asks it before each connection and subscription (see
 * `authorizeLive`). The verifier is built once per instance, so the pool's keys are fetched once and kept.
 */
export const handler = observed('live-authorize', async (event: LiveAuthorizationRequest) => {
  verify ??= poolIdTokens({ userPoolId: config.userPoolId, clientIds: config.userPoolClientIds });
  return authorizeLive(event, verify);
});
