import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import { CfnSenderId, CfnConfigurationSet as CfnSmsConfigurationSet } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { uploadPrefix } from '#shared/attachments/rules.ts';
import { documentPrefix } from '#shared/documents/prefix.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import type { EmailSender, SmsSender } from './deploy-options.ts';
import { Fn } from './lambda.ts';
import { consume, consumedQueue, feedIntoQueue } from './queues.ts';

/** Rendering a batch of PDFs with their photos takes seconds each; the queue's visibility timeout is six of these. */
export const notifyTimeout = Duration.seconds(60);

/** Receives of a message the notifier fails on before it is moved to the dead-letter queue. */
export const maxReceiveCount = 5;

/**
 * Batches of the queue the notifier works on at once: a mail or SMS outage then fails two batches at a time
 * rather than fanning out to as many instances as the queue has batches (SQS's least is 2).
 */
export const notifyMaxConcurrency = 2;

/** What customer notifications need from the rest of the stack, and how to send them. */
export interface NotificationsProps {
  /** The deployment's event bus, onto which the domain events pipe puts every new change-feed event. */
  readonly bus: IEventBus;
  readonly table: ITable;
  /** The attachments bucket: documents are made under `documents/`, photos and signatures read from `work-orders/`. */
  readonly bucket: IBucket;
  /** The customer web form's address (`Portal.url`, ending in `/portal/`), for the links in messages. */
  readonly portalUrl: string;
  /** Send e-mail through SES as this sender. @default no e-mail: no SES identity, configuration set or grant */
  readonly email?: EmailSender;
  /** Send text messages through End User Messaging SMS as this sender ID. @default no SMS: no resource or grant */
  readonly sms?: SmsSender;
}

/**
 * Customer notifications and documents: every new change-feed event on the bus (but the notifier's own
 * `workorder.message_sent`) is queued for `functions/notify/notify.ts`, which decides what it means to whom, makes
 * the PDF documents (quotes, invoices) under `documents/` of the attachments bucket, and sends e-mail through SES
 * and text messages through End User Messaging SMS, each only when the deployment is given a sender for it.
 *
 * A queue rather than the rule invoking the function: the notifier calls services that can be down (SES, SMS), so
 * it takes events in batches at a concurrency of two, reports the messages it failed on (`batchItemFailures`) to
 * be received again, and after five receives leaves each in the dead-letter queue with the rule's own failures
 * (both are the bus event as JSON, so a redrive to the queue hands either back to the notifier).
 *
 * With e-mail, SES reports each bounce and complaint through the configuration set to an SNS topic, and
 * `functions/notify/ses-feedback.ts` suppresses the address and flags the contact.
 *
 * Each send is granted on this deployment's identity, configuration set and sender ID alone (`ses:SendEmail` from
 * the sender's address only); nothing of SES or SMS is made or granted without its sender.
 */
export class Notifications extends Construct {
  readonly queue: Queue;
  /** Events the notifier failed on five times, or the rule could not queue after its retries. */
  readonly deadLetters: DeadLetterQueue;
  readonly notifier: Fn;
  readonly rule: Rule;
  readonly eventSourceMapping: EventSourceMapping;
  /** The SES identity sent as; undefined without e-mail, or with an existing identity (`notificationsIdentity`). */
  readonly emailIdentity?: EmailIdentity;
  readonly emailConfigurationSet?: ConfigurationSet;
  readonly emailFeedback?: EmailFeedback;
  readonly smsConfigurationSet?: CfnSmsConfigurationSet;
  readonly smsSenderId?: CfnSenderId;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the notifications queue (after five receives) and the rule feeding it',
      description:
        'Feed events the notifier failed on five times, or the rule could not queue (redrive to the notifications queue)',
      redriveTarget: true,
    });
    const consumption = { timeout: notifyTimeout, deadLetters: this.deadLetters, maxReceiveCount };
    this.queue = consumedQueue(this, 'Queue', consumption);
    // A notification an hour late is still worth sending; past that an operator decides (docs/RUNBOOK.md).
    this.rule = feedIntoQueue(this, 'FeedEvents', {
      bus: props.bus,
      queue: this.queue,
      deadLetters: this.deadLetters,
      description: 'Every new change-feed event but the notifier’s own, to the notifications queue',
    });

    this.notifier = new Fn(this, 'Notify', {
      handlerFile: 'functions/notify/notify.ts',
      timeout: notifyTimeout,
      // Rendering PDFs with a job's photos in memory: memory, and the CPU that comes with it.
      memorySize: 1024,
    })
      .bindTable(props.table, 'write')
      .bindBucket(props.bucket, [
        { prefix: documentPrefix, actions: ['s3:GetObject', 's3:PutObject'] },
        { prefix: uploadPrefix, actions: ['s3:GetObject'] },
      ]);
    this.notifier.addEnvironment('PORTAL_URL', props.portalUrl);
    this.eventSourceMapping = consume(this.notifier, this.queue, {
      id: 'Queue',
      maxConcurrency: notifyMaxConcurrency,
      maxReceiveCount,
    });

    if (props.email) {
      const email = this.sendEmailAs(props.email, props.table);
      this.emailIdentity = email.identity;
      this.emailConfigurationSet = email.configurationSet;
      this.emailFeedback = email.feedback;
    }
    if (props.sms) {
      const sms = this.sendSmsAs(props.sms);
      this.smsSenderId = sms.senderId;
      this.smsConfigurationSet = sms.configurationSet;
    }
  }

  /**
   * The SES side: the identity (or the existing one), a configuration set whose bounces and complaints reach the
   * feedback function, and the notifier's grant to send from the sender's address through both, with the variables
   * shared/config.ts reads.
   */
  private sendEmailAs(
    email: EmailSender,
    table: ITable,
  ): { identity?: EmailIdentity; configurationSet: ConfigurationSet; feedback: EmailFeedback } {
    const stack = Stack.of(this);
    const configurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
    });
    const identityArn = (name: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    const identity =
      email.identity === 'existing'
        ? undefined
        : new EmailIdentity(this, 'EmailIdentity', {
            identity: email.identity === 'domain' ? Identity.domain(email.domain) : Identity.email(email.address),
            // Every message sent as the identity goes through the configuration set, even one that names none.
            configurationSet,
          });
    // An existing identity may be either: SES sends as the address's identity when there is one, else the domain's.
    const identityArns = identity
      ? [identity.emailIdentityArn]
      : [identityArn(email.domain), identityArn(email.address)];
    if (identity && email.identity === 'domain') this.outputDkimRecords(identity, email.domain);

    const feedback = new EmailFeedback(this, 'EmailFeedback', { table });
    configurationSet.addEventDestination('Feedback', {
      destination: EventDestination.snsTopic(feedback.topic),
      // What the feedback function acts on; a delivery delay resolves itself or ends as a bounce.
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    const configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: configurationSet.configurationSetName,
    });
    this.notifier.addToRolePolicy(
      new PolicyStatement({
        // SES v2's SendEmail, simple or raw content, attachments included, is this one action.
        actions: ['ses:SendEmail'],
        resources: [...identityArns, configurationSetArn],
        // From the sender's address alone, bare or after a display name, though the identity be its whole domain.
        conditions: { StringLike: { 'ses:FromAddress': [email.address, `*<${email.address}>`] } },
      }),
    );
    this.notifier.addEnvironment('NOTIFY_EMAIL_FROM', email.from);
    this.notifier.addEnvironment('NOTIFY_SES_CONFIGURATION_SET', configurationSet.configurationSetName);
    if (email.officeEmail) this.notifier.addEnvironment('NOTIFY_OFFICE_EMAIL', email.officeEmail);
    return { identity, configurationSet, feedback };
  }

  /** Easy DKIM's three CNAME records, which verify the domain and sign every message (docs/DEPLOY.md). */
  private outputDkimRecords(identity: EmailIdentity, domain: string): void {
    identity.dkimRecords.forEach((record, index) => {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        value: `${record.name} CNAME ${record.value}`,
        description: `Publish in the DNS of ${domain}: verifies it for SES and signs its messages (DKIM)`,
      });
    });
  }

  /**
   * The SMS side: a sender ID for the country, a configuration set to send through, and the notifier's grant to
   * send text messages as that sender ID through that set, with the variables shared/config.ts reads.
   *
   * No opt-out list: an alphanumeric sender ID cannot receive a reply, so no STOP ever reaches one to add to it;
   * a customer who wants no more texts tells the office.
   */
  private sendSmsAs(sms: SmsSender): { senderId: CfnSenderId; configurationSet: CfnSmsConfigurationSet } {
    const senderId = new CfnSenderId(this, 'SmsSenderId', { senderId: sms.senderId, isoCountryCode: sms.country });
    const configurationSet = new CfnSmsConfigurationSet(this, 'SmsConfigurationSet', {});
    this.notifier.addToRolePolicy(
      new PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [senderId.attrArn, configurationSet.attrArn],
      }),
    );
    this.notifier.addEnvironment('NOTIFY_SMS_ORIGINATION', senderId.attrArn);
    // A configuration set's Ref is its name.
    this.notifier.addEnvironment('NOTIFY_SMS_CONFIGURATION_SET', configurationSet.ref);
    return { senderId, configurationSet };
  }
}

/**
 * Bounces and complaints: the SES configuration set publishes each to a topic of their own, to which
 * `functions/notify/ses-feedback.ts` is subscribed. SNS retries its delivery, Lambda the function's run; what both
 * still fail on is recorded in the dead-letter queue.
 */
export class EmailFeedback extends Construct {
  readonly topic: Topic;
  readonly fn: Fn;
  /** Notices SNS could not deliver to the function, or the function failed on after its retries. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: { table: ITable }) {
    super(scope, id);
    // SES cannot publish to a topic encrypted with the AWS-managed key (its policy is AWS's, and names no SES): a
    // key of our own lets SES use it, as Monitoring's does for CloudWatch. A dollar a month, with e-mail only. Who
    // may publish is the topic policy's to say: the event destination lets this configuration set alone.
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the SES bounce and complaint topic; SES may use it to publish.',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true });

    this.fn = new Fn(this, 'Handle', { handlerFile: 'functions/notify/ses-feedback.ts' }).bindTable(
      props.table,
      'write',
    );
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the SES feedback subscription and its function',
      description: 'Bounce and complaint notices the feedback function could not be handed, or failed on',
    });
    this.deadLetters.receiveAsyncFailuresOf(this.fn, { retryAttempts: 2 });
    this.topic.addSubscription(new LambdaSubscription(this.fn, { deadLetterQueue: this.deadLetters }));
  }
}
