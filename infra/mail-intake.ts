import { ArnFormat, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { type ReceiptRule, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { S3 } from 'aws-cdk-lib/aws-ses-actions';
import { Construct } from 'constructs';
import { inboundMailPrefix, mailAttachmentPrefix } from '#shared/intake/email/rules.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import { Fn, type WorkflowRef } from './lambda.ts';

/** What e-mail intake needs from the rest of the stack. */
export interface MailIntakeProps {
  readonly table: ITable;
  /** The attachments bucket, concrete rather than `IBucket`: the raw mail's expiry is a lifecycle rule on it. */
  readonly bucket: Bucket;
  readonly workflow: WorkflowRef;
  /**
   * Addresses and domains SES receives requests for (`requests@example.com`, `example.com`, `.example.com` for
   * its subdomains). @default every address of every domain verified in SES for the account and region
   */
  readonly recipients?: string[];
}

/**
 * Requests by e-mail: an SES receipt rule (spam and virus scanning, TLS required) stores each raw message in the
 * attachments bucket under `inbound-mail/`, and the bucket's object-created notification for that prefix invokes
 * `functions/intake/receive-email.ts`. SES's own Lambda action would hand the function the headers without the body.
 *
 * Scanning only adds the X-SES-Spam-Verdict and X-SES-Virus-Verdict headers, which the handler reads; a rule that
 * drops flagged mail before it is stored would take a RequestResponse Lambda of its own (CDK's `dropSpam`), for no
 * gain over the handler's check. The rule set is created inactive: CloudFormation cannot activate it
 * (docs/DEPLOY.md, "E-mail intake"). The stack leaves all of this out with `-c mailIntake=false`.
 */
export class MailIntake extends Construct {
  readonly ruleSet: ReceiptRuleSet;
  readonly rule: ReceiptRule;
  readonly fn: Fn;
  /** Events the function still failed on after its retries; the raw message stays in the bucket to be redriven. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: MailIntakeProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Named rather than generated: the bucket policy names the rule by ARN, and SES test-writes to the bucket when
    // the rule is created, so the rule must wait for the policy; a generated name would make the policy wait for it.
    const ruleSetName = `${stack.stackName}-MailIntake`;
    const ruleName = 'StoreRawMessage';
    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: ruleSetName });
    this.rule = this.ruleSet.addRule('StoreRawMessage', {
      receiptRuleName: ruleName,
      recipients: props.recipients,
      scanEnabled: true,
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [new S3({ bucket: props.bucket, objectKeyPrefix: inboundMailPrefix })],
    });
    // CDK's S3 action lets SES put objects under the prefix for any receipt rule of this account (its condition is
    // the source account alone); this makes the rule that stores requests the only one that may write to the bucket.
    const ruleArn = stack.formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${ruleSetName}:receipt-rule/${ruleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    props.bucket.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [props.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 'aws:SourceArn': ruleArn } },
      }),
    );
    // The request and its attachments keep what matters; the raw message is only evidence, and a redrive source.
    props.bucket.addLifecycleRule({ id: 'ExpireRawMail', prefix: inboundMailPrefix, expiration: Duration.days(90) });

    this.fn = new Fn(this, 'ReceiveEmail', {
      handlerFile: 'functions/intake/receive-email.ts',
      // Parsing a message of up to 40 MB with its attachments needs memory, and the CPU that comes with it.
      timeout: Duration.seconds(60),
      memorySize: 1024,
    })
      .bindTable(props.table, 'write')
      // It reads the raw message SES stored and writes the attachments it keeps; nothing else in the bucket.
      .bindBucket(props.bucket, [
        { prefix: inboundMailPrefix, actions: ['s3:GetObject'] },
        { prefix: mailAttachmentPrefix, actions: ['s3:PutObject'] },
      ])
      .bindWorkflow(props.workflow);
    // CDK's bucket notifications handler is one per stack; UploadVerification acknowledges its findings.
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.fn), {
      prefix: inboundMailPrefix,
    });

    // S3 invokes asynchronously: after Lambda's retries, a message the handler could not turn into a request is
    // recorded here (with the error) instead of vanishing.
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the receive-email function',
      description: 'E-mails the intake function failed on after its retries',
    });
    this.deadLetters.receiveAsyncFailuresOf(this.fn, { retryAttempts: 2 });

    new CfnOutput(this, 'RuleSetName', {
      value: this.ruleSet.receiptRuleSetName,
      description: 'Activate once with: aws ses set-active-receipt-rule-set --rule-set-name <this name>',
    });
  }
}
