import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { officeMfaOverride } from '#shared/auth/office-mfa.ts';
import { handler } from '../../functions/auth/require-office-mfa.ts';

const roleOnly = { claimsToSuppress: ['custom:role'], groupOverrideDetails: { groupsToOverride: [] } };

describe('an office role only with MFA', () => {
  it.each(['dispatcher', 'approver', 'admin'])(
    'takes the role out of the ID token of a %s with no MFA',
    async (role) => {
      const override = await officeMfaOverride(
        { userAttributes: { 'custom:role': role }, groups: [] },
        async () => false,
      );

      expect(override).toEqual(roleOnly);
    },
  );

  it('takes out an office role held as a group too, with every group', async () => {
    const override = await officeMfaOverride({ userAttributes: {}, groups: ['staff', 'approver'] }, async () => false);

    expect(override).toEqual(roleOnly);
  });

  it('leaves the token of an office user with MFA enabled as it is', async () => {
    const override = await officeMfaOverride(
      { userAttributes: { 'custom:role': 'admin' }, groups: [] },
      async () => true,
    );

    expect(override).toBeUndefined();
  });

  it.each(['customer', 'engineer'])('leaves a %s alone, without asking Cognito', async (role) => {
    const hasMfa = vi.fn(async () => false);

    const override = await officeMfaOverride({ userAttributes: { 'custom:role': role }, groups: [] }, hasMfa);

    expect(override).toBeUndefined();
    expect(hasMfa).not.toHaveBeenCalled();
  });
});

describe('the pre token generation trigger', () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  afterEach(() => cognito.reset());

  function tokenEvent(role: string): PreTokenGenerationTriggerEvent {
    return {
      version: '1',
      triggerSource: 'TokenGeneration_HostedAuth',
      region: 'eu-west-2',
      userPoolId: 'eu-west-2_pool',
      userName: 'dana',
      callerContext: { awsSdkVersion: '3', clientId: 'client' },
      request: { userAttributes: { sub: 'dana', 'custom:role': role }, groupConfiguration: {} },
      response: { claimsOverrideDetails: {} },
    };
  }

  it("asks Cognito for the office user's MFA settings, and issues no role to one without any", async () => {
    cognito.on(AdminGetUserCommand, { UserPoolId: 'eu-west-2_pool', Username: 'dana' }).resolves({ Username: 'dana' });

    const answered = await handler(tokenEvent('dispatcher'));

    expect(answered.response.claimsOverrideDetails).toEqual(roleOnly);
  });

  it('issues the role to an office user whose authenticator app is enabled', async () => {
    cognito.on(AdminGetUserCommand).resolves({ Username: 'dana', UserMFASettingList: ['SOFTWARE_TOKEN_MFA'] });

    const answered = await handler(tokenEvent('approver'));

    expect(answered.response.claimsOverrideDetails).toEqual({});
  });

  it('fails the sign-in when Cognito cannot say, rather than let an office role through', async () => {
    cognito.on(AdminGetUserCommand).rejects(new Error('Rate exceeded'));

    await expect(handler(tokenEvent('admin'))).rejects.toThrow('Rate exceeded');
  });
});
