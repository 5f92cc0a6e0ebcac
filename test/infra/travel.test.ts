import type { AppProps } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps, testApp } from './synth.ts';
import { type CfnResource, nagFindings, resourcesOf, roleStatements } from './template.ts';

/** A synthesized deployment with its merged template. */
interface Synthesized {
  stack: FieldOpsStack;
  template: Template;
}

const cleanups: (() => void)[] = [];
let plain: Synthesized;
let routed: Synthesized;
let estimated: Synthesized;
beforeAll(() => {
  const synth = (context?: AppProps['context']) => {
    const { stack, template, cleanup } = synthFieldOps(context);
    cleanups.push(cleanup);
    return { stack, template };
  };
  plain = synth();
  routed = synth({ travel: 'amazon-location' });
  estimated = synth({ travel: 'estimate' });
});
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/** The region's Amazon Location routes provider, as the service authorization reference writes its ARN. */
const routesProvider = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':geo-routes:', { Ref: 'AWS::Region' }, '::provider/default']],
};

/** The project's own functions (`Fn` describes each with its handler file), not those CDK brings. */
const ownFunctions = (template: Template): [string, CfnResource][] =>
  resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) =>
    String(fn.Properties.Description).startsWith('functions/'),
  );

const travelSourceOf = (fn: CfnResource) => fn.Properties.Environment?.Variables?.FIELDOPS_TRAVEL;
const geoRoutesStatements = (template: Template, roleArn: { 'Fn::GetAtt': [string, string] }) =>
  roleStatements(template, roleArn).filter((statement) =>
    [statement.Action].flat().some((action: string) => action.startsWith('geo-routes:')),
  );

describe('with -c travel=amazon-location', () => {
  it('has every function plan with the route matrix', () => {
    const functions = ownFunctions(routed.template);

    expect(functions.length).toBeGreaterThan(20);
    for (const [id, fn] of functions) expect(travelSourceOf(fn), id).toBe('amazon-location');
  });

  it("lets every function calculate route matrices from the region's provider, and nothing more of Amazon Location", () => {
    for (const [id, fn] of ownFunctions(routed.template))
      expect(geoRoutesStatements(routed.template, fn.Properties.Role), id).toEqual([
        { Action: 'geo-routes:CalculateRouteMatrix', Effect: 'Allow', Resource: routesProvider },
      ]);
  });

  it('passes the AwsSolutions and Serverless checks', () => {
    expect(nagFindings(routed.stack)).toEqual([]);
  });
});

describe('without it', () => {
  it('gives no function the variable or any Amazon Location permission', () => {
    for (const [id, fn] of resourcesOf(plain.template, 'AWS::Lambda::Function')) {
      expect(travelSourceOf(fn), id).toBeUndefined();
      expect(geoRoutesStatements(plain.template, fn.Properties.Role), id).toEqual([]);
    }
  });

  it('changes nothing in the template with -c travel=estimate', () => {
    expect(estimated.template.toJSON()).toEqual(plain.template.toJSON());
  });

  it('refuses a travel source it does not know', () => {
    const { app, cleanup } = testApp({ context: { travel: 'google' } });
    try {
      expect(() => buildApp(app)).toThrow(/Context travel must be estimate .* or amazon-location/);
    } finally {
      cleanup();
    }
  });
});
