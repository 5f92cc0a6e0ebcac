import { CfnOutput, Duration, Lazy, NestedStack, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  ClientAttributes,
  type IUserPoolClient,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CustomDomain } from './deploy-options.ts';
import { Fn, type WorkflowRef } from './lambda.ts';
import { OfficeMfa } from './office-mfa.ts';
import { type BucketAccess, type Need, type Route, routes } from './routes.ts';

/** What the HTTP API needs from the rest of the stack. */
export interface ApiProps {
  readonly table: ITable;
  readonly workflow: WorkflowRef;
  /** Photos, signatures and e-mail attachments: the routes that name a prefix of it presign uploads and downloads. */
  readonly bucket: IBucket;
  /**
   * Reserve concurrency for the functions of `expensiveRoutes`. An account whose Lambda concurrency quota is still
   * the new-account 10 can reserve none, and must deploy with this off. @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * A domain of the business's own for the API (`api.example.com`), with an ACM certificate of the stack's region:
   * the API answers there too, and that is the URL the stack hands out. @default execute-api's name only
   */
  readonly domain?: CustomDomain;
}

/** A route's own throttle on the API stage, and the concurrency reserved for the function serving it. */
export interface RouteLimits {
  /** Requests a second, on average, across every caller. */
  readonly rateLimit: number;
  /** Requests at once above the rate, across every caller. */
  readonly burstLimit: number;
  readonly reservedConcurrency: number;
}

/**
 * Routes that cost far more than the rest, by route key: each has its own throttle below the stage's, and its
 * function reserved concurrency, so a burst of them can neither run up the bill nor take the account's
 * concurrency from every other function. List routes are not among them: a page is at most 200 items, one query.
 */
export const expensiveRoutes: Record<string, RouteLimits> = {
  // The optimiser solves for up to 5 s of CPU a call; an office runs it a few times a day.
  'POST /v1/schedule/optimise': { rateLimit: 1, burstLimit: 5, reservedConcurrency: 5 },
  // A KPI report reads every work order of its window, up to a year of them.
  'GET /v1/reports/kpis': { rateLimit: 2, burstLimit: 5, reservedConcurrency: 5 },
};

/**
 * The HTTP API: every deployed row of infra/routes.ts becomes a route on one Lambda per handler file, granted
 * exactly what the file's routes declare in `needs`, behind a Cognito JWT authorizer unless the row says
 * `auth: false`. Office roles must sign in with an authenticator app (OfficeMfa). CORS allows only the origins
 * the stack names (`allowOrigins`).
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  /** Base URL of the API (its default stage, on the custom domain when there is one), ending in `/`. */
  readonly url: string;
  /** The custom domain's name, when the API has one (`api.example.com`). */
  readonly domainName?: string;
  /** Refuses office roles to users who sign in without an authenticator app. */
  readonly officeMfa: OfficeMfa;
  /** The key list cursors are sealed with (shared/http/cursor.ts), made by CloudFormation and never in a template. */
  readonly cursorKey: Secret;
  /** The nested stacks holding the route functions, one per area of `routeStacks`. */
  readonly routeStacks: NestedStack[];
  /** The functions that serve its routes: an error of theirs is a 5xx answer, which the API's alarm watches. */
  readonly routeFunctions: Fn[] = [];
  /**
   * The app clients whose ID tokens the authorizer accepts, comma-separated, read at synthesis (so a client accepted
   * after this constructor counts): the live channel accepts the same (infra/live.ts).
   */
  readonly acceptedClientIds: string;
  /** The app clients whose ID tokens the authorizer accepts. */
  private readonly audiences: string[] = [];
  /** The origins CORS allows. */
  private readonly corsOrigins: string[] = [];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'Users', {
      // The office invites customers and engineers; nobody gives themselves an account (or a role).
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      customAttributes: {
        role: new StringAttribute({ mutable: true }),
        customerId: new StringAttribute({ mutable: true }),
        engineerId: new StringAttribute({ mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.officeMfa = new OfficeMfa(this, 'OfficeMfa', { userPool: this.userPool });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is required of office roles by the pre token generation trigger (OfficeMfa); forcing it on customers ' +
          'who only log requests would turn them away.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus plan (threat protection) is billed per active user; the product must cost nothing idle.',
      },
    );
    this.userPoolClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      // Apps sign in with SRP; hosted sign-in (OAuth) is the web form's own client (infra/portal.ts).
      disableOAuth: true,
      preventUserExistenceErrors: true,
      // The custom attributes are authorisation data: users may read them but only administrators set them.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true, phoneNumber: true }),
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      // Named after the stage's stack, so that two stages in one account read apart in the console.
      apiName: Stack.of(this).stackName,
      createDefaultStage: false,
      corsPreflight: {
        // Read at synthesis, so the web form's origin (known only once the Portal exists) can be added.
        allowOrigins: Lazy.list({ produce: () => this.corsOrigins }),
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
        exposeHeaders: ['etag', 'location', 'retry-after'],
        maxAge: Duration.hours(1),
      },
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: { burstLimit: 200, rateLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    // A map of free-form JSON to CDK, so written with CloudFormation's own names.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(expensiveRoutes).map(([key, limits]) => [
        key,
        { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
      ]),
    );

    this.cursorKey = new Secret(this, 'CursorKey', {
      description: 'Seals the cursors of list answers; only the list functions read it.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.cursorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key seals list cursors, which live for a page of scrolling: rotating it only turns the cursors in flight into 400s. It opens no other system.',
    });

    this.url = stage.url;
    if (props.domain) {
      const domainName = new DomainName(this, 'Domain', {
        domainName: props.domain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      new ApiMapping(this, 'DomainMapping', { api: this.httpApi, domainName, stage });
      this.domainName = props.domain.domainName;
      this.url = `https://${props.domain.domainName}/`;
      // No Route 53 record: the business's DNS may be anywhere, so it points its own record here (docs/DEPLOY.md).
      new CfnOutput(this, 'DomainTarget', {
        value: domainName.regionalDomainName,
        description: `Point a CNAME record (or an alias) for ${props.domain.domainName} at this name`,
      });
    }
    this.audiences.push(this.userPoolClient.userPoolClientId);
    this.acceptedClientIds = Lazy.string({ produce: () => this.audiences.join(',') });
    const authorizer = new HttpJwtAuthorizer('Cognito', this.userPool.userPoolProviderUrl, {
      // Read at synthesis, so clients added after this constructor (acceptClient) are accepted too.
      jwtAudience: Lazy.list({ produce: () => this.audiences }),
    });
    // Each area's functions, with their routes, in a nested stack of its own (see `routeStacks`): a function and
    // its role, policy, log group, permission, integration and routes are seven resources or more, and together
    // they would pass CloudFormation's 500 a stack.
    const stacks = new Map<string, NestedStack>();
    const stackFor = (handlerFile: string) => {
      const name = routeStackOf(handlerFile);
      if (!stacks.has(name)) stacks.set(name, new NestedStack(this, name, { description: `${name} of the HTTP API` }));
      return stacks.get(name) as NestedStack;
    };
    for (const [handlerFile, fileRoutes] of byHandlerFile(routes.filter((route) => !route.localOnly))) {
      const scope = stackFor(handlerFile);
      const id = functionId(handlerFile);
      const limits = fileRoutes.map((route) => expensiveRoutes[routeKey(route)]).find(Boolean);
      const reservedConcurrency = props.reserveConcurrency === false ? undefined : limits?.reservedConcurrency;
      const fn = new Fn(scope, id, { handlerFile, reservedConcurrency }).invokedSynchronously(
        'API Gateway calls it for each request and answers the caller with its error',
      );
      this.routeFunctions.push(fn);
      bindNeeds(
        fn,
        fileRoutes.flatMap((route) => route.needs),
        { ...props, cursorKey: this.cursorKey },
      );
      const integration = new HttpLambdaIntegration(`${id}Integration`, fn);
      for (const route of fileRoutes) {
        const httpRoute = new HttpRoute(scope, `${id}${route.method}${routeId(route.path)}`, {
          httpApi: this.httpApi,
          routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
          integration,
          authorizer: route.auth === false ? undefined : authorizer,
        });
        // The stage names the route by key, so CloudFormation must create the route first.
        if (expensiveRoutes[routeKey(route)]) stage.node.addDependency(httpRoute);
        if (route.auth !== false) continue;
        if (!route.publicBecause)
          throw new Error(`${route.method} ${route.path} needs no token: say why (publicBecause).`);
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: route.publicBecause });
      }
    }
    this.routeStacks = [...stacks.values()];

    new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  /** Lets the authorizer accept ID tokens issued to another app client of the user pool (the web form's). */
  acceptClient(client: IUserPoolClient): void {
    this.audiences.push(client.userPoolClientId);
  }

  /** Lets browsers on these origins call the API (CORS); with none, no page on another origin can. */
  allowOrigins(origins: string[]): void {
    this.corsOrigins.push(...origins);
  }
}

/** JSON, so CloudWatch Logs Insights can query it; the HTTP API variables, not the REST API ones. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    latencyMs: '$context.responseLatency',
    responseLength: '$context.responseLength',
    sub: '$context.authorizer.claims.sub',
    authorizerError: '$context.authorizer.error',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The nested stack each folder of functions/ deploys into, by the people it serves: the work order's spine, the
 * engineer in the field, the office's reference data and planning. Each stays well under CloudFormation's 500
 * resources (a test holds every stack under 300), with room for the routes to come.
 */
export const routeStacks: Record<string, string[]> = {
  WorkOrderRoutes: ['work-orders', 'intake', 'events', 'docs', 'rota'],
  FieldRoutes: ['field', 'attachments', 'closeout', 'quotes', 'documents', 'notify', 'accounting', 'purchasing'],
  OfficeRoutes: ['reference', 'scheduling', 'reports', 'webhooks'],
};

/** The nested stack of `routeStacks` a handler file deploys into; a folder in none fails synthesis. */
export function routeStackOf(handlerFile: string): string {
  const folder = handlerFile.split('/')[1] ?? '';
  const found = Object.entries(routeStacks).find(([, folders]) => folders.includes(folder));
  if (!found) throw new Error(`functions/${folder} is in no route stack: add it to routeStacks in infra/api.ts.`);
  return found[0];
}

/** `/v1/work-orders/{id}/approve` → `V1WorkOrdersIdApprove`: a construct id for a route of one function. */
const routeId = (path: string) =>
  path
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** `POST /v1/schedule/optimise`: how API Gateway names a route. */
const routeKey = (route: Route) => `${route.method} ${route.path}`;

function byHandlerFile(deployed: Route[]): Map<string, Route[]> {
  const grouped = new Map<string, Route[]>();
  for (const route of deployed) grouped.set(route.handler, [...(grouped.get(route.handler) ?? []), route]);
  return grouped;
}

/** `functions/work-orders/create-work-order.ts` → `WorkOrdersCreateWorkOrder`. */
function functionId(handlerFile: string): string {
  return handlerFile
    .replace(/^functions\//, '')
    .replace(/\.ts$/, '')
    .split(/[/-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function bindNeeds(fn: Fn, needs: Need[], props: ApiProps & { cursorKey: Secret }): void {
  if (needs.includes('write')) fn.bindTable(props.table, 'write');
  else if (needs.includes('read')) fn.bindTable(props.table, 'read');
  if (needs.includes('workflow')) fn.bindWorkflow(props.workflow);
  if (needs.includes('cursorKey')) fn.bindCursorKey(props.cursorKey);
  const bucketAccess = needs.filter((need): need is BucketAccess => typeof need === 'object');
  if (bucketAccess.length > 0) fn.bindBucket(props.bucket, bucketAccess);
}
