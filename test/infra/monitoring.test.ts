import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#infra/lambda.ts';
import { businessMetrics } from '#infra/monitoring.ts';
import { routes } from '#infra/routes.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { tableKeys } from '#shared/db/table.ts';
import { metricNames } from '#shared/observability.ts';
import { synthFieldOps } from './synth.ts';
import { type CfnResource, onlyResource, resourcesOf } from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

// `any`: template JSON, walked generically.
type Json = any;
type Resources = Record<string, CfnResource>;

/** A metric an alarm reads, as CloudFormation writes it (alone, or as one of a metric-math alarm's metrics). */
interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, Json>;
  statistic: string | undefined;
}

function metricsOf(alarm: CfnResource): AlarmMetric[] {
  const dimensions = (list: Array<{ Name: string; Value: Json }> = []) =>
    Object.fromEntries(list.map((dimension) => [dimension.Name, dimension.Value]));
  const p = alarm.Properties;
  if (p.MetricName) {
    return [
      {
        namespace: p.Namespace,
        metricName: p.MetricName,
        dimensions: dimensions(p.Dimensions),
        statistic: p.Statistic ?? p.ExtendedStatistic,
      },
    ];
  }
  return (p.Metrics ?? [])
    .filter((query: Json) => query.MetricStat)
    .map(({ MetricStat: stat }: Json) => ({
      namespace: stat.Metric.Namespace,
      metricName: stat.Metric.MetricName,
      dimensions: dimensions(stat.Metric.Dimensions),
      statistic: stat.Stat,
    }));
}

/** The alarms that read the metric `metricName` of `namespace`, with that metric's dimensions. */
function alarmsOn(namespace: string, metricName: string, resources: Resources = template.toJSON().Resources) {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap(([id, alarm]) =>
      metricsOf(alarm)
        .filter((metric) => metric.namespace === namespace && metric.metricName === metricName)
        .map((metric) => ({ id, alarm, metric })),
    );
}

/** The logical id a `Ref` or `Fn::GetAtt` points at (the merged template resolves nested stacks' parameters). */
function idOf(reference: Json): string | undefined {
  return reference?.Ref ?? reference?.['Fn::GetAtt']?.[0];
}

/** The SQS queue an ARN reference names, or undefined when it names something else. */
function queueOf(resources: Resources, arn: Json): string | undefined {
  const id = idOf(arn);
  return id && resources[id]?.Type === 'AWS::SQS::Queue' ? id : undefined;
}

/** Every SQS queue some edge puts what it failed on into, with who does: the app's dead-letter queues. */
function deadLetterQueues(resources: Resources): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (arn: Json, by: string) => {
    const queue = queueOf(resources, arn);
    if (queue) found.set(queue, [...(found.get(queue) ?? []), by]);
  };
  for (const [id, { Type, Properties: p = {} }] of Object.entries(resources)) {
    if (Type === 'AWS::Lambda::EventInvokeConfig') add(p.DestinationConfig?.OnFailure?.Destination, id);
    if (Type === 'AWS::Lambda::EventSourceMapping') add(p.DestinationConfig?.OnFailure?.Destination, id);
    if (Type === 'AWS::Lambda::Function') add(p.DeadLetterConfig?.TargetArn, id);
    if (Type === 'AWS::Scheduler::Schedule') add(p.Target?.DeadLetterConfig?.Arn, id);
    if (Type === 'AWS::Events::Rule') for (const target of p.Targets ?? []) add(target.DeadLetterConfig?.Arn, id);
    if (Type === 'AWS::Pipes::Pipe') {
      for (const source of Object.values<Json>(p.SourceParameters ?? {})) add(source?.DeadLetterConfig?.Arn, id);
    }
    if (Type === 'AWS::SQS::Queue' || Type === 'AWS::SNS::Subscription') add(p.RedrivePolicy?.deadLetterTargetArn, id);
  }
  return found;
}

/** The principals that invoke a function asynchronously (Lambda queues the event and retries it itself). */
const asyncInvokers = ['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com', 'ses.amazonaws.com'];

/**
 * Every asynchronous edge of the app (an event handed on with nobody waiting for the answer) with the dead-letter
 * queue it ends in, or undefined where it has none: functions invoked by S3, SNS, EventBridge or SES (their
 * Lambda event queue), EventBridge rule targets, Scheduler schedules and the functions they invoke, event source
 * mappings and pipes (a stream's on-failure destination, or an SQS source's redrive policy) and SNS subscriptions
 * that deliver to a function or a queue.
 */
function asynchronousEdges(resources: Resources): Array<{ edge: string; deadLetters: string | undefined }> {
  const onFailureOf = (fn: string | undefined) => {
    const config = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && idOf(r.Properties.FunctionName) === fn,
    );
    return (
      queueOf(resources, config?.Properties.DestinationConfig?.OnFailure?.Destination) ??
      queueOf(resources, fn ? resources[fn]?.Properties.DeadLetterConfig?.TargetArn : undefined)
    );
  };
  const isFunction = (id: string | undefined) => !!id && resources[id]?.Type === 'AWS::Lambda::Function';
  const redriveOf = (queueArn: Json) => {
    const queue = queueOf(resources, queueArn);
    return queue ? queueOf(resources, resources[queue]?.Properties.RedrivePolicy?.deadLetterTargetArn) : undefined;
  };
  const edges: Array<{ edge: string; deadLetters: string | undefined }> = [];
  for (const [id, { Type, Properties: p = {} }] of Object.entries(resources)) {
    if (Type === 'AWS::Lambda::Permission' && asyncInvokers.includes(p.Principal)) {
      const fn = idOf(p.FunctionName);
      edges.push({ edge: `${p.Principal} invokes ${fn}`, deadLetters: onFailureOf(fn) });
    }
    if (Type === 'AWS::Events::Rule') {
      for (const target of p.Targets ?? []) {
        edges.push({
          edge: `rule ${id} → ${target.Id}`,
          deadLetters: queueOf(resources, target.DeadLetterConfig?.Arn),
        });
      }
    }
    if (Type === 'AWS::Scheduler::Schedule') {
      edges.push({ edge: `schedule ${id}`, deadLetters: queueOf(resources, p.Target.DeadLetterConfig?.Arn) });
      const fn = idOf(p.Target.Arn);
      if (isFunction(fn)) edges.push({ edge: `schedule ${id} runs ${fn}`, deadLetters: onFailureOf(fn) });
    }
    if (Type === 'AWS::Lambda::EventSourceMapping') {
      edges.push({
        edge: `event source mapping ${id}`,
        deadLetters: redriveOf(p.EventSourceArn) ?? queueOf(resources, p.DestinationConfig?.OnFailure?.Destination),
      });
    }
    if (Type === 'AWS::Pipes::Pipe') {
      const stream = Object.values<Json>(p.SourceParameters ?? {}).find((source) => source?.DeadLetterConfig);
      edges.push({
        edge: `pipe ${id}`,
        deadLetters: redriveOf(p.Source) ?? queueOf(resources, stream?.DeadLetterConfig?.Arn),
      });
    }
    if (Type === 'AWS::SNS::Subscription' && ['lambda', 'sqs'].includes(p.Protocol)) {
      edges.push({
        edge: `subscription ${id}`,
        deadLetters: queueOf(resources, p.RedrivePolicy?.deadLetterTargetArn),
      });
    }
  }
  return edges;
}

/** The dead-letter queues with no alarm that fires once a message is in them. */
function unwatchedDeadLetterQueues(resources: Resources): string[] {
  const watched = alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', resources)
    .filter(({ alarm }) => alarm.Properties.Threshold === 1)
    .filter(({ alarm }) => alarm.Properties.ComparisonOperator === 'GreaterThanOrEqualToThreshold')
    .map(({ metric }) => idOf(metric.dimensions.QueueName));
  return [...deadLetterQueues(resources).keys()].filter((queue) => !watched.includes(queue));
}

const resources = (): Resources => template.toJSON().Resources;
const topicId = () => onlyResource(template, 'AWS::SNS::Topic')[0];
const alarms = () => resourcesOf(template, 'AWS::CloudWatch::Alarm');

describe('the alarms', () => {
  it('watch the work order executions that fail, time out or are aborted', () => {
    const [machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');

    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      const found = alarmsOn('AWS/States', metricName);
      expect(found, metricName).toHaveLength(1);
      expect(found[0]?.metric.dimensions, metricName).toEqual({ StateMachineArn: { Ref: machine } });
      expect(found[0]?.alarm.Properties, metricName).toMatchObject({ Statistic: 'Sum', Threshold: 1 });
    }
  });

  it("give every function outside the API an errors alarm of its own; the API's 5xx alarm watches its routes'", () => {
    const watched = alarmsOn('AWS/Lambda', 'Errors').map(({ metric }) => idOf(metric.dimensions.FunctionName));
    const own = resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) =>
      fn.Properties.Description?.startsWith('functions/'),
    );
    const serving = new Set(routes.filter((route) => !route.localOnly).map((route) => route.handler));
    const [routeFunctions, others] = [
      own.filter(([, fn]) => serving.has(fn.Properties.Description)),
      own.filter(([, fn]) => !serving.has(fn.Properties.Description)),
    ];

    expect(others.length).toBeGreaterThan(15);
    expect(routeFunctions.length).toBeGreaterThan(40);
    for (const [id, fn] of others) expect(watched, fn.Properties.Description).toContain(id);
    for (const [id, fn] of routeFunctions) expect(watched, fn.Properties.Description).not.toContain(id);
    expect(alarmsOn('AWS/ApiGateway', '5xx')).toHaveLength(1);
    // Graphed, each by name, on the dashboard.
    const body = JSON.stringify(resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody);
    for (const [id] of routeFunctions) expect(body, id).toContain(id);
    expect(new Set(watched).size).toBe(watched.length);
  });

  it('leave out only the API route functions and the handlers CloudFormation runs while deploying, which fail the deploy', () => {
    const watched = alarmsOn('AWS/Lambda', 'Errors').map(({ metric }) => idOf(metric.dimensions.FunctionName));
    const serviceTokens = Object.values(resources())
      .filter((r) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource')
      .map((r) => idOf(r.Properties.ServiceToken));
    const serving = new Set(routes.map((route) => route.handler));
    const unwatched = resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => !serving.has(fn.Properties.Description))
      .map(([id]) => id)
      .filter((id) => !watched.includes(id));

    expect(unwatched.length).toBeGreaterThan(0);
    for (const id of unwatched) expect(serviceTokens, id).toContain(id);
  });

  it("watch Lambda's throttles across the account's functions with one alarm", () => {
    const found = alarmsOn('AWS/Lambda', 'Throttles');

    expect(found).toHaveLength(1);
    expect(found[0]?.metric.dimensions).toEqual({});
  });

  it("watch the API's 5xx answers and its p99 latency above 3 s, on its $default stage", () => {
    const [api] = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    const serverErrors = alarmsOn('AWS/ApiGateway', '5xx');
    const latency = alarmsOn('AWS/ApiGateway', 'Latency');

    expect(serverErrors).toHaveLength(1);
    expect(latency).toHaveLength(1);
    for (const { metric } of [...serverErrors, ...latency]) {
      expect(metric.dimensions).toEqual({ ApiId: { Ref: api }, Stage: '$default' });
    }
    expect(latency[0]?.alarm.Properties).toMatchObject({
      ExtendedStatistic: 'p99',
      Threshold: 3000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('watch read and write throttle events on the table and on every one of its indexes', () => {
    const [table] = onlyResource(template, 'AWS::DynamoDB::Table');
    const indexes = [undefined, ...tableKeys.globalIndexes.map((index) => index.indexName)];

    for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      const watched = alarmsOn('AWS/DynamoDB', metricName).map(({ metric }) => metric.dimensions);
      for (const index of indexes) {
        expect(watched, `${metricName} ${index ?? 'table'}`).toContainEqual({
          TableName: { Ref: table },
          ...(index ? { GlobalSecondaryIndexName: index } : {}),
        });
      }
    }
  });

  it('raise an SLA breach from the SlaBreached metric this deployment emits, at one in five minutes', () => {
    const found = alarmsOn('FieldOps', 'SlaBreached');

    expect(found).toHaveLength(1);
    expect(found[0]?.metric.dimensions).toEqual({ service: stack.stackName });
    expect(found[0]?.alarm.Properties).toMatchObject({
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('notify the topic when they fire and when they clear, and take missing data as no trouble', () => {
    expect(alarms().length).toBeGreaterThan(30);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
    }
  });

  it('are named after the deployment and point to a section of the runbook that is there', () => {
    const runbook = readFileSync(join(repoRoot, 'docs/RUNBOOK.md'), 'utf8');
    const anchors = [...runbook.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading = '']) => githubAnchor(heading));
    const names = alarms().map(([, alarm]) => alarm.Properties.AlarmName as string);

    expect(new Set(names).size).toBe(names.length);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.AlarmName, id).toMatch(new RegExp(`^${stack.stackName}-[a-z0-9-]+$`));
      const [, anchor] = /docs\/RUNBOOK\.md#([a-z0-9-]+)/.exec(alarm.Properties.AlarmDescription) ?? [];
      expect(anchors, `${id}: ${alarm.Properties.AlarmDescription}`).toContain(anchor);
    }
    // The runbook's table of dead-letter queues names each one's alarm.
    const deadLetterAlarms = names.filter((name) => name.startsWith(`${stack.stackName}-dead-letters-`));
    expect(deadLetterAlarms.length).toBeGreaterThanOrEqual(5);
    for (const name of deadLetterAlarms) expect(runbook).toContain(`\`${name.slice(stack.stackName.length + 1)}\``);
  });

  it('cost less than $10 a month while nothing fires ($0.10 a month per metric an alarm reads)', () => {
    const metrics = alarms().reduce((sum, [, alarm]) => sum + metricsOf(alarm).length, 0);

    expect(metrics * 0.1).toBeLessThan(10);
  });
});

describe('every asynchronous edge', () => {
  it('ends in a dead-letter queue', () => {
    const edges = asynchronousEdges(resources());

    // The upload verifier and e-mail intake (S3), the two schedules and their functions, and the events pipe.
    expect(edges.length).toBeGreaterThanOrEqual(7);
    for (const { edge, deadLetters } of edges) expect(deadLetters, edge).toBeDefined();
  });

  it('ends in a dead-letter queue that has an alarm, as every dead-letter queue of the deployment has', () => {
    const queues = deadLetterQueues(resources());

    expect(queues.size).toBeGreaterThanOrEqual(5);
    for (const { edge, deadLetters } of asynchronousEdges(resources())) {
      expect(queues.has(String(deadLetters)), edge).toBe(true);
    }
    expect(unwatchedDeadLetterQueues(resources())).toEqual([]);
  });

  it('is checked for real: an edge whose failure destination goes is reported', () => {
    const broken: Resources = structuredClone(resources());
    const [configId = '', config] = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')[0] ?? [];
    delete broken[configId];

    expect(
      asynchronousEdges(broken)
        .filter((edge) => !edge.deadLetters)
        .map((edge) => edge.edge),
    ).toEqual([`s3.amazonaws.com invokes ${idOf(config?.Properties.FunctionName)}`]);
  });

  it('is checked for real: a dead-letter queue whose alarm goes is reported', () => {
    const broken: Resources = structuredClone(resources());
    const [dlqAlarm] = alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', broken);
    delete broken[dlqAlarm?.id ?? ''];

    expect(unwatchedDeadLetterQueues(broken)).toEqual([idOf(dlqAlarm?.metric.dimensions.QueueName)]);
  });
});

describe('the alarms topic', () => {
  it('is encrypted with a key of its own, rotated, that CloudWatch may use to publish', () => {
    const [, topic] = onlyResource(template, 'AWS::SNS::Topic');
    const keyId = idOf(topic.Properties.KmsMasterKeyId);
    const key = resources()[keyId ?? ''];

    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(key?.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it("refuses publishing without TLS, and lets this deployment's alarms publish, by name", () => {
    const [, policy] = onlyResource(template, 'AWS::SNS::TopicPolicy');
    const statements = policy.Properties.PolicyDocument.Statement;
    const cloudwatch = statements.find((s: Json) => s.Principal?.Service === 'cloudwatch.amazonaws.com');

    expect(policy.Properties.Topics).toEqual([{ Ref: topicId() }]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(cloudwatch).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' });
    expect(JSON.stringify(cloudwatch.Condition.ArnLike['aws:SourceArn'])).toContain(`:alarm:${stack.stackName}-*`);
    expect(cloudwatch.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  it('has no subscription unless alarmEmail is set', () => {
    expect(resourcesOf(template, 'AWS::SNS::Subscription')).toEqual([]);
  });

  it('e-mails alarmEmail when it is set (-c alarmEmail=...)', () => {
    const withEmail = synthFieldOps({ alarmEmail: 'ops@example.com' });
    try {
      const [topic] = onlyResource(withEmail.template, 'AWS::SNS::Topic');
      const [, subscription] = onlyResource(withEmail.template, 'AWS::SNS::Subscription');

      expect(subscription.Properties).toEqual({
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: topic },
      });
    } finally {
      withEmail.cleanup();
    }
  });

  it('refuses an alarmEmail that is not an e-mail address', () => {
    expect(() => synthFieldOps({ alarmEmail: 'ops at example' })).toThrow(/alarmEmail must be an e-mail address/);
  });
});

describe('the dashboard', () => {
  /** The dashboard's body as JSON, each reference in it written `@<logical id>`. */
  const body = (): Json => {
    const source = onlyResource(template, 'AWS::CloudWatch::Dashboard')[1].Properties.DashboardBody;
    const parts: Json[] = source['Fn::Join']?.[1] ?? [source];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `@${idOf(part)}`)).join(''));
  };
  const widgets = (type: string): Json[] => body().widgets.filter((widget: Json) => widget.type === type);
  const charted = (): Json[] => widgets('metric').flatMap((widget) => widget.properties.metrics);

  it("shows every alarm's state", () => {
    const shown = widgets('alarm').flatMap((widget) => widget.properties.alarms);

    for (const [id] of alarms()) expect(shown, id).toContain(`@${id}`);
  });

  it('charts exactly the metrics the functions emit (shared/observability.ts)', () => {
    expect(Object.values(businessMetrics).flat().sort()).toEqual(Object.values(metricNames).sort());
  });

  it('charts every business and health metric of this deployment', () => {
    const ownMetrics = charted()
      .filter((row) => row[0] === 'FieldOps' && row[2] === 'service' && row[3] === stack.stackName)
      .map((row) => row[1]);
    const expressions = charted().map((row) => row.at(-1)?.expression ?? '');

    for (const name of Object.values(businessMetrics).flat()) {
      if (name === 'ColdStart') continue;
      expect(ownMetrics, name).toContain(name);
    }
    // Powertools' own cold start metric also names the function: the chart sums this deployment's.
    expect(expressions).toContainEqual(
      expect.stringContaining(
        `SEARCH('{FieldOps,function_name,service} MetricName="ColdStart" service="${stack.stackName}"'`,
      ),
    );
  });

  it('charts what every alarm watches: executions, the API, every function, the table and the queues', () => {
    const rows = charted().map((row) => {
      const [namespace, metricName, ...rest] = row.filter((cell: Json) => typeof cell === 'string');
      const pairs = Array.from({ length: rest.length / 2 }, (_, i) => [rest[2 * i], rest[2 * i + 1]]);
      return JSON.stringify({ namespace, metricName, dimensions: Object.fromEntries(pairs) });
    });

    for (const [id, alarm] of alarms()) {
      for (const { namespace, metricName, dimensions } of metricsOf(alarm)) {
        const shown = Object.fromEntries(
          Object.entries(dimensions).map(([name, value]) => [
            name,
            typeof value === 'string' ? value : `@${idOf(value)}`,
          ]),
        );
        expect(rows, id).toContain(JSON.stringify({ namespace, metricName, dimensions: shown }));
      }
    }
  });

  it('groups its charts as executions, API, functions, table, dead-letter queues and business', () => {
    const headings = widgets('text')
      .map((widget) => widget.properties.markdown as string)
      .filter((markdown) => markdown.startsWith('## '));

    expect(headings).toEqual(
      ['Executions', 'API', 'Functions', 'Table', 'Dead-letter queues', 'Business'].map((title) => `## ${title}`),
    );
  });
});

describe('the monitoring stack', () => {
  it('is a nested stack of its own, well under 300 resources and 200 parameters', () => {
    const nested = stack.monitoring.node.scope;
    const own = Template.fromStack(nested as never).toJSON();
    const resourceCount = Object.keys(own.Resources).length;
    // Each function, queue, the table, the API and the state machine arrive as a parameter from their own stack.
    const parameterCount = Object.keys(own.Parameters ?? {}).length;

    expect(nested?.node.id).toBe('Monitoring');
    expect(resourceCount).toBeGreaterThan(alarms().length);
    expect(resourceCount).toBeLessThan(300);
    expect(parameterCount).toBeGreaterThan(40);
    expect(parameterCount).toBeLessThan(200);
  });
});

/** The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}
