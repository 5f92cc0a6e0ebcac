import { Aspects, CfnResource, type IAspect, NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import { Api } from './api.ts';
import { UploadVerification } from './attachments.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import type { CustomDomain, EmailSender, SmsSender, TravelSource } from './deploy-options.ts';
import { DomainEvents } from './events.ts';
import { Fn } from './lambda.ts';
import { LiveUpdates } from './live.ts';
import { MailIntake } from './mail-intake.ts';
import { Monitoring } from './monitoring.ts';
import { Notifications } from './notifications.ts';
import { PlannedMaintenance } from './planned-maintenance.ts';
import { Portal } from './portal.ts';
import { Reconciler } from './reconciler.ts';
import { type ExistingTable, Storage } from './storage.ts';
import { Webhooks } from './webhooks.ts';
import { Workflow } from './workflow.ts';

/** Deployment options for a business's own instance. */
export interface FieldOpsStackProps extends StackProps {
  /**
   * Origins whose pages may call the API (CORS): the office's web apps, and the origin the customer web form and
   * the engineer's app share if they should still work. @default that shared origin alone
   */
  readonly corsOrigins?: string[];
  /** Log the state machine's execution data (task tokens, customers' details): for debugging only. @default false */
  readonly logExecutionData?: boolean;
  /** Reserve concurrency for the expensive routes' functions; off for accounts whose quota is 10. @default true */
  readonly reserveConcurrency?: boolean;
  /**
   * Addresses and domains SES receives e-mailed requests for (`requests@example.com`, `example.com`).
   * @default every address of every domain verified in SES for the account and region
   */
  readonly intakeRecipients?: string[];
  /**
   * Receive requests by e-mail through SES. Off where SES cannot receive mail (only some regions can), or for a
   * second stage in a region whose one active rule set is the first stage's. @default true
   */
  readonly mailIntake?: boolean;
  /** Serve the API on a domain of the business's own, with a regional ACM certificate. @default execute-api's name */
  readonly apiDomain?: CustomDomain;
  /**
   * Serve the customer web form and the engineer's app on a domain of the business's own, with an ACM certificate
   * in us-east-1; the API's CORS then allows that origin by default. @default the distribution's cloudfront.net name
   */
  readonly portalDomain?: CustomDomain;
  /** Use this table (restored from point-in-time recovery) instead of making a new one. @default a new table */
  readonly existingTable?: ExistingTable;
  /** Where alarms are e-mailed (`-c alarmEmail=ops@example.com`). @default nobody: subscribe to the alarms topic */
  readonly alarmEmail?: string;
  /**
   * E-mail customers (and the office) through SES as this sender (`-c notificationsFrom=...`, `notificationsIdentity`,
   * `officeEmail`). @default no e-mail is sent: no SES identity, configuration set or permission
   */
  readonly emailSender?: EmailSender;
  /**
   * Text customers through End User Messaging SMS as this sender ID (`-c smsSenderId=...`, `smsCountry`).
   * @default no text is sent: no sender ID, configuration set or permission
   */
  readonly smsSender?: SmsSender;
  /**
   * Where the planners' travel times come from (`-c travel=amazon-location`): Amazon Location's route matrix, for
   * every function, since re-timing a day follows each change whichever handler makes it.
   * @default `estimate`: straight-line distance with a road factor, no permission and no variable
   */
  readonly travel?: TravelSource;
}

/**
 * One business's whole deployment: storage, the work order workflow and its reconciler, the HTTP API, uploads,
 * e-mail intake, domain events, the office's live channel, the customer web form and the engineer's app, and the
 * customer notifications and documents.
 */
export class FieldOpsStack extends Stack {
  readonly storage: Storage;
  readonly workflow: Workflow;
  readonly api: Api;
  readonly uploadVerification: UploadVerification;
  readonly events: DomainEvents;
  /** The office console's push channel, fed by the same change stream as the bus. */
  readonly live: LiveUpdates;
  readonly plannedMaintenance: PlannedMaintenance;
  readonly reconciler: Reconciler;
  readonly portal: Portal;
  readonly notifications: Notifications;
  /** Outgoing webhooks: the business's own subscriptions to the change feed, signed and retried for a day. */
  readonly webhooks: Webhooks;
  /** Undefined when the stack is deployed without e-mail intake (`mailIntake: false`). */
  readonly mailIntake?: MailIntake;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: FieldOpsStackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage', { existingTable: props.existingTable });
    this.workflow = new Workflow(this, 'Workflow', {
      table: this.storage.table,
      logExecutionData: props.logExecutionData,
    });
    this.api = new Api(this, 'Api', {
      table: this.storage.table,
      workflow: this.workflow.ref,
      bucket: this.storage.bucket,
      reserveConcurrency: props.reserveConcurrency,
      domain: props.apiDomain,
    });
    this.uploadVerification = new UploadVerification(this, 'UploadVerification', {
      table: this.storage.table,
      bucket: this.storage.bucket,
    });
    this.events = new DomainEvents(this, 'Events', { table: this.storage.table });
    this.live = new LiveUpdates(this, 'LiveUpdates', {
      bus: this.events.bus,
      userPool: this.api.userPool,
      // Read at synthesis: the web form's and the engineer's app's clients, accepted below, are among them.
      clientIds: this.api.acceptedClientIds,
    });
    this.plannedMaintenance = new PlannedMaintenance(this, 'PlannedMaintenance', {
      table: this.storage.table,
      workflow: this.workflow.ref,
    });
    this.reconciler = new Reconciler(this, 'Reconciler', {
      table: this.storage.table,
      workflow: this.workflow.ref,
    });
    this.portal = new Portal(this, 'Portal', {
      api: this.api,
      accessLogs: this.storage.accessLogs,
      attachments: this.storage.bucket,
      live: this.live,
      domain: props.portalDomain,
    });
    this.api.allowOrigins(props.corsOrigins ?? [this.portal.origin]);
    // In this stack rather than a nested one: 10 resources, 27 with e-mail and SMS, which it has room for (181 of
    // 500 then), and its dead-letter queue URLs and DKIM records stay outputs of the stack (a nested one's are not).
    this.notifications = new Notifications(this, 'Notifications', {
      bus: this.events.bus,
      table: this.storage.table,
      bucket: this.storage.bucket,
      portalUrl: this.portal.url,
      email: props.emailSender,
      sms: props.smsSender,
    });
    this.webhooks = new Webhooks(this, 'Webhooks', { bus: this.events.bus, table: this.storage.table });
    if (props.mailIntake !== false)
      this.mailIntake = new MailIntake(this, 'MailIntake', {
        table: this.storage.table,
        bucket: this.storage.bucket,
        workflow: this.workflow.ref,
        recipients: props.intakeRecipients,
      });
    if (props.travel === 'amazon-location')
      for (const construct of this.node.findAll()) if (construct instanceof Fn) construct.bindRouteMatrix();
    // Last, so that every function and dead-letter queue of the deployment is found and watched.
    this.monitoring = new Monitoring(
      new NestedStack(this, 'Monitoring', { description: 'Alarms, their topic and the dashboard' }),
      'Monitoring',
      {
        functions: this.node
          .findAll()
          .filter(
            (construct): construct is Fn => construct instanceof Fn && !this.api.routeFunctions.includes(construct),
          ),
        routeFunctions: this.api.routeFunctions,
        deadLetterQueues: this.node.findAll().filter((construct) => construct instanceof DeadLetterQueue),
        stateMachine: this.workflow.stateMachine,
        httpApi: this.api.httpApi,
        table: this.storage.table,
        alarmEmail: props.alarmEmail,
      },
    );
    Aspects.of(this).add(new JsonLogs());
  }
}

/**
 * Has the functions CDK brings (its custom resources' handlers) log JSON too, as `Fn` does, so every log group
 * of the deployment reads alike in Logs Insights.
 */
class JsonLogs implements IAspect {
  visit(node: IConstruct): void {
    if (node.node.scope instanceof Fn) return;
    // A plain CfnResource of the function's type too: the bucket notifications handler is one.
    if (node instanceof CfnResource && node.cfnResourceType === CfnFunction.CFN_RESOURCE_TYPE_NAME)
      node.addPropertyOverride('LoggingConfig.LogFormat', 'JSON');
  }
}
