import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeStackOf, routeStacks } from '#infra/api.ts';
import { Fn, metricsNamespace } from '#infra/lambda.ts';
import { routes } from '#infra/routes.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps } from './synth.ts';
import { resourcesOf } from './template.ts';

/** CloudFormation's limit on the resources of one stack, and the share of it a stack may use, leaving room. */
const resourceLimit = 500;
const roomyShare = 0.6;

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
});
afterAll(() => cleanup());

/** The functions built from the project's handler files (`Fn`, which describes each by its file). */
const ownFunctions = () =>
  resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) =>
    fn.Properties.Description?.startsWith('functions/'),
  );

/** The deployment's stacks: its own and every nested one, at any depth. */
const allStacks = () => [stack, ...stack.node.findAll().filter((construct) => NestedStack.isNestedStack(construct))];

describe('room to grow', () => {
  it.each(['FieldOps', ...Object.keys(routeStacks)])('%s is a stack of the deployment', (name) => {
    expect(allStacks().map((each) => each.node.id)).toContain(name);
  });

  it('keeps every stack under 60 % of CloudFormation’s 500 resources', () => {
    const counts = allStacks().map((each) => {
      const resources = Object.keys(Template.fromStack(each as Stack).toJSON().Resources ?? {}).length;
      return [each.node.path, resources] as const;
    });

    expect(counts.length).toBeGreaterThanOrEqual(1 + Object.keys(routeStacks).length);
    for (const [path, resources] of counts) expect(resources, path).toBeLessThan(resourceLimit * roomyShare);
  });

  it('puts every deployed route’s function in the nested stack of its folder', () => {
    const stackOfFunction = new Map(
      stack.node
        .findAll()
        .filter((construct): construct is Fn => construct instanceof Fn)
        .map((fn) => [(fn.node.defaultChild as CfnFunction).description, Stack.of(fn).node.id]),
    );

    for (const route of routes.filter((each) => !each.localOnly)) {
      expect(stackOfFunction.get(route.handler), route.handler).toBe(routeStackOf(route.handler));
    }
  });

  it('refuses a handler folder that belongs to no route stack', () => {
    expect(() => routeStackOf('functions/billing/export.ts')).toThrow(/functions\/billing is in no route stack/);
  });
});

describe('logs and metrics', () => {
  it('has every function log JSON, CDK’s own custom resource handlers included', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');

    expect(functions.length).toBeGreaterThan(ownFunctions().length);
    for (const [id, fn] of functions) expect(fn.Properties.LoggingConfig?.LogFormat, id).toBe('JSON');
  });

  it('has the project’s functions log at INFO, the platform’s lines at WARN', () => {
    for (const [id, fn] of ownFunctions()) {
      expect(fn.Properties.LoggingConfig, id).toMatchObject({ ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' });
    }
  });

  it('names the deployment and the metrics namespace to Powertools in every function of the project', () => {
    const functions = ownFunctions();

    expect(functions.length).toBeGreaterThan(40);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Environment.Variables, id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: stack.stackName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      });
    }
  });
});
