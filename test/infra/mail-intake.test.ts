import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import type { MailIntake } from '#infra/mail-intake.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps, testApp } from './synth.ts';
import {
  allowedActions,
  boundEnvironment,
  type CfnResource,
  functionOf,
  invokePermissionsOf,
  isSpecificReason,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  onlyResource,
  resource,
  resourcesOf,
  roleStatements,
} from './template.ts';

const receiveEmail = 'functions/intake/receive-email.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

const logicalId = (construct: IConstruct) => logicalIdOf(stack, construct);
const only = (type: string) => onlyResource(template, type);

const receiveEmailFn = () => functionOf(template, receiveEmail);

/** The stack's e-mail intake, which the default deployment has. */
function mailIntake(): MailIntake {
  if (!stack.mailIntake) throw new Error('The stack has no e-mail intake');
  return stack.mailIntake;
}

/** The attachments bucket's policy. */
function bucketPolicy(): [string, CfnResource] {
  const bucketId = logicalId(stack.storage.bucket);
  const policy = resourcesOf(template, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId);
  if (!policy) throw new Error('No policy on the attachments bucket');
  return policy;
}

/** The attachments bucket's policy statements, as `any`: policy JSON. */
function bucketStatements(): any[] {
  return bucketPolicy()[1].Properties.PolicyDocument.Statement;
}

describe('the receipt rule', () => {
  it('scans for spam and viruses, requires TLS and stores each raw message under inbound-mail/', () => {
    const [ruleSetId] = only('AWS::SES::ReceiptRuleSet');
    const [, rule] = only('AWS::SES::ReceiptRule');

    expect(rule.Properties.RuleSetName).toEqual({ Ref: ruleSetId });
    expect(rule.Properties.Rule).toMatchObject({
      Enabled: true,
      ScanEnabled: true,
      TlsPolicy: 'Require',
      Actions: [
        { S3Action: { BucketName: { Ref: logicalId(stack.storage.bucket) }, ObjectKeyPrefix: 'inbound-mail/' } },
      ],
    });
  });

  it('is created only once the bucket policy lets SES write, since SES test-writes when the rule is created', () => {
    const [, rule] = only('AWS::SES::ReceiptRule');
    const [policyId] = bucketPolicy();

    expect(rule.DependsOn).toContain(policyId);
  });

  it('receives for every domain verified in SES when no recipients are configured', () => {
    const [, rule] = only('AWS::SES::ReceiptRule');

    expect(rule.Properties.Rule.Recipients).toBeUndefined();
  });

  it('receives for the addresses and domains of the intakeRecipients context value', () => {
    const configured = testApp({ context: { intakeRecipients: 'requests@example.com, example.com' } });
    try {
      const { stack: other } = buildApp(configured.app);
      const [[, rule] = []] = resourcesOf(Template.fromStack(other), 'AWS::SES::ReceiptRule');

      expect(rule?.Properties.Rule.Recipients).toEqual(['requests@example.com', 'example.com']);
    } finally {
      configured.cleanup();
    }
  });

  it('outputs the rule set name to activate and the dead-letter queue URL', () => {
    const [ruleSetId] = only('AWS::SES::ReceiptRuleSet');
    const queueId = logicalId(mailIntake().deadLetters);
    const values = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(values).toContainEqual({ Ref: ruleSetId });
    expect(values).toContainEqual({ Ref: queueId });
  });
});

describe('the attachments bucket, as the raw mail store', () => {
  it('lets SES put objects only under inbound-mail/, for this account, and for this one rule', () => {
    const [, ruleSet] = only('AWS::SES::ReceiptRuleSet');
    const [, rule] = only('AWS::SES::ReceiptRule');
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.storage.bucket), 'Arn'] };
    const ses = bucketStatements().filter((s) => s.Principal?.Service === 'ses.amazonaws.com');
    const ruleArn = `:receipt-rule-set/${ruleSet.Properties.RuleSetName}:receipt-rule/${rule.Properties.Rule.Name}"`;

    expect(ses).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [bucketArn, '/inbound-mail/*']] },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
      {
        Effect: 'Deny',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
        Condition: { StringNotEquals: { 'aws:SourceArn': expect.anything() } },
      },
    ]);
    expect(JSON.stringify(ses[1].Condition)).toContain(ruleArn);
  });

  it('allows nobody but SES in its policy; everyone else is granted by role', () => {
    const allows = bucketStatements().filter((s) => s.Effect === 'Allow');

    expect(allows.map((s) => s.Principal)).toEqual([{ Service: 'ses.amazonaws.com' }]);
  });

  it('stays private, versioned, encrypted with S3-managed keys (which SES can write with) and TLS-only', () => {
    const bucket = resource(template, logicalId(stack.storage.bucket));

    expect(bucket.Properties).toMatchObject({
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
    });
    expect(bucketStatements()).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('expires raw mail after 90 days, and nothing outside inbound-mail/', () => {
    const bucket = resource(template, logicalId(stack.storage.bucket));
    const expiring = bucket.Properties.LifecycleConfiguration.Rules.filter(
      (rule: { ExpirationInDays?: number }) => rule.ExpirationInDays !== undefined,
    );

    expect(expiring).toEqual([expect.objectContaining({ Prefix: 'inbound-mail/', ExpirationInDays: 90 })]);
  });
});

describe('the receive-email function', () => {
  it('runs on every object created under inbound-mail/ in the attachments bucket', () => {
    const [fnId] = receiveEmailFn();
    const bucketId = logicalId(stack.storage.bucket);
    const configs = resourcesOf(template, 'Custom::S3BucketNotifications')
      .filter(([, n]) => n.Properties.BucketName.Ref === bucketId)
      .flatMap(([, n]) => n.Properties.NotificationConfiguration.LambdaFunctionConfigurations)
      .filter((config) => config.LambdaFunctionArn['Fn::GetAtt'][0] === fnId);

    expect(configs).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound-mail/' }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [fnId, 'Arn'] },
      },
    ]);
  });

  it('may be invoked by S3 for the attachments bucket alone', () => {
    const [fnId] = receiveEmailFn();
    const permissions = invokePermissionsOf(template, fnId);

    expect(permissions).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack.storage.bucket), 'Arn'] },
      }),
    ]);
  });

  it('writes the table, reads raw mail, stores attachments and starts work orders, with a minute and 1 GB', () => {
    const [, fn] = receiveEmailFn();
    const actions = allowedActions(template, fn);

    expect(fn.Properties).toMatchObject({ Timeout: 60, MemorySize: 1024 });
    expect(boundEnvironment(fn)).toEqual(['BUCKET_NAME', 'STATE_MACHINE_ARN', 'TABLE_NAME']);
    expect([...actions]).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 's3:GetObject', 's3:PutObject', 'states:StartExecution']),
    );
  });

  it('retries a failed message twice, then records it in its dead-letter queue, the only queue it may write', () => {
    const [fnId, fn] = receiveEmailFn();
    const queueId = logicalId(mailIntake().deadLetters);
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, config]) => config.Properties)
      .filter((config) => config.FunctionName.Ref === fnId);
    const sqs = roleStatements(template, fn.Properties.Role).filter((s) =>
      [s.Action].flat().some((action: string) => action.startsWith('sqs:')),
    );

    expect(configs).toEqual([
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      }),
    ]);
    expect(sqs.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    expect(sqs[0]?.Action).toContain('sqs:SendMessage');
  });

  it('keeps its dead letters encrypted, for 14 days, reachable only over TLS', () => {
    const queueId = logicalId(mailIntake().deadLetters);
    const [, policy] =
      resourcesOf(template, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues[0].Ref === queueId) ?? [];

    expect(resource(template, queueId).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('the AWS Solutions checks on e-mail intake', () => {
  it('report no unacknowledged finding', () => {
    expect(nagFindings(mailIntake())).toEqual([]);
  });

  it('are acknowledged with a specific reason, only where the finding really is', () => {
    const findings = nagFindings(mailIntake(), { ignoreAcknowledgements: true });
    const acknowledgements = nagAcknowledgements(mailIntake());

    expect(acknowledgements.map((ack) => ack.id)).toContain('AwsSolutions-SQS3');
    for (const ack of acknowledgements) {
      const answered = findings.some(
        (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(isSpecificReason(ack.reason), `${ack.id}: ${ack.reason}`).toBe(true);
      expect(answered, `${ack.id} at ${ack.path}`).toBe(true);
    }
  });
});
