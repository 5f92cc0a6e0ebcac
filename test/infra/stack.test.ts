import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { type Need, routes, type WorkflowTask, workflowTasks } from '#infra/routes.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { idempotencyRecord } from '#shared/db/entities/idempotency-record.ts';
import { tableKeys } from '#shared/db/table.ts';
import { synthFieldOps, testApp } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  type CfnResource,
  functionsByHandlerFile,
  invokePermissionsOf,
  isSpecificReason,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  resource,
  resourcesOf,
  roleStatements,
} from './template.ts';

// `any`: ASL JSON, walked generically.
type AslState = Record<string, any>;

const deployed = routes.filter((route) => !route.localOnly);
const needsByFile = new Map<string, Need[]>();
for (const route of deployed) {
  needsByFile.set(route.handler, [...(needsByFile.get(route.handler) ?? []), ...route.needs]);
}
const lambdaServiceErrors = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
const tableWrites = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const workflowActions = [
  'states:StartExecution',
  'states:ListExecutions',
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:DescribeExecution',
  'states:GetExecutionHistory',
];

let stack: FieldOpsStack;
let template: Template;
let outdir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ stack, template, outdir, cleanup } = synthFieldOps());
});

afterAll(() => cleanup());

function fnFor(handlerFile: string): CfnResource {
  const entry = functionsByHandlerFile(template).get(handlerFile);
  if (!entry) throw new Error(`No function for ${handlerFile}`);
  return entry[1];
}

/**
 * The definition as deployed: the staged copy of the ASL file with CloudFormation's definition substitutions
 * applied, each function ARN written as `fn:<handler file>`.
 */
function deployedDefinition(): AslState {
  const [[, machine] = []] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
  const handlerFileOf = new Map([...functionsByHandlerFile(template)].map(([file, [id]]) => [id, file]));
  const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string] }>;
  const staged = readFileSync(join(outdir, `asset.${machine?.Properties.DefinitionS3Location.Key}`), 'utf8');
  return JSON.parse(
    staged.replace(/\$\{(\w+)\}/g, (placeholder, name: string) => {
      const arn = substitutions[name];
      return arn ? `fn:${handlerFileOf.get(arn['Fn::GetAtt'][0])}` : placeholder;
    }),
  );
}

/** Every state with its name and whether it sits inside a Parallel branch. */
function allStates(states: Record<string, AslState>, inBranch = false): [string, AslState, boolean][] {
  return Object.entries(states).flatMap(([name, state]): [string, AslState, boolean][] => [
    [name, state, inBranch],
    ...(state.Branches ?? []).flatMap((branch: AslState) => allStates(branch.States, true)),
  ]);
}

describe('the HTTP API', () => {
  it('deploys every route that is not local-only, and no local-only route', () => {
    const routeKeys = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual(deployed.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('puts the Cognito JWT authorizer on every route unless the route says auth: false', () => {
    const [[authorizerId, authorizer] = []] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer');
    const byKey = new Map(resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r]));

    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    for (const route of deployed) {
      const props = byKey.get(`${route.method} ${route.path}`)?.Properties;
      if (route.auth === false) expect(props?.AuthorizationType ?? 'NONE').toBe('NONE');
      else expect(props).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it("verifies tokens issued by the stack's user pool for its app clients (the API's, the web form's, the engineer's app's, the office console's)", () => {
    const [[poolId] = []] = resourcesOf(template, 'AWS::Cognito::UserPool');
    const clients = resourcesOf(template, 'AWS::Cognito::UserPoolClient').map(([clientId]) => ({ Ref: clientId }));
    const [[, authorizer] = []] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer');

    expect(clients).toHaveLength(4);
    expect(authorizer?.Properties.JwtConfiguration.Audience).toEqual(clients);
    expect(authorizer?.Properties.JwtConfiguration.Issuer).toEqual({ 'Fn::GetAtt': [poolId, 'ProviderURL'] });
  });

  it('runs one function per handler file, serving all of that file’s routes', () => {
    const functionOfIntegration = new Map(
      resourcesOf(template, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        integration.Properties.IntegrationUri['Fn::GetAtt'][0] as string,
      ]),
    );
    const handlerFileOf = new Map([...functionsByHandlerFile(template)].map(([file, [id]]) => [id, file]));

    for (const [, route] of resourcesOf(template, 'AWS::ApiGatewayV2::Route')) {
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const served = handlerFileOf.get(functionOfIntegration.get(integrationId) ?? '');
      const declared = deployed.find((r) => `${r.method} ${r.path}` === route.Properties.RouteKey)?.handler;
      expect(served).toBe(declared);
    }
    const apiFunctions = [...functionsByHandlerFile(template).keys()].filter((file) => needsByFile.has(file));
    expect(apiFunctions.sort()).toEqual([...needsByFile.keys()].sort());
  });

  it('logs access as JSON and throttles every route at the stage', () => {
    const [[, stage] = []] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage');

    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
    expect(JSON.parse(stage?.Properties.AccessLogSettings.Format)).toHaveProperty('requestId', '$context.requestId');
  });

  it('lets nobody sign themselves up or set their own role', () => {
    const [[, pool] = []] = resourcesOf(template, 'AWS::Cognito::UserPool');
    const [[, client] = []] = resourcesOf(template, 'AWS::Cognito::UserPoolClient');

    expect(pool?.Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(pool?.Properties.MfaConfiguration).toBe('OPTIONAL');
    expect(pool?.Properties.Policies.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireSymbols: true });
    expect(pool?.Properties.Schema.map((attribute: { Name: string }) => attribute.Name).sort()).toEqual([
      'customerId',
      'engineerId',
      'role',
    ]);
    expect(client?.Properties.WriteAttributes.filter((name: string) => name.startsWith('custom:'))).toEqual([]);
  });

  it('outputs the API URL, the user pool id and the app client id', () => {
    const outputs = Object.keys(template.toJSON().Outputs);

    for (const name of ['ApiUrl', 'ApiUserPoolId', 'ApiUserPoolClientId']) {
      expect(outputs.some((output) => output.startsWith(name))).toBe(true);
    }
  });
});

describe('the functions', () => {
  it.each([...needsByFile])('%s gets exactly the environment and grants its routes need', (handlerFile, needs) => {
    const fn = fnFor(handlerFile);
    const actions = allowedActions(template, fn);
    const table = needs.includes('read') || needs.includes('write');
    const bucketActions = new Set(needs.flatMap((need) => (typeof need === 'object' ? need.actions : [])));

    expect(boundEnvironment(fn)).toEqual(
      [
        ...(table ? ['TABLE_NAME'] : []),
        ...(needs.includes('workflow') ? ['STATE_MACHINE_ARN'] : []),
        ...(bucketActions.size > 0 ? ['BUCKET_NAME'] : []),
        ...(needs.includes('cursorKey') ? ['CURSOR_KEY_SECRET_ARN'] : []),
      ].sort(),
    );
    expect(actions.has('secretsmanager:GetSecretValue')).toBe(needs.includes('cursorKey'));
    expect(actions.has('dynamodb:Query')).toBe(table);
    for (const write of tableWrites) expect(actions.has(write)).toBe(needs.includes('write'));
    for (const action of workflowActions) expect(actions.has(action)).toBe(needs.includes('workflow'));
    expect([...actions].filter((action) => action.startsWith('s3:')).sort()).toEqual([...bucketActions].sort());
  });

  it.each(Object.entries(workflowTasks))(
    'workflow task %s writes the table and may only answer task tokens',
    (_task, handlerFile) => {
      const fn = fnFor(handlerFile);
      const actions = allowedActions(template, fn);

      expect(boundEnvironment(fn)).toEqual(['TABLE_NAME']);
      expect(actions.has('dynamodb:PutItem')).toBe(true);
      expect([...actions].filter((action) => action.startsWith('states:')).sort()).toEqual([
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
      ]);
    },
  );

  it('all run Node 22 on ARM64, sized for their work, with tracing, their own log group and no source map read at start', () => {
    // Only the project's own functions: CDK's bucket notifications and bucket deployment handlers are its own.
    const own = [...functionsByHandlerFile(template)].filter(([file]) => file?.startsWith('functions/'));
    // A batch run gets minutes (the reconciler two, under the next minute's run); parsing an e-mail of up to 40 MB,
    // or rendering a batch of documents, a minute and 1 GB; a workflow task 30 s; an API
    // handler answers a person within 10 s, all with 512 MB.
    const sized: Record<string, { timeout: number; memory?: number }> = {
      'functions/intake/planned-maintenance.ts': { timeout: 300 },
      'functions/workflow/reconcile.ts': { timeout: 120 },
      'functions/intake/receive-email.ts': { timeout: 60, memory: 1024 },
      // Cognito waits 5 s for a trigger.
      'functions/auth/require-office-mfa.ts': { timeout: 5 },
      // AppSync waits 10 s for its authorizer, and a connecting console should not wait that long.
      'functions/live/authorize.ts': { timeout: 5 },
      // A batch of notifications, each perhaps a PDF rendered with the job's photos.
      'functions/notify/notify.ts': { timeout: 60, memory: 1024 },
      // A batch of events or wake-ups, each attempt waiting up to 10 s for a receiver.
      'functions/webhooks/deliver.ts': { timeout: 60 },
      'functions/webhooks/retry.ts': { timeout: 60 },
    };

    expect(own.length).toBe(functionsByHandlerFile(template).size - 2);
    for (const [handlerFile, [, fn]] of own) {
      const timeout =
        sized[handlerFile]?.timeout ?? (Object.values<string>(workflowTasks).includes(handlerFile) ? 30 : 10);

      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: sized[handlerFile]?.memory ?? 512,
        Timeout: timeout,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'PassThrough' },
      });
      // The map is in the asset; reading it at every cold start is for debugging only (Fn's sourceMaps).
      expect(fn.Properties.Environment.Variables, handlerFile).not.toHaveProperty('NODE_OPTIONS');
      expect(resource(template, fn.Properties.LoggingConfig.LogGroup.Ref).Type).toBe('AWS::Logs::LogGroup');
    }
  });

  it('never carry the local fault-injection switch FIELDOPS_FAULT into a deployment', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');

    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(Object.keys(fn.Properties.Environment?.Variables ?? {}), id).not.toContain('FIELDOPS_FAULT');
    }
  });

  it('keep every log group for a limited time', () => {
    for (const [, logGroup] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });
});

describe('the storage', () => {
  it('keeps the table through a stack deletion, with point-in-time recovery and deletion protection', () => {
    const [[, table] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');

    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('expires items by the epoch seconds in expiresAt, the attribute idempotency records carry', () => {
    const [[, table] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');

    expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(idempotencyRecord.schema.attributes.expiresAt.type).toBe('number');
  });

  it('builds every index of shared/db/table.ts, with the projection it names', () => {
    const [[, table] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');

    expect(table?.Properties.GlobalSecondaryIndexes).toEqual(
      tableKeys.globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
  });

  it('projects whole items into gsi1 (reference lists) and keys only into the indexes work orders sit in', () => {
    const [[, table] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');
    const projections = Object.fromEntries(
      table?.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string; Projection: object }) => [
        index.IndexName,
        index.Projection,
      ]),
    );

    expect(projections).toEqual({
      gsi1: { ProjectionType: 'ALL' },
      gsi2: { ProjectionType: 'KEYS_ONLY' },
      gsi3: { ProjectionType: 'KEYS_ONLY' },
      gsi4: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('keeps attachments private, versioned, encrypted, logged and reachable only over TLS', () => {
    const [attachmentsId, attachments] = resourcesOf(template, 'AWS::S3::Bucket').find(
      ([, bucket]) => bucket.Properties.CorsConfiguration,
    ) ?? ['', undefined];
    const policy = resourcesOf(template, 'AWS::S3::BucketPolicy').find(
      ([, p]) => p.Properties.Bucket.Ref === attachmentsId,
    )?.[1];

    expect(attachments).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(attachments?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.any(String) } },
    });
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('accepts presigned POST uploads from any origin', () => {
    const cors = resourcesOf(template, 'AWS::S3::Bucket').find(([, b]) => b.Properties.CorsConfiguration)?.[1];

    expect(cors?.Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['POST'], AllowedOrigins: ['*'] }),
    ]);
  });
});

describe('the upload verification', () => {
  const verifyFile = 'functions/attachments/verify-upload.ts';

  it('writes the table and reads, quarantines and deletes uploads, and nothing else', () => {
    const fn = fnFor(verifyFile);
    const actions = allowedActions(template, fn);

    expect(boundEnvironment(fn)).toEqual(['BUCKET_NAME', 'TABLE_NAME']);
    expect(actions.has('dynamodb:UpdateItem')).toBe(true);
    expect([...actions].filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
      's3:PutObject',
    ]);
    expect([...actions].filter((action) => action.startsWith('states:'))).toEqual([]);
  });

  it('runs on every object created under work-orders/ in the attachments bucket, and only there', () => {
    const [verifyId] = functionsByHandlerFile(template).get(verifyFile) ?? [];
    const [attachmentsId] =
      resourcesOf(template, 'AWS::S3::Bucket').find(([, b]) => b.Properties.CorsConfiguration) ?? [];
    const notifications = resourcesOf(template, 'Custom::S3BucketNotifications').map(([, n]) => n.Properties);
    const verifying = notifications
      .flatMap((n) => n.NotificationConfiguration.LambdaFunctionConfigurations)
      .filter((config) => config.LambdaFunctionArn['Fn::GetAtt'][0] === verifyId);

    expect(notifications).toEqual([expect.objectContaining({ BucketName: { Ref: attachmentsId } })]);
    expect(verifying).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'work-orders/' }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [verifyId, 'Arn'] },
      },
    ]);
  });

  it('may be invoked by S3 for the attachments bucket alone', () => {
    const [verifyId] = functionsByHandlerFile(template).get(verifyFile) ?? [];
    const [attachmentsId] =
      resourcesOf(template, 'AWS::S3::Bucket').find(([, b]) => b.Properties.CorsConfiguration) ?? [];
    const permissions = invokePermissionsOf(template, verifyId ?? '');

    expect(permissions).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [attachmentsId, 'Arn'] },
      }),
    ]);
  });

  it('retries a failed check twice, then records the event in its dead-letter queue, output by URL', () => {
    const [verifyId] = functionsByHandlerFile(template).get(verifyFile) ?? [];
    const queueId = logicalIdOf(stack, stack.uploadVerification.deadLetters);
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, config]) => config.Properties)
      .filter((config) => config.FunctionName.Ref === verifyId);
    const outputs = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(configs).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      }),
    ]);
    expect(allowedActions(template, fnFor(verifyFile))).toContain('sqs:SendMessage');
    expect(outputs).toContainEqual({ Ref: queueId });
  });
});

describe('the work order state machine', () => {
  it('is a Standard machine that logs its errors, and traces', () => {
    const [[, machine] = []] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');

    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      StateMachineName: 'FieldOps-WorkOrder',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR' },
    });
  });

  it('deploys the ASL file with every placeholder substituted', () => {
    expect(JSON.stringify(deployedDefinition())).not.toContain('${');
  });

  it('invokes, in each Task, the function the ASL file names for it', () => {
    const file = JSON.parse(readFileSync('statemachines/work-order.asl.json', 'utf8'));
    const fileTasks = allStates(file.States).filter(([, state]) => state.Type === 'Task');
    const deployedStates = new Map(allStates(deployedDefinition().States).map(([name, state]) => [name, state]));

    for (const [name, state] of fileTasks) {
      const task = /^\$\{(\w+)FunctionArn\}$/.exec(state.Parameters.FunctionName)?.[1] as WorkflowTask;
      expect(deployedStates.get(name)?.Parameters.FunctionName).toBe(`fn:${workflowTasks[task]}`);
    }
  });

  it('may invoke each task function, and nothing else', () => {
    const [[, machine] = []] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
    const invoke = roleStatements(template, machine?.Properties.RoleArn).filter(
      (s) => s.Action === 'lambda:InvokeFunction',
    );
    const taskIds = Object.values<string>(workflowTasks).map((file) => functionsByHandlerFile(template).get(file)?.[0]);

    expect(
      invoke.flatMap((s) => s.Resource.map((arn: { 'Fn::GetAtt': [string] }) => arn['Fn::GetAtt'][0])).sort(),
    ).toEqual(taskIds.sort());
  });

  it('is the machine the API functions start and answer, by name', () => {
    const [[, machine] = []] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
    const arn = JSON.stringify(
      fnFor('functions/intake/submit-request.ts').Properties.Environment.Variables.STATE_MACHINE_ARN,
    );

    expect(arn).toContain(`:stateMachine:${machine?.Properties.StateMachineName}"`);
  });

  it('gives every Task a timeout, jittered retries of Lambda service errors and a catch', () => {
    const states = allStates(deployedDefinition().States);
    const parallelsCatchAll = states
      .filter(([, state]) => state.Type === 'Parallel')
      .every(([, state]) => state.Catch?.some((c: AslState) => c.ErrorEquals.includes('States.ALL')));

    for (const [name, state, inBranch] of states.filter(([, s]) => s.Type === 'Task')) {
      const retry = (state.Retry ?? []).find((r: AslState) =>
        lambdaServiceErrors.every((e) => r.ErrorEquals.includes(e)),
      );
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(retry?.JitterStrategy, name).toBe('FULL');
      expect(Boolean(state.Catch?.length) || (inBranch && parallelsCatchAll), name).toBe(true);
    }
  });

  it('escalates every human step that times out', () => {
    const waits = allStates(deployedDefinition().States).filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken'));

    expect(waits.length).toBeGreaterThan(0);
    for (const [name, state] of waits) {
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(
        state.Catch.some((c: AslState) => c.ErrorEquals.includes('States.Timeout')),
        name,
      ).toBe(true);
    }
  });
});

describe('the cdk-nag checks (AwsSolutions and Serverless)', () => {
  it('stop synthesis at an unacknowledged finding of either pack', () => {
    const careless = testApp();
    const { app, stack: other } = buildApp(careless.app);
    const role = new Role(other, 'Careless', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    new Queue(other, 'Unredriven', { enforceSSL: true });

    try {
      // Both findings, in whichever order the packs report them.
      expect(() => app.synth()).toThrow(
        /^(?=[\s\S]*AwsSolutions-IAM5\[Action::s3:\*\])(?=[\s\S]*Serverless-SQSRedrivePolicy)/,
      );
    } finally {
      careless.cleanup();
    }
  });

  it('report no unacknowledged finding, of the AwsSolutions pack or the Serverless one', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('are acknowledged only with a specific reason', () => {
    const acknowledgements = nagAcknowledgements(stack);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) expect(isSpecificReason(ack.reason), `${ack.id}: ${ack.reason}`).toBe(true);
  });

  it('tell a specific reason from an excuse', () => {
    expect(isSpecificReason('False positive.')).toBe(false);
    expect(isSpecificReason('Not needed for this project at the moment')).toBe(false);
    expect(isSpecificReason('X-Ray writes support no resource-level permissions.')).toBe(true);
  });

  it('are acknowledged only where the finding really is', () => {
    const findings = nagFindings(stack, { ignoreAcknowledgements: true });

    for (const ack of nagAcknowledgements(stack)) {
      const answered = findings.some(
        (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(answered, `${ack.id} at ${ack.path}`).toBe(true);
    }
  });
});
