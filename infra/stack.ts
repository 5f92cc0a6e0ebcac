import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { UploadVerification } from './attachments.ts';
import { DomainEvents } from './events.ts';
import { PlannedMaintenance } from './planned-maintenance.ts';
import { Storage } from './storage.ts';
import { Workflow } from './workflow.ts';

/** Deployment options for a business's own instance. */
export interface FieldOpsStackProps extends StackProps {
  /** Origins of the office and engineer web apps, for CORS. @default every origin */
  readonly corsOrigins?: string[];
}

/** One business's whole deployment: storage, the work order workflow, the HTTP API, uploads and domain events. */
export class FieldOpsStack extends Stack {
  readonly storage: Storage;
  readonly workflow: Workflow;
  readonly api: Api;
  readonly uploadVerification: UploadVerification;
  readonly events: DomainEvents;
  readonly plannedMaintenance: PlannedMaintenance;

  constructor(scope: Construct, id: string, props: FieldOpsStackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage');
    this.workflow = new Workflow(this, 'Workflow', { table: this.storage.table });
    this.api = new Api(this, 'Api', {
      table: this.storage.table,
      workflow: this.workflow.ref,
      bucket: this.storage.bucket,
      corsOrigins: props.corsOrigins,
    });
    this.uploadVerification = new UploadVerification(this, 'UploadVerification', {
      table: this.storage.table,
      bucket: this.storage.bucket,
    });
    this.events = new DomainEvents(this, 'Events', { table: this.storage.table });
    this.plannedMaintenance = new PlannedMaintenance(this, 'PlannedMaintenance', {
      table: this.storage.table,
      workflow: this.workflow.ref,
    });
  }
}
