import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ChannelNamespace, IEventApi } from 'aws-cdk-lib/aws-appsync';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
// cdk-nag names IAM5 findings with this function; using it keeps each acknowledgement equal to its finding.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct, IConstruct } from 'constructs';
import { cdkBundling, sourceMapsNodeOptions } from './bundling.ts';
import type { BucketAccess } from './routes.ts';

/** The repository root: handler files, the lock file and the state machine files are resolved from it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The CloudWatch namespace of the metrics every function emits (shared/observability.ts). */
export const metricsNamespace = 'FieldOps';

/** The deployment's own stack, above any nested stack `scope` is in: its name is the stage's. */
export function rootStackOf(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/** Options for `Fn`; everything else is fixed by the project. */
export interface FnProps {
  /** Handler file relative to the repository root (as in infra/routes.ts); it exports `handler`. */
  readonly handlerFile: string;
  /** @default 10 seconds: an API handler answers a person waiting on a phone. */
  readonly timeout?: Duration;
  /** @default 512 MB: memory also buys CPU, which shortens cold starts. */
  readonly memorySize?: number;
  /**
   * Instances kept for this function alone, which also cap it, so a burst of costly calls can neither run up the
   * bill nor take the account's concurrency from every other function. @default none: the account's shared pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Decode stack traces in the logs with the bundle's source map (index.mjs.map, shipped in every asset): Node then
   * reads the map at every cold start, so it is for debugging (see `enableSourceMaps`). @default false
   */
  readonly sourceMaps?: boolean;
}

/** The state machine addressed by ARN alone, so functions it invokes can hold grants on it without a cycle. */
export interface WorkflowRef {
  readonly stateMachineArn: string;
  /** ARN pattern of the state machine's executions (`...:execution:<name>:*`). */
  readonly executionsArn: string;
}

/**
 * The project's one NodejsFunction: Node 22 on ARM64, explicit timeout and memory, its own log group with
 * retention, X-Ray tracing of the executions it takes part in and an ESM bundle with source maps. The bind* methods pair each grant with the
 * environment variable shared/config.ts reads, so a permission and its configuration never drift apart.
 */
export class Fn extends NodejsFunction {
  /** The function's own role (never undefined, unlike `NodejsFunction.role`). */
  readonly serviceRole: IRole;

  constructor(scope: Construct, id: string, props: FnProps) {
    // Siblings, not children: a NodejsFunction must exist before it can own constructs, and these are its props.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role keeps out the AWS-managed basic execution policy, which may write to every log group.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(repoRoot, props.handlerFile),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: props.handlerFile,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      logGroup,
      // One JSON object a line, platform lines included, so Logs Insights reads every field (docs/RUNBOOK.md).
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      // A task joins its execution's trace (the state machine traces each one); nothing starts a trace of its own.
      // The HTTP API starts none, so an API call is followed by its request id in the JSON logs instead: tracing
      // every call (Lambda samples nearly all at a small business's volume) was 5 of a work order's 6 traces.
      tracing: Tracing.PASS_THROUGH,
      environment: {
        // Powertools' logger and metrics: every line and metric names the deployment (stage) it comes from.
        POWERTOOLS_SERVICE_NAME: rootStackOf(scope).stackName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      },
      // infra/bundling.ts: the same options npm run bench:cold measures.
      bundling: cdkBundling(),
    });
    this.serviceRole = role;
    if (props.sourceMaps) this.enableSourceMaps();

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
    const runtimeReason =
      'Node 22 on purpose: handlers must also run on the Node 20 used locally, and 22 is the closest runtime.';
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'Pass-through on purpose: a task joins the trace of the execution it serves; an API call, which the HTTP API ' +
          'starts no trace for, is followed by its request id in the JSON logs rather than paid for at every request.',
      },
    );
  }

  /** Grants read (`'read'`) or read-write (`'write'`) on the table and sets TABLE_NAME. */
  bindTable(table: ITable, access: 'read' | 'write'): this {
    if (access === 'write') table.grantReadWriteData(this);
    else table.grantReadData(this);
    this.addEnvironment('TABLE_NAME', table.tableName);
    this.acknowledgeResource(
      `${table.tableArn}/index/*`,
      'ElectroDB access patterns query every GSI of this one table; the grant names no other table.',
    );
    return this;
  }

  /**
   * Grants the bucket actions listed, each on the keys under its own prefix only (a presigned URL acts with this
   * role's permissions, so presigning needs the action presigned), and sets BUCKET_NAME.
   */
  bindBucket(bucket: IBucket, grants: BucketAccess[]): this {
    for (const { prefix, actions } of grants) {
      const objectActions = actions.filter((action) => action !== 's3:ListBucket');
      if (objectActions.length > 0) {
        const keys = bucket.arnForObjects(`${prefix}*`);
        this.addToRolePolicy(new PolicyStatement({ actions: objectActions, resources: [keys] }));
        this.acknowledgeResource(keys, `Keys under ${prefix} are made at run time; the grant names that prefix only.`);
      }
      if (actions.includes('s3:ListBucket')) {
        this.addToRolePolicy(
          new PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': `${prefix}*` } },
          }),
        );
      }
    }
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    return this;
  }

  /** Lets the handler read the key list cursors are sealed with, and sets CURSOR_KEY_SECRET_ARN. */
  bindCursorKey(secret: ISecret): this {
    secret.grantRead(this);
    this.addEnvironment('CURSOR_KEY_SECRET_ARN', secret.secretArn);
    return this;
  }

  /**
   * Lets the handler start and list executions, answer task tokens and read executions with their history, and
   * sets STATE_MACHINE_ARN.
   */
  bindWorkflow(workflow: WorkflowRef): this {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution', 'states:ListExecutions', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [workflow.stateMachineArn],
      }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: [workflow.executionsArn],
      }),
    );
    this.addEnvironment('STATE_MACHINE_ARN', workflow.stateMachineArn);
    this.acknowledgeResource(
      workflow.executionsArn,
      'Executions are named after work orders at run time; the pattern names this one state machine only.',
    );
    return this;
  }

  /**
   * Lets the handler check ID tokens of the user pool issued to the app clients named (`clientIds`, comma-separated),
   * and sets USER_POOL_ID and USER_POOL_CLIENT_IDS. No grant: the pool's signing keys are public (its JWKS).
   */
  bindUserPoolTokens(userPool: IUserPool, clientIds: string): this {
    this.addEnvironment('USER_POOL_ID', userPool.userPoolId);
    this.addEnvironment('USER_POOL_CLIENT_IDS', clientIds);
    return this;
  }

  /**
   * Lets the handler publish to one channel namespace of an AppSync Event API over its HTTP endpoint (signed with
   * IAM), and nothing else of the API, and sets LIVE_EVENTS_DOMAIN.
   */
  bindEventPublish(api: IEventApi, namespace: ChannelNamespace): this {
    namespace.grantPublish(this);
    this.addEnvironment('LIVE_EVENTS_DOMAIN', api.httpDns);
    return this;
  }

  /**
   * Lets the handler ask Amazon Location's route matrix for driving times, and sets FIELDOPS_TRAVEL so its planners
   * do (shared/scheduling/route-matrix.ts). The Routes API has no resource in the account: the one its actions take
   * is the region's provider (`arn:<partition>:geo-routes:<region>::provider/default`), which the grant names.
   */
  bindRouteMatrix(): this {
    const provider = Stack.of(this).formatArn({
      service: 'geo-routes',
      account: '',
      resource: 'provider',
      resourceName: 'default',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.addToRolePolicy(new PolicyStatement({ actions: ['geo-routes:CalculateRouteMatrix'], resources: [provider] }));
    this.addEnvironment('FIELDOPS_TRAVEL', 'amazon-location');
    return this;
  }

  /**
   * Decodes the stack traces the function logs with its bundle's source map (`--enable-source-maps`), at the cost of
   * reading the map at every cold start. For debugging, on one function or, from infra/app.ts, on every `Fn` of the
   * app; the map is in every asset, so this changes the configuration only.
   */
  enableSourceMaps(): this {
    this.addEnvironment('NODE_OPTIONS', sourceMapsNodeOptions);
    return this;
  }

  /**
   * Acknowledges that the function has no dead-letter queue: its invoker (`how`) calls it synchronously and gets
   * its error back, so no event is ever left for a dead-letter queue to keep.
   */
  invokedSynchronously(how: string): this {
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `${how}; invoked synchronously, it leaves no event for a dead-letter queue to keep.`,
    });
    return this;
  }

  private acknowledgeResource(resource: string, reason: string): void {
    acknowledgeWildcard(this.serviceRole, resource, reason);
  }
}

/**
 * Acknowledges cdk-nag's wildcard finding (IAM5) for one resource pattern on a role, with the reason: the finding
 * names the resource as cdk-nag flattens it, so the acknowledgement is built the same way.
 */
export function acknowledgeWildcard(role: IConstruct, resource: string, reason: string): void {
  // Named once references are resolved (validation runs after them): a resource of another stack is then the
  // parameter or import it arrives by in the role's stack, as the template and so the finding show it.
  let acknowledged = false;
  role.node.addValidation({
    validate: () => {
      if (acknowledged) return [];
      acknowledged = true;
      const finding = flattenCfnReference(Stack.of(role).resolve(resource));
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
      return [];
    },
  });
}
