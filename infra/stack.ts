import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { Storage } from './storage.ts';
import { Workflow } from './workflow.ts';

/** Deployment options for a business's own instance. */
export interface FieldOpsStackProps extends StackProps {
  /** Origins of the office and engineer web apps, for CORS. @default every origin */
  readonly corsOrigins?: string[];
}

/** One business's whole deployment: storage, the work order workflow and the HTTP API. */
export class FieldOpsStack extends Stack {
  readonly storage: Storage;
  readonly workflow: Workflow;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: FieldOpsStackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage');
    this.workflow = new Workflow(this, 'Workflow', { table: this.storage.table });
    this.api = new Api(this, 'Api', {
      table: this.storage.table,
      workflow: this.workflow.ref,
      corsOrigins: props.corsOrigins,
    });
  }
}
