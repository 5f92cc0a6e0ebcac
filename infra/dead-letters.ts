import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What a dead-letter queue records, for its acknowledgement and its output. */
export interface DeadLetterQueueProps {
  /** Whose failures it receives, as a noun phrase: "the verify-upload function", "the domain events pipe". */
  readonly receives: string;
  /** The description of the queue URL output: what a message in the queue is. */
  readonly description: string;
  /**
   * It is also an SQS queue's dead-letter queue (the target of that queue's redrive policy), which cdk-nag then
   * knows it for without being told. @default false: only Lambda, EventBridge or Pipes write to it
   */
  readonly redriveTarget?: boolean;
}

/**
 * Where an asynchronous edge puts what it still failed on after its retries, so that nothing is dropped: an SQS
 * queue encrypted with SQS-managed keys, reachable only over TLS, keeping each message 14 days (SQS's longest) for
 * an operator to read and redrive. Its URL is a stack output named `<construct>DeadLetterQueueUrl`, so a construct
 * has at most one.
 */
export class DeadLetterQueue extends Queue {
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = `This queue is the on-failure destination of ${props.receives}: it is the dead-letter queue.`;
    Validations.of(this).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: `${reason} No consumer fails on it: an operator reads it.`,
    });
    if (!props.redriveTarget) Validations.of(this).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    new CfnOutput(scope, 'DeadLetterQueueUrl', { value: this.queueUrl, description: props.description });
  }

  /**
   * Makes this queue the on-failure destination of the function's asynchronous invocations (S3 notifications,
   * EventBridge Scheduler): Lambda retries a failed event `retryAttempts` times, then records it here with the
   * error. An event still waiting after `maxEventAge` (default six hours, Lambda's longest) comes here too.
   */
  receiveAsyncFailuresOf(fn: IFunction, options: { retryAttempts: number; maxEventAge?: Duration }): void {
    fn.configureAsyncInvoke({
      retryAttempts: options.retryAttempts,
      maxEventAge: options.maxEventAge,
      onFailure: new SqsDestination(this),
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Its failed asynchronous events go to an on-failure destination, which keeps the error with each event.',
    });
  }
}
