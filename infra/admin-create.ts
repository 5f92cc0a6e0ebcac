import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { stackNameOf } from './deploy-options.ts';

/**
 * `npm run admin:create -- <email> [--stage <name>] [--region <region>]`: the first administrator of a deployment.
 * The user pool lets nobody sign themselves up, so someone with AWS credentials creates the first account; from then
 * on that admin invites everyone else. Reads the stage's stack outputs, creates the user with `custom:role` admin and
 * has Cognito e-mail a temporary password.
 */

export const usage = `Usage: npm run admin:create -- <email> [--stage <name>] [--region <region>]

Creates the first administrator of a FieldOps deployment: Cognito e-mails them a temporary password.
  <email>            the administrator's e-mail address, which is also their user name
  --stage <name>     the stage deployed with -c stage=<name> (stack FieldOps-<name>); default: the FieldOps stack
  --region <region>  the stack's region; default: the AWS CLI's (AWS_REGION, AWS_PROFILE)`;

/** The arguments were wrong: the message says how, and the usage follows it. */
export class UsageError extends Error {}

/** No admin was created: the message says why, and what to do. */
export class AdminNotCreated extends Error {}

/** What the operator asked for. */
export interface AdminRequest {
  readonly email: string;
  readonly stage?: string;
  readonly region?: string;
}

/** The clients `createAdmin` talks to, both for the stack's region. */
export interface AdminClients {
  readonly cloudFormation: CloudFormationClient;
  readonly cognito: CognitoIdentityProviderClient;
}

/** The admin created, and where. */
export interface CreatedAdmin {
  readonly email: string;
  readonly stackName: string;
  readonly userPoolId: string;
  /** The app client office apps sign in with (SRP). */
  readonly userPoolClientId?: string;
}

/**
 * The stack outputs of the API's user pool and app client (infra/api.ts: `Api/UserPoolId`, `Api/UserPoolClientId`):
 * CDK adds a hash of the construct path to each output's logical id, the same in every stage.
 */
export const outputKeys = {
  userPoolId: /^ApiUserPoolId[0-9A-F]{8}$/,
  userPoolClientId: /^ApiUserPoolClientId[0-9A-F]{8}$/,
};

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The request in `args` (what follows `--`), checked: an e-mail address, and a stage name if one is given. */
export function parseArguments(args: string[]): AdminRequest {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [email, ...extra] = parsed.positionals;
  if (email === undefined) throw new UsageError('Give the administrator’s e-mail address.');
  if (extra.length > 0) throw new UsageError(`One e-mail address only, not also ${extra.join(' ')}.`);
  if (!emailPattern.test(email)) throw new UsageError(`${email} is not an e-mail address.`);
  const { stage, region } = parsed.values;
  try {
    stackNameOf(stage);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // Usernames are case-sensitive in the pool; addresses are not, in practice: one spelling for everyone.
  return { email: email.toLowerCase(), stage, region };
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { stage: { type: 'string' }, region: { type: 'string' } },
  });
}

/**
 * Creates the admin in the user pool of the stage's stack: `email` (verified, so Cognito may send to it and the
 * admin may recover the account) and `custom:role` admin, with the temporary password e-mailed by Cognito.
 * Throws `AdminNotCreated` when the stack, its user pool output or a free user name is missing.
 */
export async function createAdmin(
  clients: AdminClients,
  request: Pick<AdminRequest, 'email' | 'stage'>,
): Promise<CreatedAdmin> {
  const stackName = stackNameOf(request.stage);
  const outputs = await stackOutputs(clients.cloudFormation, stackName);
  const userPoolId = outputs.find((output) => outputKeys.userPoolId.test(output.OutputKey ?? ''))?.OutputValue;
  const userPoolClientId = outputs.find((output) =>
    outputKeys.userPoolClientId.test(output.OutputKey ?? ''),
  )?.OutputValue;
  if (!userPoolId)
    throw new AdminNotCreated(
      `Stack ${stackName} has no user pool output (ApiUserPoolId…): is its deployment finished? ` +
        `aws cloudformation describe-stacks --stack-name ${stackName}`,
    );

  try {
    await clients.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: request.email,
        UserAttributes: [
          { Name: 'email', Value: request.email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:role', Value: 'admin' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
  } catch (error) {
    if (!(error instanceof UsernameExistsException)) throw error;
    throw new AdminNotCreated(
      `${request.email} already has an account in the user pool of ${stackName} (${userPoolId}); nothing was ` +
        'changed.\n' +
        `  To send the invitation again (it has not signed in yet): aws cognito-idp admin-create-user --user-pool-id ${userPoolId} --username ${request.email} --message-action RESEND\n` +
        `  To make the account an admin: aws cognito-idp admin-update-user-attributes --user-pool-id ${userPoolId} --username ${request.email} --user-attributes Name=custom:role,Value=admin`,
    );
  }
  return { email: request.email, stackName, userPoolId, userPoolClientId };
}

async function stackOutputs(client: CloudFormationClient, stackName: string): Promise<Output[]> {
  try {
    const { Stacks: stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return stacks[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).message === 'Region is missing')
      throw new AdminNotCreated('No AWS region: pass --region, or set AWS_REGION or a profile with one.');
    // CloudFormation answers a stack it does not know with a ValidationError.
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      const region = await client.config.region();
      throw new AdminNotCreated(
        `There is no stack ${stackName} in ${region}. Deploy it first (docs/DEPLOY.md), or name its stage ` +
          '(--stage) and region (--region).',
      );
    }
    throw error;
  }
}

/** What the new admin does next: the office roles need an authenticator app (infra/office-mfa.ts). */
export function nextSteps(admin: CreatedAdmin): string {
  return [
    `Created ${admin.email} as admin in the user pool ${admin.userPoolId} of ${admin.stackName}.`,
    '',
    `Next, for ${admin.email}:`,
    '  1. Cognito e-mails a temporary password (from no-reply@verificationemail.com), valid for 3 days.',
    `  2. Sign in with it in an office app of the user pool's app client ${admin.userPoolClientId ?? '(ApiUserPoolClientId output)'},`,
    '     and choose a new password when asked: 12 characters at least, with upper and lower case, a digit and a symbol.',
    '  3. Enrol an authenticator app: until then the token of an office role carries no role and the API answers',
    '     401, saying why. With the access token of that sign-in:',
    '       aws cognito-idp associate-software-token --access-token <token>     (add its SecretCode to the app)',
    '       aws cognito-idp verify-software-token --access-token <token> --user-code <the app’s 6-digit code>',
    '       aws cognito-idp set-user-mfa-preference --access-token <token> --software-token-mfa-settings Enabled=true,PreferredMfa=true',
    "  4. Sign in again: Cognito asks for the app's code, and the token carries custom:role admin.",
  ].join('\n');
}

/**
 * The command: exit 0 with the next steps, 1 when no admin was created (saying why, or what AWS answered), 2 on
 * wrong arguments (with the usage).
 */
export async function main(
  args: string[],
  clientsFor: (region?: string) => AdminClients = (region) => ({
    cloudFormation: new CloudFormationClient({ region }),
    cognito: new CognitoIdentityProviderClient({ region }),
  }),
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  let request: AdminRequest;
  try {
    request = parseArguments(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${usage}`);
    return 2;
  }
  try {
    console.log(nextSteps(await createAdmin(clientsFor(request.region), request)));
    return 0;
  } catch (error) {
    // Missing credentials, access denied...: AWS's own words say it best.
    console.error(error instanceof AdminNotCreated ? error.message : `No admin was created: ${String(error)}`);
    return 1;
  }
}

// Run only as the command (`npm run admin:create`), not when a test imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main(process.argv.slice(2));
