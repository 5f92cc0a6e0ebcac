import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, type Stack, Stage, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** A CloudFormation resource as the tests read it. */
export interface CfnResource {
  Type: string;
  // `any`: template JSON, read by tests that assert its shape.
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** Resources of one type as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

/** One resource by logical id, failing loudly when absent. */
export function resource(template: Template, logicalId: string): CfnResource {
  const found = (template.toJSON().Resources as Record<string, CfnResource>)[logicalId];
  if (!found) throw new Error(`No resource ${logicalId} in the template`);
  return found;
}

/** The one resource of a type (that `filter` keeps), failing loudly when there is none or several. */
export function onlyResource(
  template: Template,
  type: string,
  filter: (resource: CfnResource) => boolean = () => true,
): [string, CfnResource] {
  const found = resourcesOf(template, type).filter(([, candidate]) => filter(candidate));
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return found[0] as [string, CfnResource];
}

/** A bucket deployment's sources as staged under the assembly's `outdir`: one folder each, in order. */
export function stagedSources(outdir: string, deployment: CfnResource): string[] {
  return (deployment.Properties.SourceObjectKeys as string[]).map((key) =>
    join(outdir, `asset.${key.replace(/\.zip$/, '')}`),
  );
}

/**
 * A JSON file a bucket deployment writes (`Source.jsonData`), from the last of its sources that holds it, as the
 * deployment would write it: each marker replaced by its CloudFormation expression as JSON, with single quotes
 * (`{'Ref':'PortalAppClient…'}`). `undefined` when no source holds it.
 */
export function deployedJson(outdir: string, deployment: CfnResource, file: string): any {
  const sources = stagedSources(outdir, deployment);
  const index = sources.findLastIndex((source) => existsSync(join(source, file)));
  if (index < 0) return undefined;
  const markers: Record<string, unknown> = deployment.Properties.SourceMarkers?.[index] ?? {};
  return JSON.parse(
    readFileSync(join(sources[index] as string, file), 'utf8').replace(/<<marker:0xbaba:\d+>>/g, (marker) =>
      JSON.stringify(markers[marker]).replaceAll('"', "'"),
    ),
  );
}

/** The template's logical id of an L2 construct's CloudFormation resource. */
export function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Functions by their Description, which `Fn` sets to the handler file. */
export function functionsByHandlerFile(template: Template): Map<string, [string, CfnResource]> {
  return new Map(
    resourcesOf(template, 'AWS::Lambda::Function').map((entry) => [entry[1].Properties.Description, entry]),
  );
}

/** The function built from one handler file, with its logical id. */
export function functionOf(template: Template, handlerFile: string): [string, CfnResource] {
  const entry = functionsByHandlerFile(template).get(handlerFile);
  if (!entry) throw new Error(`No function for ${handlerFile}`);
  return entry;
}

/** The one EventBridge Scheduler schedule that invokes the function with this logical id. */
export function scheduleOf(template: Template, functionId: string): CfnResource {
  return onlyResource(
    template,
    'AWS::Scheduler::Schedule',
    (candidate) => candidate.Properties.Target.Arn['Fn::GetAtt'][0] === functionId,
  )[1];
}

/** Who may invoke the function with this logical id (its `AWS::Lambda::Permission` resources' properties). */
export function invokePermissionsOf(template: Template, functionId: string): CfnResource['Properties'][] {
  return resourcesOf(template, 'AWS::Lambda::Permission')
    .map(([, permission]) => permission.Properties)
    .filter((permission) => permission.FunctionName['Fn::GetAtt']?.[0] === functionId);
}

/**
 * The Allow statements of the inline policies attached to the role `roleArn` (a `Fn::GetAtt` of the role), as
 * `any`: policy statements, read by tests that assert their shape.
 */
export function roleStatements(template: Template, roleArn: { 'Fn::GetAtt': [string, string] }): any[] {
  const roleId = roleArn['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .filter((statement) => statement.Effect === 'Allow');
}

/** Every action the function's role is allowed. */
export function allowedActions(template: Template, fn: CfnResource): Set<string> {
  return new Set(roleStatements(template, fn.Properties.Role).flatMap((statement) => [statement.Action].flat()));
}

/** An acknowledged cdk-nag rule, where it was acknowledged and why. */
export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** The cdk-nag packs the stack is checked with (infra/app.ts registers the same). */
const nagPacks = ['AwsSolutions-', 'Serverless-'];

/** Every cdk-nag acknowledgement recorded with `Validations.of(construct).acknowledge()` under `root`. */
export function nagAcknowledgements(root: IConstruct): Acknowledgement[] {
  synthesized(root);
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason }))
      .filter((ack) => nagPacks.some((pack) => ack.id.startsWith(pack))),
  );
}

/**
 * The AwsSolutions and Serverless findings under `root` as `[ruleId, constructPath]`, with or without
 * acknowledgements.
 */
export function nagFindings(root: IConstruct, options: { ignoreAcknowledgements?: boolean } = {}) {
  synthesized(root);
  const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
  // cdk-nag has no public switch to list acknowledged findings; shadowing its private check is the only way to
  // prove that each acknowledgement answers a finding that is really there.
  if (options.ignoreAcknowledgements) for (const pack of packs) Object.assign(pack, { isAcknowledged: () => false });
  return packs
    .flatMap((pack) => pack.validateScope(root).violations)
    .flatMap((violation) =>
      violation.violatingResources.map((found) => ({
        id: violation.ruleName,
        severity: violation.severity,
        path: found.constructPath ?? '',
      })),
    );
}

/**
 * Synthesizes the app `root` is in, once: some acknowledgements name what a reference becomes in the template,
 * so they are made while the app is validated (`acknowledgeWildcard`).
 */
function synthesized(root: IConstruct): void {
  Stage.of(root)?.synth();
}

/** Phrases that excuse rather than explain; a reason must say why this resource is the exception. */
const excuse =
  /\b(todo|for now|temporar\w*|false positive|suppress\w*|ignore\w*|not (needed|required|applicable|relevant))\b/i;

/** Whether a suppression reason is specific enough to audit: a sentence of substance, not an excuse. */
export function isSpecificReason(reason: string): boolean {
  return reason.trim().length >= 20 && !excuse.test(reason);
}

/**
 * A chain of resources that each wait for the next and the last for the first (through `Ref`, `Fn::GetAtt`,
 * `Fn::Sub` or `DependsOn`), which CloudFormation refuses to deploy; `undefined` when there is none.
 */
export function dependencyCycle(template: Template): string[] | undefined {
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  const waitsFor = (id: string) => {
    const found = new Set<string>([resources[id]?.DependsOn ?? []].flat());
    JSON.stringify(resources[id]?.Properties ?? {}, (key, value) => {
      if (key === 'Ref' && typeof value === 'string') found.add(value);
      if (key === 'Fn::GetAtt') found.add(Array.isArray(value) ? value[0] : String(value).replace(/\..*/, ''));
      if (key === 'Fn::Sub') for (const [, name = ''] of JSON.stringify(value).matchAll(/\$\{(\w+)/g)) found.add(name);
      return value;
    });
    return [...found].filter((other) => other in resources);
  };
  const done = new Set<string>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (path.includes(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id)) return undefined;
    for (const next of waitsFor(id)) {
      const cycle = visit(next, [...path, id]);
      if (cycle) return cycle;
    }
    done.add(id);
    return undefined;
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The environment variables a function was bound (a table, the workflow, the bucket, a secret), sorted: those every
 * function gets alike (Node's options, Powertools' service name and namespace) left out.
 */
export function boundEnvironment(fn: CfnResource): string[] {
  return Object.keys(fn.Properties.Environment.Variables)
    .filter((name) => name !== 'NODE_OPTIONS' && !name.startsWith('POWERTOOLS_'))
    .sort();
}
