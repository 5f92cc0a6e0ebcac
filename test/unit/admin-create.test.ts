import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AdminClients,
  AdminNotCreated,
  createAdmin,
  main,
  parseArguments,
  UsageError,
} from '#infra/admin-create.ts';

const cloudFormation = mockClient(CloudFormationClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const clients: AdminClients = {
  cloudFormation: new CloudFormationClient({ region: 'eu-west-2' }),
  cognito: new CognitoIdentityProviderClient({ region: 'eu-west-2' }),
};

/** The outputs of a deployed stack as CloudFormation lists them (infra/api.ts's, with CDK's hashes). */
const deployedOutputs = [
  { OutputKey: 'ApiUrlDDEE0114', OutputValue: 'https://abc123.execute-api.eu-west-2.amazonaws.com/' },
  { OutputKey: 'ApiUserPoolClientIdAAA2A3BC', OutputValue: '5n1kq2example' },
  { OutputKey: 'ApiUserPoolId13E2A22E', OutputValue: 'eu-west-2_Ab12Cd34' },
];

beforeEach(() => {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'FieldOps', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: deployedOutputs },
    ],
  });
  cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'ops@example.com' } });
});

afterEach(() => {
  cloudFormation.reset();
  cognito.reset();
  vi.restoreAllMocks();
});

describe('creating the first admin', () => {
  it.each([
    [undefined, 'FieldOps'],
    ['staging', 'FieldOps-staging'],
  ])('reads the outputs of the stage %s from the stack %s', async (stage, stackName) => {
    await createAdmin(clients, { email: 'ops@example.com', stage });

    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input)).toEqual([
      { StackName: stackName },
    ]);
  });

  it("creates a verified admin in the stack's user pool, and has Cognito e-mail the temporary password", async () => {
    const created = await createAdmin(clients, { email: 'ops@example.com' });

    expect(cognito.commandCalls(AdminCreateUserCommand).map((call) => call.args[0].input)).toEqual([
      {
        UserPoolId: 'eu-west-2_Ab12Cd34',
        Username: 'ops@example.com',
        UserAttributes: [
          { Name: 'email', Value: 'ops@example.com' },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:role', Value: 'admin' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      },
    ]);
    expect(created).toEqual({
      email: 'ops@example.com',
      stackName: 'FieldOps',
      userPoolId: 'eu-west-2_Ab12Cd34',
      userPoolClientId: '5n1kq2example',
    });
  });

  it('says so, changing nothing, when the address already has an account', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));

    const created = createAdmin(clients, { email: 'ops@example.com' });

    await expect(created).rejects.toThrow(AdminNotCreated);
    await expect(created).rejects.toThrow(
      /^ops@example.com already has an account in the user pool of FieldOps \(eu-west-2_Ab12Cd34\); nothing was changed/,
    );
    await expect(created).rejects.toThrow('--message-action RESEND');
  });

  it("names the stack and region when the stage's stack does not exist", async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: {},
        message: 'Stack with id FieldOps-test does not exist',
      }),
    );

    await expect(createAdmin(clients, { email: 'ops@example.com', stage: 'test' })).rejects.toThrow(
      /^There is no stack FieldOps-test in eu-west-2\. Deploy it first/,
    );
    expect(cognito.commandCalls(AdminCreateUserCommand)).toEqual([]);
  });

  it('refuses a stack without the user pool output (a deployment not finished)', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [] });

    await expect(createAdmin(clients, { email: 'ops@example.com' })).rejects.toThrow(
      /^Stack FieldOps has no user pool output/,
    );
  });
});

describe('the arguments', () => {
  it('take the address, a stage and a region, and keep the address in lowercase', () => {
    expect(parseArguments(['Ops@Example.com', '--stage', 'staging', '--region', 'eu-west-2'])).toEqual({
      email: 'ops@example.com',
      stage: 'staging',
      region: 'eu-west-2',
    });
  });

  it.each([
    [['ops'], 'ops is not an e-mail address.'],
    [['ops@example'], 'ops@example is not an e-mail address.'],
    [[], 'Give the administrator’s e-mail address.'],
    [['a@example.com', 'b@example.com'], 'One e-mail address only, not also b@example.com.'],
  ])('refuse %j', (args, message) => {
    expect(() => parseArguments(args)).toThrow(new UsageError(message));
  });

  it('refuse a stage that cannot be deployed', () => {
    expect(() => parseArguments(['ops@example.com', '--stage', 'Prod'])).toThrow(/^Stage "Prod" is not a stage name/);
  });
});

describe('the command', () => {
  let errors: string[];
  let printed: string[];
  beforeEach(() => {
    errors = [];
    printed = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => errors.push(line));
    vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  });

  it('prints what the admin does next, the authenticator app included, and exits 0', async () => {
    const regions: (string | undefined)[] = [];

    const code = await main(['ops@example.com', '--region', 'eu-west-2'], (region) => {
      regions.push(region);
      return clients;
    });

    expect(code).toBe(0);
    expect(regions).toEqual(['eu-west-2']);
    expect(printed.join('\n')).toMatch(
      /^Created ops@example.com as admin in the user pool eu-west-2_Ab12Cd34 of FieldOps/,
    );
    expect(printed.join('\n')).toContain('choose a new password');
    expect(printed.join('\n')).toContain('aws cognito-idp associate-software-token --access-token <token>');
    expect(printed.join('\n')).toContain('--software-token-mfa-settings Enabled=true,PreferredMfa=true');
  });

  it('prints the usage and exits 2, asking AWS nothing, when the address is not one', async () => {
    const clientsFor = vi.fn(() => clients);

    const code = await main(['not-an-address'], clientsFor);

    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(
      /^not-an-address is not an e-mail address\.\n\nUsage: npm run admin:create -- <email>/,
    );
    expect(clientsFor).not.toHaveBeenCalled();
  });

  it('says the account exists and exits 1', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));

    const code = await main(['ops@example.com'], () => clients);

    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/^ops@example.com already has an account/);
    expect(printed).toEqual([]);
  });

  it('passes on what AWS answered otherwise, and exits 1', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new Error('User is not authorized to perform: AdminCreateUser'));

    const code = await main(['ops@example.com'], () => clients);

    expect(code).toBe(1);
    expect(errors).toEqual(['No admin was created: Error: User is not authorized to perform: AdminCreateUser']);
  });
});
