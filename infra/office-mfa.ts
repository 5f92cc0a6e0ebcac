import { Duration } from 'aws-cdk-lib';
import { LambdaVersion, type UserPool, UserPoolOperation } from 'aws-cdk-lib/aws-cognito';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Fn } from './lambda.ts';

/**
 * MFA required of office roles (dispatcher, approver, admin) in a pool where it is optional: the pre token
 * generation trigger `functions/auth/require-office-mfa.ts` leaves the role out of the ID token of an office user
 * with no authenticator app (TOTP) enabled, so the API refuses that token everything (see `officeMfaOverride`).
 *
 * Why this way. MFA required for the whole pool would turn away customers who only log requests. A second pool
 * for staff would be a second issuer, but the HTTP API's JWT authorizer trusts one, and a route takes one
 * authorizer while office and other roles share routes. Refusing office users any token would lock them out for
 * good: with MFA optional, Cognito lets a user enrol an app only with an access token of their own, which the
 * role-less tokens still are.
 */
export class OfficeMfa extends Construct {
  readonly fn: Fn;

  constructor(scope: Construct, id: string, props: { userPool: UserPool }) {
    super(scope, id);
    this.fn = new Fn(this, 'RequireOfficeMfa', {
      handlerFile: 'functions/auth/require-office-mfa.ts',
      // Cognito waits 5 s for a trigger before it fails the sign-in.
      timeout: Duration.seconds(5),
    }).invokedSynchronously('Cognito calls it before issuing tokens and fails the sign-in on its error');
    props.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.fn, LambdaVersion.V1_0);
    // A policy of its own rather than the role's default one: the pool names the function, which waits for its
    // default policy, so that policy naming the pool would be a dependency cycle.
    new Policy(this, 'ReadMfaSettings', {
      roles: [this.fn.serviceRole],
      statements: [
        new PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [props.userPool.userPoolArn] }),
      ],
    });
  }
}
