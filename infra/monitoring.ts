import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  LegendPosition,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { tableKeys } from '#shared/db/table.ts';
import { type Fn, metricsNamespace, rootStackOf } from './lambda.ts';

/** What the deployment's monitoring watches, wherever in the app (parent or nested stacks) each thing lives. */
export interface MonitoringProps {
  /**
   * Every function of the deployment but the API's route functions: each gets an errors alarm named after its handler
   * file (its trigger, a queue, a schedule or the workflow, tells no one else).
   */
  readonly functions: Fn[];
  /**
   * The functions serving the API's routes: graphed by function, not alarmed one by one. An error of theirs (a throw,
   * a timeout, a crash at start) is a 5xx answer, which the API's 5xx alarm watches; its logs name the route.
   * @default none
   */
  readonly routeFunctions?: Fn[];
  /** The work order state machine. */
  readonly stateMachine: IStateMachine;
  /** The HTTP API, watched on its `$default` stage. */
  readonly httpApi: IHttpApi;
  /** The single table. */
  readonly table: ITable;
  /** The table's global secondary indexes. @default every index of shared/db/table.ts */
  readonly tableIndexes?: string[];
  /** Every dead-letter queue of the deployment: each gets a not-empty alarm. */
  readonly deadLetterQueues: IQueue[];
  /** Where alarms are e-mailed (`-c alarmEmail=ops@example.com`). @default no subscription: subscribe to the topic */
  readonly alarmEmail?: string;
}

/**
 * The sections of docs/RUNBOOK.md each alarm's description points to, by GitHub's heading anchors (a test holds
 * every anchor to a heading of the runbook).
 */
export const runbookSections = {
  executions: 'executions-failed-timed-out-or-aborted',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  apiErrors: 'api-5xx-answers',
  apiLatency: 'api-p99-latency',
  tableThrottles: 'dynamodb-throttles',
  deadLetters: 'dead-letter-queue-not-empty',
  slaBreached: 'sla-breached',
} as const;

/** The business and health metrics the functions emit (Powertools EMF) under `metricsNamespace`, by chart. */
export const businessMetrics = {
  'Work orders': ['WorkOrdersLogged', 'WorkOrdersClosed'],
  SLA: ['SlaMet', 'SlaBreached'],
  Closeout: ['FirstTimeFix', 'InvoicesIssued'],
  'Closeout lag (seconds)': ['CloseoutLag'],
  'Customer messages': ['MessagesSent', 'MessagesSkipped'],
  'Replays and quarantined uploads': ['IdempotentReplays', 'UploadsQuarantined'],
  'Handler health': ['HandlerErrors', 'ClientErrors', 'ColdStart'],
} as const;

/** The p99 latency of the API above which people are kept waiting: a handler answers in well under a second. */
export const apiLatencyThreshold = Duration.seconds(3);

const period = Duration.minutes(5);

/**
 * Alarms on everything that should wake someone, to one SNS topic (e-mailed to `alarmEmail`), and one dashboard of
 * the deployment: executions, API, functions, table, dead-letter queues and the business's own figures. Every alarm
 * notifies when it fires and when it clears, treats missing data as fine (no traffic is no failure), is named
 * `<stack>-<what>` and says in its description which section of docs/RUNBOOK.md to read.
 *
 * Plain `aws-cloudwatch` rather than cdk-monitoring-constructs: that library is good, but it is a large jsii
 * package pinned to its own aws-cdk-lib range, names and shapes alarms its own way, and would still need the key
 * policy, the topic policy and the runbook links written here; what this deployment needs is some 70 alarms of
 * eight kinds, a few lines each.
 *
 * Idle cost (us-east-1 prices, per month): a standard alarm is $0.10 per metric it reads; `npm run cost` adds them
 * up. Errors are worth an alarm per function outside the API, whose trigger (a queue, a schedule, the workflow)
 * tells no one else: the alarm names the handler file to read. The API's route functions (most of the functions, one
 * per handler file of routes.ts) answer their errors as 5xx, so the API's 5xx alarm watches them all for $0.10, and
 * the dashboard graphs their errors by function.
 * Throttles are one alarm on Lambda's account-wide metric: a metric-math sum over the functions costs as much as
 * an alarm per function, and one alarm reads at most 10 metrics. The dashboard is $3 (past the account's 3 free
 * ones) and the topic's key $1. Nothing else is charged while nothing fires.
 */
export class Monitoring extends Construct {
  /** Where every alarm notifies, on alarm and on recovery. */
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  /** Alarm names start with this (the deployment's stack name) and a dash. */
  readonly alarmPrefix: string;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.alarmPrefix = rootStackOf(this).stackName;

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed key (its policy is AWS's, and names no
    // CloudWatch): a key of our own lets the alarms' service use it. A dollar a month. The grant is AWS's documented
    // one, without conditions: who may publish is the topic policy's to say, below.
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the alarm notifications topic; CloudWatch alarms may use it to publish.',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Alarms', {
      topicName: `${this.alarmPrefix}-alarms`,
      displayName: `${this.alarmPrefix} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so the alarms of this deployment are let publish by name.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${this.alarmPrefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail !== undefined) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
        throw new Error(`alarmEmail must be an e-mail address, not ${props.alarmEmail}.`);
      }
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail to a person: an undelivered one would wait in a queue nobody reads, while the alarm itself ' +
          'stays in ALARM on the dashboard and in the console.',
      });
    }
    this.action = new SnsAction(this.topic);

    const executions = this.executionAlarms(props.stateMachine);
    const functions = this.functionAlarms(props.functions, props.routeFunctions ?? []);
    const api = this.apiAlarms(props.httpApi);
    const table = this.tableAlarms(props.table, props.tableIndexes ?? tableKeys.globalIndexes.map((i) => i.indexName));
    const queues = this.deadLetterAlarms(props.deadLetterQueues);
    const business = this.businessWidgets();

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.alarmPrefix,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${this.alarmPrefix}\nEach alarm's description names its section of docs/RUNBOOK.md.`,
        width: 24,
        height: 2,
      }),
    );
    // An alarm status widget shows at most 100 alarms.
    for (let first = 0; first < this.alarms.length; first += 100) {
      const alarms = this.alarms.slice(first, first + 100);
      this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 6 }));
    }
    for (const [title, widgets] of [
      ['Executions', executions],
      ['API', api],
      ['Functions', functions],
      ['Table', table],
      ['Dead-letter queues', queues],
      ['Business', business],
    ] as const) {
      this.dashboard.addWidgets(new TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(...widgets);
    }
  }

  /** Executions that ended without finishing their work order (the reconciler re-drives them; see the runbook). */
  private executionAlarms(stateMachine: IStateMachine): GraphWidget[] {
    const options = { period, statistic: 'Sum' };
    const ended = [
      ['failed', 'failed', stateMachine.metricFailed(options)],
      ['timed-out', 'timed out', stateMachine.metricTimedOut(options)],
      ['aborted', 'were aborted', stateMachine.metricAborted(options)],
    ] as const;
    for (const [slug, verb, metric] of ended) {
      this.alarm(`executions-${slug}`, runbookSections.executions, `Work order executions ${verb}.`, metric);
    }
    return [
      new GraphWidget({
        title: 'Executions',
        left: [stateMachine.metricStarted(options), stateMachine.metricSucceeded(options), ...ended.map((e) => e[2])],
        width: 12,
      }),
      new GraphWidget({
        title: 'Execution time (p50, p99)',
        left: [
          stateMachine.metricTime({ period, statistic: 'p50' }),
          stateMachine.metricTime({ period, statistic: 'p99' }),
        ],
        width: 12,
      }),
    ];
  }

  /**
   * One errors alarm per function outside the API (the API's route functions are graphed only: see
   * `MonitoringProps.routeFunctions`), and one on Lambda's throttles across the account's functions.
   */
  private functionAlarms(functions: Fn[], routeFunctions: Fn[]): GraphWidget[] {
    const errors = functions.map((fn) => {
      const name = handlerSlug(fn);
      const metric = fn.metricErrors({ period, statistic: 'Sum', label: name });
      this.alarm(`errors-${name}`, runbookSections.functionErrors, `The ${name} function threw.`, metric);
      return metric;
    });
    const routeErrors = routeFunctions.map((fn) =>
      fn.metricErrors({ period, statistic: 'Sum', label: handlerSlug(fn) }),
    );
    const throttles = LambdaFunction.metricAllThrottles({ period, statistic: 'Sum', label: 'Throttles (account)' });
    this.alarm(
      'lambda-throttles',
      runbookSections.functionThrottles,
      "Lambda refused invocations for want of concurrency (the account's functions, all together).",
      throttles,
    );
    return [
      new GraphWidget({
        title: 'Errors by function',
        left: errors,
        width: 12,
        height: 8,
        legendPosition: LegendPosition.RIGHT,
      }),
      new GraphWidget({
        title: 'Errors by API route function (each a 5xx answer)',
        left: routeErrors,
        width: 12,
        height: 8,
        legendPosition: LegendPosition.RIGHT,
      }),
      new GraphWidget({
        title: 'Throttles and concurrency (account)',
        left: [throttles],
        right: [LambdaFunction.metricAllConcurrentExecutions({ period, statistic: 'Maximum' })],
        width: 12,
        height: 8,
      }),
    ];
  }

  /** 5xx answers and slow answers of the HTTP API's `$default` stage. */
  private apiAlarms(httpApi: IHttpApi): GraphWidget[] {
    const metric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: httpApi.apiId, Stage: '$default' },
        period,
        statistic,
      });
    const serverErrors = metric('5xx', 'Sum');
    const latency = metric('Latency', 'p99');
    this.alarm('api-5xx', runbookSections.apiErrors, 'The API answered 5xx.', serverErrors);
    // Three periods running: one slow call (a cold start, an optimiser run) is the p99 of a quiet five minutes.
    this.alarm(
      'api-latency-p99',
      runbookSections.apiLatency,
      `The API's p99 latency stayed above ${apiLatencyThreshold.toSeconds()} s for 15 minutes.`,
      latency,
      { threshold: apiLatencyThreshold.toMilliseconds(), evaluationPeriods: 3 },
    );
    return [
      new GraphWidget({
        title: 'Requests, 4xx and 5xx',
        left: [metric('Count', 'Sum'), metric('4xx', 'Sum'), serverErrors],
        width: 12,
      }),
      new GraphWidget({
        title: 'Latency (ms)',
        left: [metric('Latency', 'p50'), latency, metric('IntegrationLatency', 'p99')],
        leftAnnotations: [{ value: apiLatencyThreshold.toMilliseconds(), label: 'p99 alarm' }],
        width: 12,
      }),
    ];
  }

  /**
   * Throttle events on the table and on each index, one alarm apiece (reads and writes together): on-demand
   * tables throttle at a partition's or the table's limits, and an index that cannot keep up throttles the
   * table's writes.
   */
  private tableAlarms(table: ITable, indexes: string[]): GraphWidget[] {
    const throttles = [undefined, ...indexes].map((index) => {
      const dimensionsMap: Record<string, string> = { TableName: table.tableName };
      if (index) dimensionsMap.GlobalSecondaryIndexName = index;
      const events = (metricName: string) =>
        new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap, period, statistic: 'Sum' });
      const label = index ? `index ${index}` : 'table';
      // Ids unique across the graph that shows every expression, as CloudWatch requires.
      const suffix = (index ?? 'table').replace(/\W/g, '_');
      // SUM([...]) rather than `+`: DynamoDB emits throttle events only when there are some, and a sum of a
      // series and a missing one is missing.
      const expression = new MathExpression({
        expression: `SUM([reads_${suffix}, writes_${suffix}])`,
        usingMetrics: {
          [`reads_${suffix}`]: events('ReadThrottleEvents'),
          [`writes_${suffix}`]: events('WriteThrottleEvents'),
        },
        label: `Throttle events, ${label}`,
        period,
      });
      this.alarm(
        `dynamodb-throttles-${index ?? 'table'}`,
        runbookSections.tableThrottles,
        `DynamoDB throttled reads or writes on the ${label}.`,
        expression,
      );
      return expression;
    });
    return [
      new GraphWidget({ title: 'Throttle events', left: throttles, width: 12 }),
      new GraphWidget({
        title: 'Consumed capacity',
        left: [
          table.metricConsumedReadCapacityUnits({ period, label: 'Read units' }),
          table.metricConsumedWriteCapacityUnits({ period, label: 'Write units' }),
        ],
        width: 12,
      }),
    ];
  }

  /** A message in a dead-letter queue is an event every retry failed on: someone must read it and redrive it. */
  private deadLetterAlarms(queues: IQueue[]): GraphWidget[] {
    const visible = queues.map((queue) => {
      const name = queueSlug(queue);
      const metric = queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: name });
      this.alarm(
        `dead-letters-${name}`,
        runbookSections.deadLetters,
        `The ${name} dead-letter queue holds messages.`,
        metric,
      );
      return metric;
    });
    return [new GraphWidget({ title: 'Messages in dead-letter queues', left: visible, width: 24 })];
  }

  /** The business's own figures, charted; only an SLA breach raises an alarm. */
  private businessWidgets(): GraphWidget[] {
    const service = this.alarmPrefix;
    const emitted = (metricName: string, statistic = 'Sum') =>
      new Metric({ namespace: metricsNamespace, metricName, dimensionsMap: { service }, period, statistic });
    // Powertools adds the function's name to its cold start metric: summed over the deployment's functions.
    const search = `{${metricsNamespace},function_name,service} MetricName="ColdStart" service="${service}"`;
    const coldStarts = new MathExpression({
      expression: `SUM(SEARCH('${search}', 'Sum', ${period.toSeconds()}))`,
      label: 'ColdStart',
      period,
    });
    const chart = (metricName: string): IMetric[] => {
      if (metricName === 'ColdStart') return [coldStarts];
      if (metricName === 'CloseoutLag') {
        return [emitted(metricName, 'Average'), emitted(metricName, 'p90').with({ label: 'CloseoutLag p90' })];
      }
      return [emitted(metricName)];
    };
    this.alarm(
      'sla-breached',
      runbookSections.slaBreached,
      'An engineer attended a work order after its SLA due time.',
      emitted('SlaBreached'),
    );
    return Object.entries(businessMetrics).map(
      ([title, names]) => new GraphWidget({ title, left: names.flatMap(chart), width: 8 }),
    );
  }

  /** An alarm at `threshold` (default 1) or above, notifying the topic when it fires and when it clears. */
  private alarm(
    slug: string,
    section: string,
    summary: string,
    metric: IMetric,
    options: { threshold?: number; evaluationPeriods?: number } = {},
  ): Alarm {
    const alarm = new Alarm(this, pascalCase(slug), {
      alarmName: `${this.alarmPrefix}-${slug}`,
      alarmDescription: `${summary} Runbook: docs/RUNBOOK.md#${section}`,
      metric,
      threshold: options.threshold ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** `functions/work-orders/create-work-order.ts` → `work-orders-create-work-order`, from the description `Fn` sets. */
function handlerSlug(fn: Fn): string {
  const handlerFile = (fn.node.defaultChild as CfnFunction).description;
  if (!handlerFile?.startsWith('functions/')) throw new Error(`${fn.node.path} has no handler file as description.`);
  return handlerFile
    .replace(/^functions\//, '')
    .replace(/\.ts$/, '')
    .replace(/\//g, '-');
}

/** `FieldOps/MailIntake/DeadLetters` → `mail-intake`: the construct that owns the queue names it. */
function queueSlug(queue: IQueue): string {
  const owner = queue.node.scope?.node.id ?? queue.node.id;
  return owner.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `errors-work-orders-redrive` → `ErrorsWorkOrdersRedrive`: a construct id. */
function pascalCase(slug: string): string {
  return slug
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
