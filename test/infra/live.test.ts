import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSource } from '#infra/events.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { liveChannel, liveNamespace } from '#shared/live/channel.ts';
import { synthFieldOps } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  functionOf,
  invokePermissionsOf,
  logicalIdOf,
  nagFindings,
  onlyResource,
  resource,
  resourcesOf,
  roleStatements,
} from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

const authorizerFile = 'functions/live/authorize.ts';
const publisherFile = 'functions/live/publish.ts';
/** What every function's role may do, whatever its handler: write its own log group, and X-Ray's segments. */
const everyFunction = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

const eventApi = () => onlyResource(template, 'AWS::AppSync::Api');
const namespace = () => onlyResource(template, 'AWS::AppSync::ChannelNamespace');
const authModes = (...types: string[]) => types.map((AuthType) => ({ AuthType }));
/** The live channel's rule on the bus (the notifications' rule is on it too). */
const liveRule = () => {
  const ruleId = logicalIdOf(stack, stack.live.rule);
  return [ruleId, resource(template, ruleId)] as const;
};

describe('the live channel: who may connect', () => {
  it('is an Event API whose connections and subscriptions go through the authorizer, and whose publishes need IAM', () => {
    const [, api] = eventApi();
    const [authorizerId] = functionOf(template, authorizerFile);

    expect(api.Properties.EventConfig).toMatchObject({
      AuthProviders: [
        {
          AuthType: 'AWS_LAMBDA',
          LambdaAuthorizerConfig: { AuthorizerUri: { 'Fn::GetAtt': [authorizerId, 'Arn'] } },
        },
        { AuthType: 'AWS_IAM' },
      ],
      ConnectionAuthModes: authModes('AWS_LAMBDA'),
      DefaultSubscribeAuthModes: authModes('AWS_LAMBDA'),
      DefaultPublishAuthModes: authModes('AWS_IAM'),
    });
    expect(api.Properties.EventConfig.AuthProviders).toHaveLength(2);
    // No API key: a key in a page would let anyone who reads it in.
    expect(resourcesOf(template, 'AWS::AppSync::ApiKey')).toEqual([]);
  });

  it('has one namespace, the office feed’s, subscribed to through the authorizer and published to with IAM alone', () => {
    const [apiId] = eventApi();
    const [, office] = namespace();

    expect(office.Properties).toMatchObject({
      ApiId: { 'Fn::GetAtt': [apiId, 'ApiId'] },
      Name: liveNamespace,
      SubscribeAuthModes: authModes('AWS_LAMBDA'),
      PublishAuthModes: authModes('AWS_IAM'),
    });
    expect(liveChannel.startsWith(`/${liveNamespace}/`)).toBe(true);
  });

  it('sends the authorizer only what looks like a JWT, and keeps a refusal five minutes', () => {
    const config = eventApi()[1].Properties.EventConfig.AuthProviders[0].LambdaAuthorizerConfig;
    const validation = new RegExp(config.IdentityValidationExpression);

    expect(config.AuthorizerResultTtlInSeconds).toBe(300);
    expect(validation.test('eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl')).toBe(true);
    expect(validation.test('Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl')).toBe(true);
    for (const junk of ['', 'da2-apikey', 'a.b', 'eyJ.eyJ.sig extra']) expect(validation.test(junk), junk).toBe(false);
  });

  it("checks ID tokens of the stack's user pool issued to the very clients the HTTP API accepts", () => {
    const [poolId] = onlyResource(template, 'AWS::Cognito::UserPool');
    const [, fn] = functionOf(template, authorizerFile);
    const [, httpAuthorizer] = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');
    const variables = fn.Properties.Environment.Variables;
    const clientIds = variables.USER_POOL_CLIENT_IDS['Fn::Join'][1].filter((part: unknown) => part !== ',');

    expect(boundEnvironment(fn)).toEqual(['USER_POOL_CLIENT_IDS', 'USER_POOL_ID']);
    expect(variables.USER_POOL_ID).toEqual({ Ref: poolId });
    expect(clientIds).toEqual(httpAuthorizer.Properties.JwtConfiguration.Audience);
    expect(clientIds).toHaveLength(4);
  });

  it('is invoked by this Event API alone, and may do nothing but log', () => {
    const [apiId] = eventApi();
    const [authorizerId, fn] = functionOf(template, authorizerFile);

    expect(invokePermissionsOf(template, authorizerId)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'appsync.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [apiId, 'ApiArn'] },
      }),
    ]);
    expect([...allowedActions(template, fn)].sort()).toEqual(everyFunction);
  });
});

describe('the live channel: fan-out from the change stream', () => {
  it('hands every event the domain events pipe puts on the bus, from the table’s stream, to the publisher', () => {
    const [, pipe] = onlyResource(template, 'AWS::Pipes::Pipe');
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const [busId] = onlyResource(template, 'AWS::Events::EventBus');
    const [ruleId, rule] = liveRule();
    const [publisherId] = functionOf(template, publisherFile);

    expect(pipe.Properties.Source).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
    expect(pipe.Properties.Target).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties.EventPattern).toEqual({
      source: [pipe.Properties.TargetParameters.EventBridgeEventBusParameters.Source],
    });
    expect(rule.Properties.EventPattern.source).toEqual([eventSource]);
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [publisherId, 'Arn'] } })]);
    expect(rule.Properties.Targets[0].Input ?? rule.Properties.Targets[0].InputTransformer).toBeUndefined();
    expect(invokePermissionsOf(template, publisherId)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      }),
    ]);
  });

  it('lets the publisher publish to this Event API’s office namespace and nothing else, over its HTTP domain', () => {
    const [apiId] = eventApi();
    const [, fn] = functionOf(template, publisherFile);
    const queueId = logicalIdOf(stack, stack.live.deadLetters);
    const statements = roleStatements(template, fn.Properties.Role);
    const appsync = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('appsync:')));

    expect(boundEnvironment(fn)).toEqual(['LIVE_EVENTS_DOMAIN']);
    expect(fn.Properties.Environment.Variables.LIVE_EVENTS_DOMAIN).toEqual({ 'Fn::GetAtt': [apiId, 'Dns.Http'] });
    expect(appsync).toHaveLength(1);
    expect(appsync[0].Action).toBe('appsync:EventPublish');
    expect(appsync[0].Resource['Fn::Join'][1]).toEqual(
      expect.arrayContaining([':apis/', { 'Fn::GetAtt': [apiId, 'ApiId'] }, `/channelNamespace/${liveNamespace}`]),
    );
    expect(appsync[0].Resource['Fn::Join'][1].at(-1)).toBe(`/channelNamespace/${liveNamespace}`);
    // Besides: its dead-letter queue, for the events it fails on. No table, no bus, no connection, no subscription.
    expect([...allowedActions(template, fn)].sort()).toEqual(
      [...everyFunction, 'appsync:EventPublish', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
    for (const statement of statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sqs:')))) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    }
  });

  it('lets no other role of the deployment publish, subscribe or connect to it', () => {
    const [, publisher] = functionOf(template, publisherFile);
    const publisherRole = publisher.Properties.Role['Fn::GetAtt'][0];

    for (const [roleId] of resourcesOf(template, 'AWS::IAM::Role')) {
      if (roleId === publisherRole) continue;
      const actions = roleStatements(template, { 'Fn::GetAtt': [roleId, 'Arn'] }).flatMap((s) => [s.Action].flat());
      expect(
        actions.filter((action: string) => action.startsWith('appsync:')),
        roleId,
      ).toEqual([]);
    }
  });

  it('retries the rule’s delivery and the publisher’s run for 15 minutes, then records the event as a dead letter', () => {
    const [, rule] = liveRule();
    const [publisherId] = functionOf(template, publisherFile);
    const queueId = logicalIdOf(stack, stack.live.deadLetters);
    const [, invokeConfig] = onlyResource(
      template,
      'AWS::Lambda::EventInvokeConfig',
      (config) => config.Properties.FunctionName.Ref === publisherId,
    );

    expect(rule.Properties.Targets[0]).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(invokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 900,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });
});

describe('the live channel: what it leaves behind', () => {
  it('outputs the WebSocket URL the console opens and the host it names, and keeps them for the console’s config', () => {
    const [apiId] = eventApi();
    const values = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(values).toContainEqual({
      'Fn::Join': ['', ['wss://', { 'Fn::GetAtt': [apiId, 'Dns.Realtime'] }, '/event/realtime']],
    });
    expect(values).toContainEqual({ 'Fn::GetAtt': [apiId, 'Dns.Http'] });
    expect(stack.resolve(stack.live.url)).toEqual({
      'Fn::Join': ['', ['wss://', { 'Fn::GetAtt': [apiId, 'Dns.Realtime'] }, '/event/realtime']],
    });
    expect(stack.resolve(stack.live.host)).toEqual({ 'Fn::GetAtt': [apiId, 'Dns.Http'] });
    expect(stack.live.channel).toBe(liveChannel);
  });

  it("logs AppSync's errors to a log group kept a month, which its role may write to and nothing else", () => {
    const [apiId, api] = eventApi();
    const logConfig = api.Properties.EventConfig.LogConfig;
    const roleId = logConfig.CloudWatchLogsRoleArn['Fn::GetAtt'][0];
    const [logGroupId, logGroup] = onlyResource(template, 'AWS::Logs::LogGroup', (group) =>
      JSON.stringify(group.Properties.LogGroupName ?? '').includes('/aws/appsync/apis/'),
    );

    expect(logConfig.LogLevel).toBe('ERROR');
    expect(resource(template, roleId).Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'appsync.amazonaws.com' } }),
    ]);
    expect(resource(template, roleId).Properties.ManagedPolicyArns).toBeUndefined();
    expect(logGroup.Properties).toMatchObject({
      LogGroupName: { 'Fn::Join': ['', ['/aws/appsync/apis/', { 'Fn::GetAtt': [apiId, 'ApiId'] }]] },
      RetentionInDays: 30,
    });
    expect(roleStatements(template, { 'Fn::GetAtt': [roleId, 'Arn'] })).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      }),
    ]);
  });

  it('lives in the root stack, and has every function watched by an errors alarm and its queue by a not-empty one', () => {
    const alarmNames = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties.AlarmName);

    expect(stack.live.node.scope).toBe(stack);
    expect(alarmNames).toEqual(
      expect.arrayContaining([
        `${stack.stackName}-errors-live-authorize`,
        `${stack.stackName}-errors-live-publish`,
        `${stack.stackName}-dead-letters-live-updates`,
      ]),
    );
  });

  it('leaves cdk-nag no finding, of either pack', () => {
    expect(nagFindings(stack).filter((finding) => finding.path.includes('/LiveUpdates/'))).toEqual([]);
  });
});
