import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AppSyncAuthorizationType, type CfnApi, type ChannelNamespace, EventApi } from 'aws-cdk-lib/aws-appsync';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { liveChannel, liveNamespace } from '#shared/live/channel.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import { eventSource } from './events.ts';
import { Fn, rootStackOf } from './lambda.ts';

/** What the live channel needs from the rest of the stack. */
export interface LiveUpdatesProps {
  /** The deployment's event bus, onto which the domain events pipe puts every new change-feed event. */
  readonly bus: IEventBus;
  /** The user pool whose ID tokens may connect. */
  readonly userPool: IUserPool;
  /** The app clients whose ID tokens may connect, comma-separated: those the HTTP API accepts (`Api.acceptedClientIds`). */
  readonly clientIds: string;
}

/** How long a feed event is worth pushing: past this the console has caught up from `GET /v1/events` anyway. */
const liveFor = Duration.minutes(15);

/**
 * The office console's push channel: every new change-feed event reaches every connected office client within about
 * a second, as the item `GET /v1/events` lists (shared/live/channel.ts says what a client may rely on). Locally the
 * console reads `GET /v1/events/stream` instead.
 *
 * An AppSync Event API rather than an API Gateway WebSocket API. With a WebSocket API the deployment would keep the
 * connections itself (an entity with a TTL, `$connect` and `$disconnect` functions writing the table), post to each
 * connection from the fan-out and sweep those that answer 410, and have clients ping within the 10-minute idle
 * timeout and reconnect every 2 hours. AppSync keeps the connections, fans out to subscribers and keeps them alive;
 * what is ours is an authorizer and a publisher of a few lines each, neither of which may touch the table: the
 * publisher may publish to this one namespace and nothing else, the authorizer may do nothing at all.
 *
 * - **Who may connect and subscribe**: `functions/live/authorize.ts`, AppSync's Lambda authorizer, lets in a valid
 *   ID token of the deployment's user pool, issued to a client the HTTP API accepts, whose role is an office one;
 *   the token of an office user without an authenticator app carries no role and is refused, as the API refuses it.
 *   Cognito user pool authorization would check the token but not the role.
 * - **Fan-out from the change stream**: the domain events pipe already puts every new feed event from the table's
 *   stream onto the bus (infra/events.ts); a rule on the bus hands each to `functions/live/publish.ts`, which
 *   publishes it over the API's HTTP endpoint, signed with IAM. Only IAM may publish to the namespace, and only the
 *   publisher's role may.
 * - **How a client connects**: a WebSocket to `url` (`wss://<realtime domain>/event/realtime`) with the subprotocols
 *   `aws-appsync-event-ws` and `header-<base64url of {"host": <host>, "Authorization": <ID token>}>`, then
 *   `{"type":"subscribe","id":<uuid>,"channel":"/office/feed","authorization":{"host":<host>,"Authorization":<ID token>}}`;
 *   each event arrives as `{"type":"data","id":<uuid>,"event":"<the feed item as JSON>"}`, and AppSync sends `ka`
 *   keep-alives. A browser cannot set headers on a WebSocket, so the token travels in the subprotocol.
 *
 * Nothing is dropped on its edge: the rule and the function each retry, then record what they still failed on in the
 * dead-letter queue (`LiveUpdatesDeadLetterQueueUrl`); the event itself stays in the feed.
 */
export class LiveUpdates extends Construct {
  readonly eventApi: EventApi;
  readonly namespace: ChannelNamespace;
  readonly authorizer: Fn;
  readonly publisher: Fn;
  readonly rule: Rule;
  /** Feed events the rule could not hand to the publisher, or the publisher could not publish, after retries. */
  readonly deadLetters: DeadLetterQueue;
  /** Where the console opens its WebSocket: `wss://<the API's realtime domain>/event/realtime`. */
  readonly url: string;
  /** The API's HTTP domain, which a client names as `host` beside its token. */
  readonly host: string;
  /** The channel the console subscribes to. */
  readonly channel = liveChannel;

  constructor(scope: Construct, id: string, props: LiveUpdatesProps) {
    super(scope, id);

    this.authorizer = new Fn(this, 'Authorize', {
      handlerFile: 'functions/live/authorize.ts',
      // AppSync waits 10 s for an authorizer; a token check takes milliseconds once the pool's keys are fetched.
      timeout: Duration.seconds(5),
    })
      .bindUserPoolTokens(props.userPool, props.clientIds)
      .invokedSynchronously(
        'AppSync calls it before each connection and subscription and refuses the client on its error',
      );

    this.eventApi = new EventApi(this, 'Api', {
      apiName: `${rootStackOf(this).stackName}-live`,
      authorizationConfig: {
        authProviders: [
          {
            authorizationType: AppSyncAuthorizationType.LAMBDA,
            lambdaAuthorizerConfig: {
              handler: this.authorizer,
              // The authorizer keeps a yes no longer than the token lives (`ttlOverride`); this is for a no.
              resultsCacheTtl: Duration.minutes(5),
              // Only what looks like a JWT reaches the function: junk is refused without invoking it.
              validationRegex: '^(Bearer )?[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
            },
          },
          { authorizationType: AppSyncAuthorizationType.IAM },
        ],
        // Office clients connect and subscribe with their ID token; publishing takes an IAM signature.
        connectionAuthModeTypes: [AppSyncAuthorizationType.LAMBDA],
        defaultSubscribeAuthModeTypes: [AppSyncAuthorizationType.LAMBDA],
        defaultPublishAuthModeTypes: [AppSyncAuthorizationType.IAM],
      },
    });
    this.namespace = this.eventApi.addChannelNamespace('Office', {
      channelNamespaceName: liveNamespace,
      authorizationConfig: {
        subscribeAuthModeTypes: [AppSyncAuthorizationType.LAMBDA],
        publishAuthModeTypes: [AppSyncAuthorizationType.IAM],
      },
    });
    this.logErrors();

    this.publisher = new Fn(this, 'Publish', { handlerFile: 'functions/live/publish.ts' }).bindEventPublish(
      this.eventApi,
      this.namespace,
    );
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the live channel rule and its publisher',
      description: 'Feed events the live channel could not hand on or publish after its retries (still in the feed)',
    });
    // Both hops retry, then record: the rule's delivery to Lambda, and the publisher's run in Lambda's event queue.
    this.deadLetters.receiveAsyncFailuresOf(this.publisher, { retryAttempts: 2, maxEventAge: liveFor });
    this.rule = new Rule(this, 'FeedEvents', {
      eventBus: props.bus,
      description: 'Every new change-feed event, to the office live channel',
      eventPattern: { source: [eventSource] },
      targets: [
        new LambdaFunction(this.publisher, {
          retryAttempts: 3,
          maxEventAge: liveFor,
          deadLetterQueue: this.deadLetters,
        }),
      ],
    });

    this.url = `wss://${this.eventApi.realtimeDns}/event/realtime`;
    this.host = this.eventApi.httpDns;
    new CfnOutput(this, 'Url', {
      value: this.url,
      description: `The office live channel: subscribe to ${liveChannel} with an office ID token`,
    });
    new CfnOutput(this, 'Host', {
      value: this.host,
      description: 'The live channel’s HTTP domain, named as host beside the token',
    });
  }

  /**
   * AppSync's own errors (an authorizer that failed, an event it could not deliver) in a log group with retention.
   * CDK's `logConfig` would keep AppSync's log group through a custom resource with an AWS-managed policy and a role
   * with another; a log group of the name AppSync writes to, and a role that may write to it alone, do the same.
   */
  private logErrors(): void {
    const logGroup = new LogGroup(this, 'ApiLogs', {
      logGroupName: `/aws/appsync/apis/${this.eventApi.apiId}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'ApiLogsRole', { assumedBy: new ServicePrincipal('appsync.amazonaws.com') });
    new Policy(this, 'WriteApiLogs', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    (this.eventApi.node.defaultChild as CfnApi).addPropertyOverride('EventConfig.LogConfig', {
      CloudWatchLogsRoleArn: role.roleArn,
      LogLevel: 'ERROR',
    });
  }
}
