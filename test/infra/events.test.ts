import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSource } from '#infra/events.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps } from './synth.ts';
import { logicalIdOf, resourcesOf, roleStatements } from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

describe('domain events for integrations', () => {
  it('streams the table with new images, for the pipe to read', () => {
    const [[, table] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');
    expect(table?.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('forwards only newly written feed events from the stream to the bus, typed by their event type', () => {
    const [[, pipe] = []] = resourcesOf(template, 'AWS::Pipes::Pipe');
    const [[busId] = []] = resourcesOf(template, 'AWS::Events::EventBus');
    const [[tableId] = []] = resourcesOf(template, 'AWS::DynamoDB::Table');

    expect(pipe?.Properties.Source).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
    expect(pipe?.Properties.Target).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    const [filter] = pipe?.Properties.SourceParameters.FilterCriteria.Filters ?? [];
    expect(JSON.parse(filter.Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { __edb_e__: { S: ['domainEvent'] } } },
    });
    expect(pipe?.Properties.TargetParameters.EventBridgeEventBusParameters).toEqual({
      Source: eventSource,
      DetailType: '$.dynamodb.NewImage.type.S',
    });
  });

  it("lets the pipe's role read the stream, put events on the bus and record dead letters, and nothing more", () => {
    const [[, pipe] = []] = resourcesOf(template, 'AWS::Pipes::Pipe');
    const actions = roleStatements(template, pipe?.Properties.RoleArn).flatMap((s: { Action: string | string[] }) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );

    expect(actions.sort()).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'events:PutEvents',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('records a batch it still fails to deliver after ten retries in its dead-letter queue, output by URL', () => {
    const [[, pipe] = []] = resourcesOf(template, 'AWS::Pipes::Pipe');
    const queueId = logicalIdOf(stack, stack.events.deadLetters);
    const values = Object.values<{ Value: unknown }>(template.toJSON().Outputs).map((output) => output.Value);

    expect(pipe?.Properties.SourceParameters.DynamoDBStreamParameters).toMatchObject({
      MaximumRetryAttempts: 10,
      OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(values).toContainEqual({ Ref: queueId });
  });

  it('starts the pipe only once its role may do all of that', () => {
    const [[, pipe] = []] = resourcesOf(template, 'AWS::Pipes::Pipe');
    const roleId = pipe?.Properties.RoleArn['Fn::GetAtt'][0];
    const policies = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
      .map(([id]) => id);

    expect(policies.length).toBeGreaterThan(0);
    expect(pipe?.DependsOn).toEqual(expect.arrayContaining(policies));
  });
});
