import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { uploadPrefix } from '#shared/attachments/rules.ts';
import { Fn } from './lambda.ts';

/**
 * Server-side checks of uploaded photos and signatures: the bucket's object-created notification for
 * `work-orders/` invokes `functions/attachments/verify-upload.ts`, which verifies each object (size, type, magic
 * bytes) or moves it to quarantine, outside that prefix. An attachment counts only once it is verified.
 */
export class UploadVerification extends Construct {
  readonly fn: Fn;

  constructor(scope: Construct, id: string, props: { table: ITable; bucket: IBucket }) {
    super(scope, id);
    this.fn = new Fn(this, 'VerifyUpload', { handlerFile: 'functions/attachments/verify-upload.ts' })
      .bindTable(props.table, 'write')
      .bindBucket(props.bucket);
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.fn), {
      prefix: uploadPrefix,
    });
    acknowledgeNotificationsHandler(this);
  }
}

/**
 * CDK configures bucket notifications through one singleton custom-resource function per stack, which it builds
 * itself: its role and runtime are not ours to choose, so its findings are acknowledged where they are.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) throw new Error('CDK did not create the bucket notifications handler.');
  Validations.of(handler.node.findChild('Role')).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK builds the bucket notifications handler with the basic execution role; its code never reads data.',
  });
}
