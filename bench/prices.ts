/**
 * AWS list prices the cost benchmark (`npm run cost`, bench/cost.ts) prices a work order at: US East (N. Virginia),
 * on-demand, past every free tier, in US dollars. Each figure names the page it was read from; when AWS changes a
 * price, change it here and nowhere else.
 */
export const prices = {
  /**
   * Standard workflows, per state transition: $0.025 per 1,000. Every state entered counts, retries included.
   * https://aws.amazon.com/step-functions/pricing/
   */
  stateTransition: 0.025 / 1_000,

  /**
   * Lambda on Arm (Graviton), per request ($0.20 per million) and per GB-second of billed duration (first 7.5 billion
   * GB-seconds a month: $0.0000133334). Since 1 August 2025 the INIT phase of a cold start is billed as duration too.
   * https://aws.amazon.com/lambda/pricing/
   * https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase
   */
  lambdaRequest: 0.2 / 1_000_000,
  lambdaArmGbSecond: 0.0000133334,

  /**
   * DynamoDB on demand, Standard table class: $0.625 per million write request units (1 KB each, 2 for a
   * transactional write) and $0.125 per million read request units (4 KB strongly consistent, half that eventually
   * consistent, 2 for a transactional read).
   * https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  dynamoWriteRequestUnit: 0.625 / 1_000_000,
  dynamoReadRequestUnit: 0.125 / 1_000_000,
  /**
   * DynamoDB Streams reads by a consumer other than a Lambda trigger: $0.02 per 100,000 GetRecords calls past the
   * first 2,500,000 a month. https://aws.amazon.com/dynamodb/pricing/on-demand/ (Change data capture) and
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html
   */
  dynamoStreamsReadRequest: 0.02 / 100_000,

  /** HTTP APIs, first 300 million requests a month: $1.00 per million. https://aws.amazon.com/api-gateway/pricing/ */
  httpApiRequest: 1 / 1_000_000,

  /**
   * EventBridge: custom events put on a bus, $1.00 per million; Pipes, $0.40 per million requests after filtering
   * (each 64 KB chunk of a request counts as one); Scheduler, $1.00 per million invocations past 14 million free a
   * month. https://aws.amazon.com/eventbridge/pricing/
   */
  eventBridgeEvent: 1 / 1_000_000,
  pipeRequest: 0.4 / 1_000_000,
  schedulerInvocation: 1 / 1_000_000,

  /**
   * CloudWatch: logs ingested (standard class, and vended logs such as Step Functions' first tier), $0.50 per GB;
   * a standard-resolution alarm, $0.10 a month; a custom dashboard, $3.00 a month.
   * https://aws.amazon.com/cloudwatch/pricing/
   */
  logsIngestedGb: 0.5,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  /** A custom metric (namespace, name and dimension values), first 10,000: $0.30 a month. Same page. */
  customMetricMonth: 0.3,

  /**
   * AppSync Events: $1.00 per million Event API operations (each event published, and each delivered to a
   * subscriber), and $0.08 per million connection minutes. https://aws.amazon.com/appsync/pricing/
   */
  appSyncEventOperation: 1 / 1_000_000,
  appSyncConnectionMinute: 0.08 / 1_000_000,

  /** X-Ray: traces recorded, $5.00 per million. https://aws.amazon.com/xray/pricing/ */
  xrayTrace: 5 / 1_000_000,

  /**
   * S3 Standard requests: PUT, COPY, POST and LIST $0.005 per 1,000; GET and the rest $0.0004 per 1,000.
   * https://aws.amazon.com/s3/pricing/
   */
  s3Write: 0.005 / 1_000,
  s3Read: 0.0004 / 1_000,

  /**
   * Secrets Manager: $0.40 per secret a month and $0.05 per 10,000 API calls.
   * https://aws.amazon.com/secrets-manager/pricing/
   */
  secretMonth: 0.4,
  secretsApiCall: 0.05 / 10_000,

  /** KMS: $1.00 a month per customer managed key. https://aws.amazon.com/kms/pricing/ */
  kmsKeyMonth: 1,
} as const;

/** Free tiers the figures leave out, so a reader can tell why a small deployment's bill is lower still. */
export const freeTiersLeftOut = [
  'Step Functions 4,000 transitions',
  'Lambda 1 M requests and 400,000 GB-s',
  'X-Ray 100,000 traces',
  'CloudWatch 5 GB of logs and 10 alarms',
  'Cognito 10,000 monthly active users',
];
