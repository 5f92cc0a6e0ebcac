import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';

/**
 * An App that synthesizes into its own temporary directory, removed by `cleanup()`, without the built-in
 * CloudFormation validation pass (the in-process `CDK_VALIDATION=false`) and, unless `bundle` is set, without
 * bundling assets: together they take a synth from seconds to milliseconds.
 */
export function testApp(options: { bundle?: boolean; context?: AppProps['context'] } = {}): {
  app: App;
  cleanup: () => void;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'fieldops-cdk-test-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
  return { app, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The whole stack, synthesized once per test file without bundling, with its template seen whole (`wholeTemplate`). */
export function synthFieldOps(context?: AppProps['context']) {
  const { app, cleanup } = testApp({ context });
  const { stack } = buildApp(app);
  return { stack, template: wholeTemplate(stack), outdir: app.outdir, cleanup };
}

// Template JSON, rewritten node by node.
type Json = any;

/**
 * A stack's template with every nested stack's resources merged in, as one template: a nested stack's parameters
 * replaced by the values its parent passes, and the parent's reads of its outputs by the outputs' values. Tests of
 * what the deployment does (grants, wiring, retention) read it whole, whichever stack a resource lives in; the
 * test of room per stack reads each stack's own template.
 */
export function wholeTemplate(stack: Stack): Template {
  return Template.fromJSON(merged(stack), { skipCyclicalDependenciesCheck: true });
}

function merged(stack: Stack): Json {
  const template = structuredClone(Template.fromStack(stack).toJSON());
  const nested = stack.node
    .findAll()
    .filter((construct): construct is NestedStack => NestedStack.isNestedStack(construct))
    .filter((child) => child.nestedStackParent === stack);
  for (const child of nested) {
    const id = stack.getLogicalId(child.nestedStackResource as never);
    const childTemplate = merged(child);
    const passed: Record<string, Json> = template.Resources[id].Properties.Parameters ?? {};
    const inner = substitute(childTemplate.Resources, (node) =>
      typeof node.Ref === 'string' && node.Ref in passed ? passed[node.Ref] : undefined,
    );
    const outputs: Record<string, Json> = childTemplate.Outputs ?? {};
    delete template.Resources[id];
    template.Resources = substitute(template.Resources, (node) => {
      const [resource, attribute] = node['Fn::GetAtt'] ?? [];
      return resource === id ? outputs[String(attribute).replace(/^Outputs\./, '')]?.Value : undefined;
    });
    // Waiting for the nested stack is waiting for every resource in it.
    for (const resource of Object.values<Json>(template.Resources)) {
      if (!resource.DependsOn?.includes(id)) continue;
      resource.DependsOn = resource.DependsOn.flatMap((other: string) => (other === id ? Object.keys(inner) : [other]));
    }
    for (const [logicalId, resource] of Object.entries(inner)) {
      if (logicalId in template.Resources) throw new Error(`${logicalId} is in two stacks`);
      template.Resources[logicalId] = resource;
    }
  }
  return template;
}

/** `json` with every object node that `replace` answers for replaced by its answer. */
function substitute(json: Json, replace: (node: Json) => Json | undefined): Json {
  if (Array.isArray(json)) return json.map((item) => substitute(item, replace));
  if (json === null || typeof json !== 'object') return json;
  const replaced = replace(json);
  if (replaced !== undefined) return substitute(replaced, replace);
  return Object.fromEntries(Object.entries(json).map(([key, value]) => [key, substitute(value, replace)]));
}
