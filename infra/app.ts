import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  customDomainOf,
  emailSenderOf,
  existingTableOf,
  smsSenderOf,
  stackNameFromContext,
  travelSourceOf,
} from './deploy-options.ts';
import { Fn } from './lambda.ts';
import { FieldOpsStack } from './stack.ts';

/**
 * Builds the FieldOps stack into `app` with the AWS Solutions checks registered, so `cdk synth` and the tests see
 * the same stack. Account and region come from the CLI's environment when set; otherwise the stack is
 * environment-agnostic and deploys wherever the credentials point.
 */
export function buildApp(app = new App()): { app: App; stack: FieldOpsStack } {
  // cdk-nag 3 is a validation plugin (Validations), not an Aspect: violations fail synthesis with a report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const corsOrigins = app.node.tryGetContext('corsOrigins') as string | undefined;
  const intakeRecipients = app.node.tryGetContext('intakeRecipients') as string | undefined;
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const stack = new FieldOpsStack(app, stackNameFromContext(app), {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'Work order management for field service: intake, approval, scheduling, dispatch and closeout.',
    corsOrigins: corsOrigins?.split(',').map((origin) => origin.trim()),
    intakeRecipients: intakeRecipients?.split(',').map((recipient) => recipient.trim()),
    logExecutionData: contextFlag(app, 'logExecutionData'),
    reserveConcurrency: contextFlag(app, 'reserveConcurrency'),
    mailIntake: contextFlag(app, 'mailIntake'),
    apiDomain: customDomainOf(app, 'api', process.env.CDK_DEFAULT_REGION),
    portalDomain: customDomainOf(app, 'portal', 'us-east-1'),
    existingTable: existingTableOf(app),
    alarmEmail: alarmEmail?.trim() || undefined,
    emailSender: emailSenderOf(app),
    smsSender: smsSenderOf(app),
    travel: travelSourceOf(app),
  });
  // -c sourceMaps=true: stack traces decoded with each bundle's map, which every function then reads at cold start.
  if (contextFlag(app, 'sourceMaps'))
    for (const construct of stack.node.findAll()) if (construct instanceof Fn) construct.enableSourceMaps();
  return { app, stack };
}

/** A `-c name=true|false` switch (a string on the command line, a boolean in cdk.json); unset is `undefined`. */
function contextFlag(app: App, name: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${name} must be true or false, not ${String(value)}.`);
}

// Synthesize only when run as the CDK app (`cdk.json`), not when tests import buildApp.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildApp().app.synth();
