import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tableKeys } from '#shared/db/table.ts';

/** A table the stack uses rather than makes: one restored from point-in-time recovery or a backup. */
export interface ExistingTable {
  readonly tableName: string;
  /**
   * Its stream's ARN (NEW_IMAGE), which feeds the domain events. A restored table comes back without a stream:
   * enable one first (docs/DEPLOY.md).
   */
  readonly tableStreamArn: string;
}

/** Options for where the data lives. */
export interface StorageProps {
  /** Use this table instead of making a new one. @default a new table */
  readonly existingTable?: ExistingTable;
}

/**
 * Where the business's data lives: the single DynamoDB table (keys from shared/db/table.ts, which the local store
 * also reads) and the attachments bucket (photos, signatures, raw e-mails). Both outlive the stack: deleting the
 * stack must never delete a business's records.
 */
export class Storage extends Construct {
  /** Every entity, through ElectroDB. */
  readonly table: ITable;
  /** Photos, signatures and raw e-mails; uploaded from phones and browsers with presigned POSTs. */
  readonly bucket: Bucket;
  /** S3 server access logs of the stack's buckets, each under its own prefix. */
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    this.table = props.existingTable ? this.existingTable(props.existingTable) : this.newTable();

    // Logs nowhere itself: logging the log bucket would loop (cdk-nag's S1 exempts a log destination for that reason).
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });

    this.bucket = new Bucket(this, 'Attachments', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      // Versions guard against an overwrite or delete by mistake; after 90 days an old version is only cost.
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Presigned POSTs come straight from engineers' phones and customers' browsers, whatever their origin; the
      // signed policy, not the origin, is what authorises an upload.
      cors: [{ allowedMethods: [HttpMethods.POST], allowedOrigins: ['*'], allowedHeaders: ['*'], maxAge: 3000 }],
    });
  }

  /** The single table, new: on demand, with point-in-time recovery, deletion protection, its stream and TTL. */
  private newTable(): Table {
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    const table = new Table(this, 'Table', {
      partitionKey: string(tableKeys.partitionKey),
      sortKey: string(tableKeys.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      // Feeds the domain events to EventBridge (infra/events.ts).
      stream: StreamViewType.NEW_IMAGE,
      // Epoch seconds, on the items that lapse (idempotency records, shared/db/idempotency.ts); items without it stay.
      timeToLiveAttribute: 'expiresAt',
    });
    for (const index of tableKeys.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        // Whole items, or keys only where work orders are written often (see shared/db/table.ts).
        projectionType: ProjectionType[index.projection],
      });
    }
    return table;
  }

  /**
   * A table made outside the stack (restored from point-in-time recovery), with the indexes of shared/db/table.ts
   * so that grants cover them. Its stream, TTL, point-in-time recovery and deletion protection are set by hand.
   */
  private existingTable(existing: ExistingTable): ITable {
    return Table.fromTableAttributes(this, 'Table', {
      tableName: existing.tableName,
      tableStreamArn: existing.tableStreamArn,
      globalIndexes: tableKeys.globalIndexes.map((index) => index.indexName),
    });
  }
}
