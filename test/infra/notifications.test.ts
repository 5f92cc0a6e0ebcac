import { type AppProps, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeStackOf } from '#infra/api.ts';
import { buildApp } from '#infra/app.ts';
import { type EmailSender, emailSenderOf, smsSenderOf } from '#infra/deploy-options.ts';
import { eventSource } from '#infra/events.ts';
import { maxReceiveCount, Notifications, notifyMaxConcurrency, notifyTimeout } from '#infra/notifications.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { uploadPrefix } from '#shared/attachments/rules.ts';
import { documentPrefix } from '#shared/documents/prefix.ts';
import { synthFieldOps, testApp } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  type CfnResource,
  dependencyCycle,
  functionOf,
  invokePermissionsOf,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  onlyResource,
  resource,
  resourcesOf,
  roleStatements,
} from './template.ts';

/** A synthesized deployment with its merged template. */
interface Synthesized {
  stack: FieldOpsStack;
  template: Template;
}

const from = 'Northwest Heating <notifications@example.com>';
const address = 'notifications@example.com';
const senders = { notificationsFrom: from, officeEmail: 'office@example.com', smsSenderId: 'NWHEATING' };

const cleanups: (() => void)[] = [];
/** The deployment as it is by default, with no sender of either kind. */
let plain: Synthesized;
/** The deployment with an e-mail sender (its domain verified by DKIM), an office address and an SMS sender ID. */
let sending: Synthesized;
beforeAll(() => {
  const synth = (context?: AppProps['context']) => {
    const { stack, template, cleanup } = synthFieldOps(context);
    cleanups.push(cleanup);
    return { stack, template };
  };
  plain = synth();
  sending = synth(senders);
});
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

const notifyFile = 'functions/notify/notify.ts';
const feedbackFile = 'functions/notify/ses-feedback.ts';
/** What every function's role may do, whatever its handler: write its own log group, and X-Ray's segments. */
const everyFunction = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];
/** What an SQS event source needs of its queue (CDK's `grantConsumeMessages`). */
const consumeQueue = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];
const sesTypes = [
  'AWS::SES::EmailIdentity',
  'AWS::SES::ConfigurationSet',
  'AWS::SES::ConfigurationSetEventDestination',
];
const smsTypes = ['AWS::SMSVOICE::SenderId', 'AWS::SMSVOICE::ConfigurationSet', 'AWS::SMSVOICE::OptOutList'];

const idOf = ({ stack }: Synthesized, construct: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(stack, construct);
const cfnIdOf = ({ stack }: Synthesized, element: CfnElement) => stack.getLogicalId(element);
const notifications = ({ stack }: Synthesized) => stack.notifications;
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
/** The statements of a role that allow any action of a service (`ses:`, `s3:`). */
const statementsFor = (template: Template, fn: CfnResource, service: string) =>
  roleStatements(template, fn.Properties.Role).filter((s) =>
    [s.Action].flat().some((action: string) => action.startsWith(service)),
  );
/** Every action of a service any role of the template is allowed. */
const actionsOfService = (template: Template, service: string) =>
  resourcesOf(template, 'AWS::IAM::Role').flatMap(([roleId]) =>
    roleStatements(template, { 'Fn::GetAtt': [roleId, 'Arn'] })
      .flatMap((s) => [s.Action].flat())
      .filter((action: string) => action.startsWith(service)),
  );
/** `arn:<partition>:ses:<region>:<account>:<resource>/<name>` as CloudFormation joins it (a literal name inline). */
const sesArn = (resourceType: string, name: unknown) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ...(typeof name === 'string' ? [`:${resourceType}/${name}`] : [`:${resourceType}/`, name]),
    ],
  ],
});

describe('customer notifications: from the bus to the notifier', () => {
  it("queues every feed event from the deployment's bus but the notifier's own timeline entries", () => {
    const { template } = plain;
    const [busId] = onlyResource(template, 'AWS::Events::EventBus');
    const rule = resource(template, idOf(plain, notifications(plain).rule));

    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties.EventPattern).toEqual({
      source: [eventSource],
      'detail-type': [{ 'anything-but': ['workorder.message_sent', 'workorder.message_skipped'] }],
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: arnOf(idOf(plain, notifications(plain).queue)) }),
    ]);
    // The event as the bus carries it: the notifier reads its detail-type and detail.
    expect(rule.Properties.Targets[0].Input ?? rule.Properties.Targets[0].InputTransformer).toBeUndefined();
  });

  it('retries queueing an event for an hour, then records it in the dead-letter queue, which that rule alone may fill', () => {
    const { template } = plain;
    const ruleId = idOf(plain, notifications(plain).rule);
    const deadLettersId = idOf(plain, notifications(plain).deadLetters);
    const [, policy] = onlyResource(template, 'AWS::SQS::QueuePolicy', (p) =>
      p.Properties.Queues.some((queue: { Ref: string }) => queue.Ref === deadLettersId),
    );

    expect(resource(template, ruleId).Properties.Targets[0]).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: arnOf(deadLettersId) },
    });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(ruleId) } },
      }),
    );
  });

  it('keeps the queue encrypted, TLS-only, hidden six notifier timeouts while worked on, and dead-lettered after 5 receives', () => {
    const { template } = plain;
    const queueId = idOf(plain, notifications(plain).queue);
    const deadLettersId = idOf(plain, notifications(plain).deadLetters);
    const [, policy] = onlyResource(template, 'AWS::SQS::QueuePolicy', (p) =>
      p.Properties.Queues.some((queue: { Ref: string }) => queue.Ref === queueId),
    );
    const [, notifier] = functionOf(template, notifyFile);

    expect(resource(template, queueId).Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * notifyTimeout.toSeconds(),
      RedrivePolicy: { deadLetterTargetArn: arnOf(deadLettersId), maxReceiveCount: 5 },
    });
    expect(maxReceiveCount).toBe(5);
    expect(resource(template, queueId).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * notifier.Properties.Timeout,
    );
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // The project's dead-letter queue: kept 14 days, encrypted, TLS-only, its URL an output.
    expect(resource(template, deadLettersId).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('hands the notifier batches of ten, two at most at once, taking back only the messages it reports failed', () => {
    const { template } = plain;
    const [notifierId] = functionOf(template, notifyFile);
    const [, mapping] = onlyResource(
      template,
      'AWS::Lambda::EventSourceMapping',
      (m) => m.Properties.FunctionName.Ref === notifierId,
    );

    expect(mapping.Properties).toEqual({
      EventSourceArn: arnOf(idOf(plain, notifications(plain).queue)),
      FunctionName: { Ref: notifierId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(notifyMaxConcurrency).toBe(2);
    // Nothing else invokes it: no rule, topic or bucket.
    expect(invokePermissionsOf(template, notifierId)).toEqual([]);
  });

  it('sizes the notifier for PDFs with photos: 1 GB and a minute', () => {
    const [, notifier] = functionOf(plain.template, notifyFile);

    expect(notifier.Properties).toMatchObject({ MemorySize: 1024, Timeout: 60 });
  });
});

describe('customer notifications: what the notifier may do', () => {
  it('is told the table, the bucket and the web form’s address, and no sender, without the context', () => {
    const { template } = plain;
    const [, notifier] = functionOf(template, notifyFile);
    const variables = notifier.Properties.Environment.Variables;

    expect(boundEnvironment(notifier)).toEqual(['BUCKET_NAME', 'PORTAL_URL', 'TABLE_NAME']);
    expect(variables.TABLE_NAME).toEqual({ Ref: idOf(plain, plain.stack.storage.table) });
    expect(variables.BUCKET_NAME).toEqual({ Ref: idOf(plain, plain.stack.storage.bucket) });
    expect(variables.PORTAL_URL).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [idOf(plain, plain.stack.portal.distribution), 'DomainName'] }, '/portal/'],
      ],
    });
  });

  it('reads and writes documents, and reads photos and signatures, under those prefixes alone', () => {
    const { template } = plain;
    const [, notifier] = functionOf(template, notifyFile);
    const bucketArn = arnOf(idOf(plain, plain.stack.storage.bucket));

    expect(documentPrefix).toBe('documents/');
    expect(uploadPrefix).toBe('work-orders/');
    expect(statementsFor(template, notifier, 's3:')).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [bucketArn, `/${documentPrefix}*`]] },
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [bucketArn, `/${uploadPrefix}*`]] } },
    ]);
  });

  it('reads and writes the table, consumes its own queue, and may do nothing else without a sender', () => {
    const { template } = plain;
    const [, notifier] = functionOf(template, notifyFile);
    const tableId = idOf(plain, plain.stack.storage.table);
    const actions = [...allowedActions(template, notifier)];

    expect(actions.filter((action) => !action.startsWith('dynamodb:')).sort()).toEqual(
      [...everyFunction, 's3:GetObject', 's3:PutObject', ...consumeQueue].sort(),
    );
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    for (const statement of statementsFor(template, notifier, 'dynamodb:')) {
      for (const found of [statement.Resource].flat()) {
        expect(JSON.stringify(found)).toContain(JSON.stringify(arnOf(tableId)));
      }
    }
    for (const statement of statementsFor(template, notifier, 'sqs:')) {
      expect(statement.Resource).toEqual(arnOf(idOf(plain, notifications(plain).queue)));
    }
  });

  it('makes no SES or SMS resource, and lets no role send e-mail or texts, without a sender', () => {
    const { template } = plain;

    for (const type of [...sesTypes, ...smsTypes]) expect(resourcesOf(template, type), type).toEqual([]);
    expect(
      [...resourcesOf(template, 'AWS::Lambda::Function')].map(([, fn]) => fn.Properties.Description),
    ).not.toContain(feedbackFile);
    expect(actionsOfService(template, 'ses:')).toEqual([]);
    expect(actionsOfService(template, 'sms-voice:')).toEqual([]);
    expect(notifications(plain).emailIdentity).toBeUndefined();
    expect(notifications(plain).smsSenderId).toBeUndefined();
  });
});

describe('customer notifications by e-mail (-c notificationsFrom, officeEmail)', () => {
  it("verifies the sender's domain with Easy DKIM, sending through the configuration set by default", () => {
    const { template } = sending;
    const configurationSetId = idOf(sending, notifications(sending).emailConfigurationSet as never);
    const [, identity] = onlyResource(template, 'AWS::SES::EmailIdentity');

    expect(identity.Properties).toEqual({
      EmailIdentity: 'example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: configurationSetId } },
    });
  });

  it('outputs the three DKIM CNAME records to publish', () => {
    const { template } = sending;
    const identityId = idOf(sending, notifications(sending).emailIdentity as never);
    const values = Object.entries<{ Value: unknown }>(template.toJSON().Outputs)
      .filter(([key]) => key.startsWith('NotificationsDkimRecord'))
      .map(([, output]) => output.Value);

    expect(values).toEqual(
      [1, 2, 3].map((n) => ({
        'Fn::Join': [
          '',
          [
            { 'Fn::GetAtt': [identityId, `DkimDNSTokenName${n}`] },
            ' CNAME ',
            { 'Fn::GetAtt': [identityId, `DkimDNSTokenValue${n}`] },
          ],
        ],
      })),
    );
  });

  it('sends through a configuration set with reputation metrics, sending enabled and TLS required', () => {
    const [, configurationSet] = onlyResource(sending.template, 'AWS::SES::ConfigurationSet');

    expect(configurationSet.Properties).toEqual({
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });

  it('publishes bounces and complaints to an encrypted, TLS-only topic that this configuration set alone may publish to', () => {
    const { template } = sending;
    const configurationSetId = idOf(sending, notifications(sending).emailConfigurationSet as never);
    const topicId = idOf(sending, notifications(sending).emailFeedback?.topic as never);
    const [, destination] = onlyResource(template, 'AWS::SES::ConfigurationSetEventDestination');
    const [, topicPolicy] = onlyResource(template, 'AWS::SNS::TopicPolicy', (p) =>
      p.Properties.Topics.some((topic: { Ref: string }) => topic.Ref === topicId),
    );
    const statements = topicPolicy.Properties.PolicyDocument.Statement;

    expect(destination.Properties).toEqual({
      ConfigurationSetName: { Ref: configurationSetId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: topicId } },
      },
    });
    expect(resource(template, topicId).Properties.KmsMasterKeyId).toEqual(
      arnOf(idOf(sending, notifications(sending).emailFeedback?.topic.masterKey as never)),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'ses.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceAccount': { Ref: 'AWS::AccountId' },
            'AWS:SourceArn': sesArn('configuration-set', { Ref: configurationSetId }),
          },
        },
      }),
    );
  });

  it('hands each notice to the feedback function, whose failures (and SNS’s) end in a dead-letter queue', () => {
    const { template } = sending;
    const topicId = idOf(sending, notifications(sending).emailFeedback?.topic as never);
    const deadLettersId = idOf(sending, notifications(sending).emailFeedback?.deadLetters as never);
    const [feedbackId] = functionOf(template, feedbackFile);
    const [, subscription] = onlyResource(
      template,
      'AWS::SNS::Subscription',
      (s) => s.Properties.Protocol === 'lambda',
    );
    const [, invokeConfig] = onlyResource(
      template,
      'AWS::Lambda::EventInvokeConfig',
      (config) => config.Properties.FunctionName.Ref === feedbackId,
    );

    expect(subscription.Properties).toMatchObject({
      TopicArn: { Ref: topicId },
      Endpoint: arnOf(feedbackId),
      RedrivePolicy: { deadLetterTargetArn: arnOf(deadLettersId) },
    });
    expect(invokePermissionsOf(template, feedbackId)).toEqual([
      expect.objectContaining({ Principal: 'sns.amazonaws.com', SourceArn: { Ref: topicId } }),
    ]);
    expect(invokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } } },
    });
  });

  it('lets the feedback function write the table (and record its failures), and nothing else', () => {
    const { template } = sending;
    const [, feedback] = functionOf(template, feedbackFile);
    const actions = [...allowedActions(template, feedback)];

    expect(boundEnvironment(feedback)).toEqual(['TABLE_NAME']);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actions.filter((action) => !action.startsWith('dynamodb:')).sort()).toEqual(
      [...everyFunction, 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
  });

  it('tells the notifier the From header, the configuration set and the office address', () => {
    const [, notifier] = functionOf(sending.template, notifyFile);
    const variables = notifier.Properties.Environment.Variables;

    expect(variables).toMatchObject({
      NOTIFY_EMAIL_FROM: from,
      NOTIFY_SES_CONFIGURATION_SET: {
        Ref: idOf(sending, notifications(sending).emailConfigurationSet as never),
      },
      NOTIFY_OFFICE_EMAIL: 'office@example.com',
    });
  });

  it("lets the notifier send e-mail from the sender's address, as this identity through this configuration set alone", () => {
    const { template } = sending;
    const [, notifier] = functionOf(template, notifyFile);
    const identityId = idOf(sending, notifications(sending).emailIdentity as never);
    const configurationSetId = idOf(sending, notifications(sending).emailConfigurationSet as never);

    expect(statementsFor(template, notifier, 'ses:')).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [sesArn('identity', { Ref: identityId }), sesArn('configuration-set', { Ref: configurationSetId })],
        Condition: { StringLike: { 'ses:FromAddress': [address, `*<${address}>`] } },
      },
    ]);
    expect(actionsOfService(template, 'ses:')).toEqual(['ses:SendEmail']);
  });
});

describe('customer notifications by text message (-c smsSenderId)', () => {
  it('requests the sender ID for the UK, and makes a configuration set to send through', () => {
    const { template } = sending;
    const [, senderId] = onlyResource(template, 'AWS::SMSVOICE::SenderId');

    expect(senderId.Properties).toEqual({ SenderId: 'NWHEATING', IsoCountryCode: 'GB' });
    expect(resourcesOf(template, 'AWS::SMSVOICE::ConfigurationSet')).toHaveLength(1);
    // An alphanumeric sender ID takes no replies, so no STOP would ever fill an opt-out list.
    expect(resourcesOf(template, 'AWS::SMSVOICE::OptOutList')).toEqual([]);
  });

  it('tells the notifier the sender ID’s ARN and the configuration set’s name', () => {
    const [, notifier] = functionOf(sending.template, notifyFile);
    const senderIdId = cfnIdOf(sending, notifications(sending).smsSenderId as never);
    const configurationSetId = cfnIdOf(sending, notifications(sending).smsConfigurationSet as never);

    expect(notifier.Properties.Environment.Variables).toMatchObject({
      NOTIFY_SMS_ORIGINATION: arnOf(senderIdId),
      NOTIFY_SMS_CONFIGURATION_SET: { Ref: configurationSetId },
    });
  });

  it('lets the notifier send texts as this sender ID through this configuration set alone', () => {
    const { template } = sending;
    const [, notifier] = functionOf(template, notifyFile);
    const senderIdId = cfnIdOf(sending, notifications(sending).smsSenderId as never);
    const configurationSetId = cfnIdOf(sending, notifications(sending).smsConfigurationSet as never);

    expect(statementsFor(template, notifier, 'sms-voice:')).toEqual([
      {
        Effect: 'Allow',
        Action: 'sms-voice:SendTextMessage',
        Resource: [arnOf(senderIdId), arnOf(configurationSetId)],
      },
    ]);
    expect(actionsOfService(template, 'sms-voice:')).toEqual(['sms-voice:SendTextMessage']);
  });
});

describe('customer notifications with both senders', () => {
  it('give the notifier exactly the table, its prefixes, its queue, SendEmail and SendTextMessage', () => {
    const { template } = sending;
    const [, notifier] = functionOf(template, notifyFile);
    const actions = [...allowedActions(template, notifier)].filter((action) => !action.startsWith('dynamodb:'));

    expect(boundEnvironment(notifier)).toEqual(
      [
        'BUCKET_NAME',
        'NOTIFY_EMAIL_FROM',
        'NOTIFY_OFFICE_EMAIL',
        'NOTIFY_SES_CONFIGURATION_SET',
        'NOTIFY_SMS_CONFIGURATION_SET',
        'NOTIFY_SMS_ORIGINATION',
        'PORTAL_URL',
        'TABLE_NAME',
      ].sort(),
    );
    expect(actions.sort()).toEqual(
      [
        ...everyFunction,
        's3:GetObject',
        's3:PutObject',
        ...consumeQueue,
        'ses:SendEmail',
        'sms-voice:SendTextMessage',
      ].sort(),
    );
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('leave cdk-nag no finding under the notifications, each acknowledgement answering a finding that is there', () => {
    for (const { stack } of [plain, sending]) {
      const findings = nagFindings(stack, { ignoreAcknowledgements: true });
      const ours = nagAcknowledgements(stack).filter((ack) => ack.path.includes('/Notifications/'));

      expect(nagFindings(stack).filter((finding) => finding.path.includes('/Notifications/'))).toEqual([]);
      expect(ours.length).toBeGreaterThan(0);
      for (const ack of ours) {
        const answered = findings.some(
          (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        );
        expect(answered, `${ack.id} at ${ack.path}`).toBe(true);
      }
    }
  });

  it('leave the template free of dependency cycles', () => {
    expect(dependencyCycle(sending.template)).toBeUndefined();
  });

  it('watch both functions with an errors alarm and both dead-letter queues with a not-empty one', () => {
    const alarmNames = resourcesOf(sending.template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties.AlarmName,
    );

    expect(alarmNames).toEqual(
      expect.arrayContaining(
        [
          'errors-notify-notify',
          'errors-notify-ses-feedback',
          'dead-letters-notifications',
          'dead-letters-email-feedback',
        ].map((name) => `${sending.stack.stackName}-${name}`),
      ),
    );
  });

  it("live in the deployment's own stack, which keeps room under CloudFormation's 500 resources", () => {
    const own = Object.keys(Template.fromStack(sending.stack).toJSON().Resources).length;

    expect(notifications(sending).node.scope).toBe(sending.stack);
    expect(own).toBeLessThan(500 * 0.6);
  });
});

describe('the routes of documents and messages', () => {
  it.each([
    'functions/documents/list-documents.ts',
    'functions/documents/invoice-pdf.ts',
    'functions/notify/list-messages.ts',
  ])('%s deploys with the field routes', (handlerFile) => {
    expect(routeStackOf(handlerFile)).toBe('FieldRoutes');
  });
});

/** The Notifications construct alone, in a stack of its own, sending e-mail as `email`. */
function notificationsAlone(email: EmailSender): { template: Template; notifications: Notifications } {
  const { app, cleanup } = testApp();
  cleanups.push(cleanup);
  const stack = new Stack(app, 'Alone');
  const construct = new Notifications(stack, 'Notifications', {
    bus: new EventBus(stack, 'Bus'),
    table: new Table(stack, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    bucket: new Bucket(stack, 'Bucket'),
    portalUrl: 'https://requests.example.com/portal/',
    email,
  });
  return { template: Template.fromStack(stack), notifications: construct };
}

describe('the identity sent as (-c notificationsIdentity)', () => {
  const sender = { from: address, address, domain: 'example.com', officeEmail: undefined };

  it('is the address alone with address: verified by the link SES e-mails it, so no DKIM record to publish', () => {
    const { template } = notificationsAlone({ ...sender, identity: 'address' });
    const [identityId, identity] = onlyResource(template, 'AWS::SES::EmailIdentity');
    const [, notifier] = functionOf(template, notifyFile);

    expect(identity.Properties.EmailIdentity).toBe(address);
    expect(Object.keys(template.toJSON().Outputs ?? {}).filter((key) => key.includes('Dkim'))).toEqual([]);
    expect(statementsFor(template, notifier, 'ses:')[0].Resource[0]).toEqual(sesArn('identity', { Ref: identityId }));
  });

  it('is made by nobody with existing, and the grant names the domain’s identity and the address’s, either of which SES may use', () => {
    const { template, notifications: existing } = notificationsAlone({ ...sender, identity: 'existing' });
    const [, notifier] = functionOf(template, notifyFile);
    const configurationSetId = Stack.of(existing).getLogicalId(
      existing.emailConfigurationSet?.node.defaultChild as CfnElement,
    );

    expect(resourcesOf(template, 'AWS::SES::EmailIdentity')).toEqual([]);
    expect(resourcesOf(template, 'AWS::SES::ConfigurationSet')).toHaveLength(1);
    expect(statementsFor(template, notifier, 'ses:')).toEqual([
      expect.objectContaining({
        Action: 'ses:SendEmail',
        Resource: [
          sesArn('identity', 'example.com'),
          sesArn('identity', address),
          sesArn('configuration-set', { Ref: configurationSetId }),
        ],
      }),
    ]);
  });
});

describe('the senders as context', () => {
  const parsed = (context: AppProps['context']) => {
    const { app, cleanup } = testApp({ context });
    cleanups.push(cleanup);
    return { email: emailSenderOf(app), sms: smsSenderOf(app) };
  };

  it('reads a name and address, the domain lowercase, with its domain verified by default', () => {
    expect(parsed({ notificationsFrom: 'Northwest Heating Ltd. <Notifications@Example.COM>' }).email).toEqual({
      from: 'Northwest Heating Ltd. <Notifications@example.com>',
      address: 'Notifications@example.com',
      domain: 'example.com',
      identity: 'domain',
      officeEmail: undefined,
    });
  });

  it('reads an address alone, the identity and the office address', () => {
    expect(
      parsed({ notificationsFrom: address, notificationsIdentity: 'existing', officeEmail: 'office@example.com' })
        .email,
    ).toEqual({
      from: address,
      address,
      domain: 'example.com',
      identity: 'existing',
      officeEmail: 'office@example.com',
    });
  });

  it('reads a sender ID for the UK by default, or for the country named in any case', () => {
    expect(parsed({ smsSenderId: 'NWHEATING' }).sms).toEqual({ senderId: 'NWHEATING', country: 'GB' });
    expect(parsed({ smsSenderId: 'NWHEATING', smsCountry: 'ie' }).sms).toEqual({
      senderId: 'NWHEATING',
      country: 'IE',
    });
  });

  it('reads nothing when nothing is set', () => {
    expect(parsed({})).toEqual({ email: undefined, sms: undefined });
  });

  /** What synthesizing with this context throws. */
  function synthError(context: AppProps['context']): string {
    const { app, cleanup } = testApp({ context });
    try {
      buildApp(app);
    } catch (error) {
      return (error as Error).message;
    } finally {
      cleanup();
    }
    throw new Error(`Synthesis with ${JSON.stringify(context)} did not fail`);
  }

  it.each([
    [{ notificationsFrom: 'notifications' }, /^Context notificationsFrom must be an e-mail address/],
    [{ notificationsFrom: 'notifications@example' }, /^Context notificationsFrom must be an e-mail address/],
    [
      { notificationsFrom: 'Heating, North <n@example.com>' },
      /^Context notificationsFrom must be .*not "Heating, North/,
    ],
    [{ notificationsFrom: 'Northwest <n*@example.com>' }, /^Context notificationsFrom must be an e-mail address/],
    [{ notificationsFrom: 'Café Heating <n@example.com>' }, /the name in ASCII letters/],
    [{ notificationsFrom: address, notificationsIdentity: 'dkim' }, /^Context notificationsIdentity must be domain/],
    [{ notificationsIdentity: 'address' }, /^Context notificationsIdentity needs notificationsFrom/],
    [{ officeEmail: 'office@example.com' }, /^Context officeEmail needs notificationsFrom/],
    [{ notificationsFrom: address, officeEmail: 'the office' }, /^Context officeEmail must be an e-mail address/],
    [{ smsSenderId: 'NW' }, /^Context smsSenderId must be 3 to 11 capital letters and digits/],
    [{ smsSenderId: 'NORTHWESTHEAT' }, /^Context smsSenderId must be 3 to 11/],
    [{ smsSenderId: '447700900123' }, /^Context smsSenderId must be .*at least one a letter/],
    [{ smsSenderId: 'NWHeating' }, /^Context smsSenderId must be 3 to 11 capital letters/],
    [{ smsSenderId: 'NW HEAT' }, /^Context smsSenderId must be 3 to 11/],
    [{ smsSenderId: 'NWHEATING', smsCountry: 'GBR' }, /^Context smsCountry must be a two-letter ISO country code/],
    [{ smsCountry: 'GB' }, /^Context smsCountry needs smsSenderId/],
  ])('refuses %j', (context, message) => {
    expect(synthError(context)).toMatch(message);
  });
});
