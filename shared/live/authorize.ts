import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { type Claims, roleOf } from '../auth/claims.ts';
import { officeRoles } from '../auth/roles.ts';
import { liveNamespace } from './channel.ts';

/** What AppSync Events asks its Lambda authorizer before a connection, a subscription or a publish goes through. */
export interface LiveAuthorizationRequest {
  /** What the client sent as `Authorization`: the ID token, bare or after `Bearer `. */
  authorizationToken?: string;
  requestContext: {
    apiId: string;
    accountId: string;
    requestId: string;
    operation: 'EVENT_CONNECT' | 'EVENT_SUBSCRIBE' | 'EVENT_PUBLISH';
    /** Left off a connection, which names no channel. */
    channelNamespaceName?: string | null;
    channel?: string | null;
  };
  requestHeaders?: Record<string, string | undefined>;
}

/** The authorizer's answer; AppSync keeps it for `ttlOverride` seconds for the same token. */
export interface LiveAuthorization {
  isAuthorized: boolean;
  ttlOverride: number;
  /** Who was let in, for the channel's handlers and logs: never anything but ids. */
  handlerContext?: { sub: string; role: string };
}

/** Checks an ID token (signature, issuer, audience, expiry, `token_use`) and answers its claims, or throws. */
export type VerifyIdToken = (token: string) => Promise<Claims>;

/** How long AppSync keeps a refusal: the token that was refused is refused again, so asking again is waste. */
const refusalTtlSeconds = 300;
/** AppSync keeps an answer an hour at most. */
const maxTtlSeconds = 3600;

/**
 * The ID tokens of one user pool issued to the app clients named: `aws-jwt-verify` checks the signature against the
 * pool's JWKS (fetched once and kept, or `jwks` when given: the tests' own keys), the issuer (the pool's URL), the
 * audience (one of `clientIds`), the expiry and `token_use: id`, the token that carries `custom:role`.
 */
export function poolIdTokens(options: { userPoolId: string; clientIds: string[]; jwks?: Jwks }): VerifyIdToken {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    tokenUse: 'id',
    clientId: options.clientIds,
  });
  if (options.jwks) verifier.cacheJwks(options.jwks);
  return (token) => verifier.verify(token);
}

/**
 * Who may use the live channel: the holder of a valid ID token of the deployment's user pool, issued to a client
 * the HTTP API accepts, whose role (read as the API reads it, `roleOf`) is an office role. The token of an office
 * user without an authenticator app carries no role (the sign-in trigger takes it out, shared/auth/office-mfa.ts),
 * so the channel refuses it as the API does; customers and engineers are refused. Clients only listen: a publish
 * is refused here too, though the namespace takes publishes signed with IAM alone. A token the pool's keys could not
 * be fetched to check throws, so that the failure is an error of the function (alarmed), not a refusal kept for
 * five minutes.
 */
export async function authorizeLive(
  request: LiveAuthorizationRequest,
  verify: VerifyIdToken,
  now = Date.now(),
): Promise<LiveAuthorization> {
  const refused = { isAuthorized: false, ttlOverride: refusalTtlSeconds };
  const { operation, channelNamespaceName } = request.requestContext;
  if (operation === 'EVENT_PUBLISH') return refused;
  if (channelNamespaceName && channelNamespaceName !== liveNamespace) return refused;
  const token = /^(?:Bearer\s+)?([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(request.authorizationToken?.trim() ?? '')?.[1];
  if (!token) return refused;
  let claims: Claims;
  try {
    claims = await verify(token);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    return refused;
  }
  const role = roleOf(claims);
  if (!role || !officeRoles.includes(role) || typeof claims.sub !== 'string') return refused;
  // Kept no longer than the token is valid, so an expired token is asked about again (and refused).
  const secondsLeft = Number(claims.exp) - Math.floor(now / 1000);
  return {
    isAuthorized: true,
    ttlOverride: Math.max(0, Math.min(secondsLeft, maxTtlSeconds)),
    handlerContext: { sub: claims.sub, role },
  };
}
