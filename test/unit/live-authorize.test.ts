import { FetchError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { officeMfaOverride } from '#shared/auth/office-mfa.ts';
import {
  authorizeLive,
  type LiveAuthorizationRequest,
  poolIdTokens,
  type VerifyIdToken,
} from '#shared/live/authorize.ts';
import { liveChannel, liveNamespace } from '#shared/live/channel.ts';

const region = 'eu-west-2';
const userPoolId = `${region}_Office01`;
const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
/** The clients the HTTP API accepts: its own app client and the web form's. */
const clientIds = ['apiclient0001', 'portalclient01'];
const kid = 'office-key-1';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let poolKey: Key;
let strangerKey: Key;
let verify: VerifyIdToken;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  poolKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  // The pool's JWKS, as Cognito publishes it: the authorizer is given it instead of fetching it.
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }] } as Jwks;
  verify = poolIdTokens({ userPoolId, clientIds, jwks });
});

/** An ID token as the pool issues it, valid for an hour, with `claims` over (or without) the usual ones. */
function idToken(claims: JWTPayload = {}, options: { key?: Key } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    sub: 'b1c2d3e4-office',
    iss: issuer,
    aud: clientIds[0],
    token_use: 'id',
    auth_time: now,
    iat: now,
    exp: now + 3600,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(options.key ?? poolKey);
}

function asked(
  token: string | undefined,
  operation: LiveAuthorizationRequest['requestContext']['operation'] = 'EVENT_CONNECT',
  channel?: { namespace: string; path: string },
): LiveAuthorizationRequest {
  return {
    authorizationToken: token,
    requestContext: {
      apiId: 'liveapi',
      accountId: '123456789012',
      requestId: 'req-1',
      operation,
      ...(channel ? { channelNamespaceName: channel.namespace, channel: channel.path } : {}),
    },
    requestHeaders: {},
  };
}

const officeFeed = { namespace: liveNamespace, path: liveChannel };

describe('who may connect to the live channel and subscribe', () => {
  it.each(['dispatcher', 'approver', 'admin'])('lets a %s connect and subscribe to the office feed', async (role) => {
    const token = await idToken({ 'custom:role': role });

    const connected = await authorizeLive(asked(token), verify);
    const subscribed = await authorizeLive(asked(token, 'EVENT_SUBSCRIBE', officeFeed), verify);

    expect(connected).toMatchObject({ isAuthorized: true, handlerContext: { sub: 'b1c2d3e4-office', role } });
    expect(subscribed.isAuthorized).toBe(true);
  });

  it('takes an office role held as a Cognito group, as the API does', async () => {
    const answer = await authorizeLive(asked(await idToken({ 'cognito:groups': ['approver'] })), verify);

    expect(answer).toMatchObject({ isAuthorized: true, handlerContext: { role: 'approver' } });
  });

  it('takes the token of any app client the HTTP API accepts, bare or as a bearer token', async () => {
    const token = await idToken({ 'custom:role': 'admin', aud: clientIds[1] });

    expect((await authorizeLive(asked(token), verify)).isAuthorized).toBe(true);
    expect((await authorizeLive(asked(`Bearer ${token}`), verify)).isAuthorized).toBe(true);
  });

  it('keeps a yes no longer than the token lives, and an hour at most', async () => {
    const now = Date.now();
    const shortLived = await idToken({ 'custom:role': 'dispatcher', exp: Math.floor(now / 1000) + 90 });
    const longLived = await idToken({ 'custom:role': 'dispatcher', exp: Math.floor(now / 1000) + 86_400 });

    expect((await authorizeLive(asked(shortLived), verify, now)).ttlOverride).toBe(90);
    expect((await authorizeLive(asked(longLived), verify, now)).ttlOverride).toBe(3600);
  });

  it.each(['customer', 'engineer'])('refuses a %s', async (role) => {
    const token = await idToken({ 'custom:role': role, 'custom:customerId': 'cus_1', 'custom:engineerId': 'eng_1' });

    expect(await authorizeLive(asked(token), verify)).toEqual({ isAuthorized: false, ttlOverride: 300 });
    expect((await authorizeLive(asked(token, 'EVENT_SUBSCRIBE', officeFeed), verify)).isAuthorized).toBe(false);
  });

  it.each(['dispatcher', 'approver', 'admin'])(
    'refuses a %s without an authenticator app, whose token the sign-in trigger stripped of its role',
    async (role) => {
      const userAttributes = { sub: 'b1c2d3e4-office', 'custom:role': role };
      const override = await officeMfaOverride({ userAttributes, groups: [role] }, async () => false);
      const claims: JWTPayload = { ...userAttributes, 'cognito:groups': [role] };
      for (const name of override?.claimsToSuppress ?? []) delete claims[name];
      claims['cognito:groups'] = override?.groupOverrideDetails.groupsToOverride;

      expect(claims).not.toHaveProperty('custom:role');
      expect((await authorizeLive(asked(await idToken(claims)), verify)).isAuthorized).toBe(false);
    },
  );

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const token = await idToken({ 'custom:role': 'admin', iat: past, auth_time: past, exp: past + 3600 });

    expect((await authorizeLive(asked(token), verify)).isAuthorized).toBe(false);
  });

  it("refuses a token of another user pool, or another region's pool of the same name", async () => {
    const otherPool = await idToken({
      'custom:role': 'admin',
      iss: `https://cognito-idp.${region}.amazonaws.com/${region}_Stranger`,
    });
    const otherRegion = await idToken({
      'custom:role': 'admin',
      iss: `https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}`,
    });

    expect((await authorizeLive(asked(otherPool), verify)).isAuthorized).toBe(false);
    expect((await authorizeLive(asked(otherRegion), verify)).isAuthorized).toBe(false);
  });

  it('refuses a token issued to an app client the API does not accept', async () => {
    const token = await idToken({ 'custom:role': 'admin', aud: 'someotherclient' });

    expect((await authorizeLive(asked(token), verify)).isAuthorized).toBe(false);
  });

  it('refuses an access token, which is not the token that carries the role', async () => {
    const token = await idToken({
      'custom:role': 'admin',
      token_use: 'access',
      aud: undefined,
      client_id: clientIds[0],
    });

    expect((await authorizeLive(asked(token), verify)).isAuthorized).toBe(false);
  });

  it("refuses a token signed with a key that is not the pool's, under the pool's key id", async () => {
    const token = await idToken({ 'custom:role': 'admin' }, { key: strangerKey });

    expect((await authorizeLive(asked(token), verify)).isAuthorized).toBe(false);
  });

  it('refuses a connection without a token, or with something that is not one', async () => {
    for (const token of [undefined, '', 'Bearer', 'not-a-token', 'a.b']) {
      expect((await authorizeLive(asked(token), verify)).isAuthorized, String(token)).toBe(false);
    }
  });

  it('refuses an office user who tries to publish: clients only listen', async () => {
    const token = await idToken({ 'custom:role': 'admin' });

    expect((await authorizeLive(asked(token, 'EVENT_PUBLISH', officeFeed), verify)).isAuthorized).toBe(false);
  });

  it('refuses a subscription to another namespace', async () => {
    const token = await idToken({ 'custom:role': 'admin' });
    const elsewhere = { namespace: 'default', path: '/default/anything' };

    expect((await authorizeLive(asked(token, 'EVENT_SUBSCRIBE', elsewhere), verify)).isAuthorized).toBe(false);
  });

  it("fails, rather than refuses for five minutes, when the pool's keys cannot be fetched", async () => {
    const unreachable: VerifyIdToken = async () => {
      throw new FetchError(`${issuer}/.well-known/jwks.json`, 'getaddrinfo ENOTFOUND');
    };

    await expect(authorizeLive(asked(await idToken({ 'custom:role': 'admin' })), unreachable)).rejects.toThrow(
      FetchError,
    );
  });
});
