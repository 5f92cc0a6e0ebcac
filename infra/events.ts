import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letters.ts';

/** The `source` of every domain event on the bus. */
export const eventSource = 'fieldops';

/**
 * Domain events for integrations (accounting, CRM, stock): each change-feed item the handlers write to the table
 * (`shared/db/entities/domain-event.ts`) is forwarded by an EventBridge Pipe from the table's stream to a bus, as
 * `detail-type` = the event type (`workorder.status_changed`, `invoice.issued` ...). The handlers never publish
 * themselves, so an event exists on the bus exactly when its transaction committed.
 */
export class DomainEvents extends Construct {
  readonly bus: EventBus;
  /** Stream batches the pipe still failed to deliver after its retries. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: { table: ITable }) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('The table needs a stream (NEW_IMAGE) for domain events.');
    this.bus = new EventBus(this, 'Bus');

    const role = new Role(this, 'PipeRole', { assumedBy: new ServicePrincipal('pipes.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [streamArn],
      }),
    );
    this.bus.grantPutEventsTo(role);

    // A batch the bus refuses is halved until the event it refuses is alone; that event is retried ten times, then
    // recorded here (its shard and sequence numbers), so one event the bus will not take cannot hold back the
    // events behind it on its shard. The feed item itself stays in the table, to be published again.
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the domain events pipe',
      description: 'Domain events the pipe could not put on the bus after its retries',
    });
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }));

    const pipe = new CfnPipe(this, 'Pipe', {
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: 10,
          maximumRetryAttempts: 10,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.deadLetters.queueArn },
        },
        // ElectroDB marks each item with its entity: only new feed events are published.
        filterCriteria: {
          filters: [
            {
              pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { __edb_e__: { S: ['domainEvent'] } } },
              }),
            },
          ],
        },
      },
      target: this.bus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: { source: eventSource, detailType: '$.dynamodb.NewImage.type.S' },
        inputTemplate:
          '{"eventId": <$.dynamodb.NewImage.eventId.S>, "at": <$.dynamodb.NewImage.at.S>, ' +
          '"type": <$.dynamodb.NewImage.type.S>, "workOrderId": <$.dynamodb.NewImage.workOrderId.S>, ' +
          '"data": <$.dynamodb.NewImage.data.M>}',
      },
    });
    // The role's policy is a resource of its own: the pipe must not start reading before it may deliver.
    pipe.node.addDependency(role);
  }
}
