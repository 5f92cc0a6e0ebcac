import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppProps } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { outputKeys } from '#infra/admin-create.ts';
import { buildApp } from '#infra/app.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { tableKeys } from '#shared/db/table.ts';
import { synthFieldOps, testApp } from './synth.ts';
import {
  type CfnResource,
  deployedJson,
  functionOf,
  functionsByHandlerFile,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  onlyResource,
  resourcesOf,
} from './template.ts';

/** A synthesized deployment with the context given, its merged template, and where its assets were staged. */
interface Synthesized {
  stack: FieldOpsStack;
  template: Template;
  outdir: string;
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

function synth(context: AppProps['context'] = {}): Synthesized {
  const { stack, template, outdir, cleanup } = synthFieldOps(context);
  cleanups.push(cleanup);
  return { stack, template, outdir };
}

/** What synthesizing with this context throws. */
function synthError(context: AppProps['context']): string {
  const { app, cleanup } = testApp({ context });
  try {
    buildApp(app);
  } catch (error) {
    return (error as Error).message;
  } finally {
    cleanup();
  }
  throw new Error(`Synthesis with ${JSON.stringify(context)} did not fail`);
}

const outputs = (template: Template) => Object.entries(template.toJSON().Outputs as Record<string, { Value: unknown }>);
const outputValue = (template: Template, prefix: string) =>
  outputs(template).find(([key]) => key.startsWith(prefix))?.[1].Value;

/**
 * Names that are the resource's own and must be unique in an account and region: every top-level property ending
 * in `Name` (and a CloudFront config's `Name`), as JSON, except those unique only within another resource of the
 * same stack (listed) and those referring to a resource of the template (a generated name, unique by itself).
 */
function physicalNames(template: Template): Map<string, string> {
  const scoped: Record<string, string[]> = {
    // An inline policy's name is unique within its role.
    'AWS::IAM::Policy': ['PolicyName'],
    // A stage's and an authorizer's names are unique within their API.
    'AWS::ApiGatewayV2::Stage': ['StageName'],
    'AWS::ApiGatewayV2::Authorizer': ['Name'],
    // A channel namespace's name is unique within its Event API.
    'AWS::AppSync::ChannelNamespace': ['Name'],
    // The metric an alarm watches, not the alarm.
    'AWS::CloudWatch::Alarm': ['MetricName'],
  };
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  const refersToResource = (json: string) =>
    [...json.matchAll(/"(?:Ref|Fn::GetAtt)":\[?"([^"]+)"/g)].some(([, id = '']) => id in resources);
  const names = new Map<string, string>();
  for (const [id, { Type: type, Properties: properties = {} }] of Object.entries(resources)) {
    const candidates = Object.entries(properties).flatMap(([key, value]): [string, unknown][] => {
      if (key.endsWith('Config') && value && typeof value === 'object' && 'Name' in value)
        return [[`${key}.Name`, value.Name]];
      return key.endsWith('Name') && !scoped[type]?.includes(key) ? [[key, value]] : [];
    });
    for (const [key, value] of candidates) {
      const json = JSON.stringify(value);
      if (!refersToResource(json)) names.set(`${type} ${id}.${key}`, json);
    }
  }
  return names;
}

describe('a stage (-c stage=<name>)', () => {
  let main: Synthesized;
  let staging: Synthesized;
  beforeAll(() => {
    main = synth();
    staging = synth({ stage: 'staging' });
  });

  it('is the FieldOps-<stage> stack, while no stage keeps the FieldOps stack and its names', () => {
    const [, machine] = onlyResource(main.template, 'AWS::StepFunctions::StateMachine');
    const [, ruleSet] = onlyResource(main.template, 'AWS::SES::ReceiptRuleSet');
    const [, domain] = onlyResource(main.template, 'AWS::Cognito::UserPoolDomain');

    expect(main.stack.stackName).toBe('FieldOps');
    expect(staging.stack.stackName).toBe('FieldOps-staging');
    expect(machine.Properties.StateMachineName).toBe('FieldOps-WorkOrder');
    expect(ruleSet.Properties.RuleSetName).toBe('FieldOps-MailIntake');
    // A pool's domain cannot be replaced in place: the deployed one's prefix must not change.
    expect(domain.Properties.Domain).toEqual({
      'Fn::Join': ['-', ['fieldops', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
    });
  });

  it('shares no physical name with another stage, so both deploy side by side in one account and region', () => {
    const mainNames = physicalNames(main.template);
    const stagingNames = new Set(physicalNames(staging.template).values());
    const shared = [...mainNames].filter(([, name]) => stagingNames.has(name));

    expect(mainNames.size).toBeGreaterThan(10);
    expect(shared).toEqual([]);
  });

  it("names the state machine, its log group, the rule set, the sign-in domain and the API after the stage's stack", () => {
    const names = [...physicalNames(staging.template).values()].join('\n');
    const [, domain] = onlyResource(staging.template, 'AWS::Cognito::UserPoolDomain');

    expect(names).toContain('"FieldOps-staging-WorkOrder"');
    expect(names).toContain('"/aws/vendedlogs/states/FieldOps-staging-WorkOrder"');
    expect(names).toContain('"FieldOps-staging-MailIntake"');
    expect(names).toContain('"FieldOps-staging"');
    expect(domain.Properties.Domain['Fn::Join'][1][0]).toBe('fieldops-staging');
  });

  it('outputs the user pool and its app client under the keys npm run admin:create reads, in every stage', () => {
    for (const { stack, template } of [main, staging]) {
      const keys = outputs(template).map(([key]) => key);

      expect(keys.filter((key) => outputKeys.userPoolId.test(key))).toHaveLength(1);
      expect(keys.filter((key) => outputKeys.userPoolClientId.test(key))).toHaveLength(1);
      expect(outputs(template).find(([key]) => outputKeys.userPoolId.test(key))?.[1].Value).toEqual({
        Ref: logicalIdOf(stack, stack.api.userPool),
      });
    }
  });

  it.each([
    ['Staging', 'uppercase'],
    ['2024', 'starting with a digit'],
    ['staging-', 'ending with a hyphen'],
    ['a-very-long-stage-name', 'longer than 16 characters'],
    ['aws-test', 'a word the sign-in domain may not hold'],
    ['my_stage', 'an underscore'],
  ])('refuses %j (%s), saying what a stage name is', (stage) => {
    expect(synthError({ stage })).toMatch(/^Stage ".*" is not a stage name: use 1 to 16 lowercase letters/);
  });
});

describe('custom domains (-c apiDomain, apiCertificateArn, portalDomain, portalCertificateArn)', () => {
  const apiCertificateArn = 'arn:aws:acm:eu-west-2:123456789012:certificate/0f6a7c1e-3b5d-4c8e-9a2f-1d3e5f7a9b0c';
  const portalCertificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b';
  const domains = {
    apiDomain: 'api.example.com',
    apiCertificateArn,
    portalDomain: 'requests.example.com',
    portalCertificateArn,
  };
  let deployed: Synthesized;
  beforeAll(() => {
    deployed = synth(domains);
  });

  const only = (type: string) => onlyResource(deployed.template, type)[1];
  const logicalId = (construct: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(deployed.stack, construct);
  /** A response headers policy's config, by its comment: the web form and the engineer's app have one each. */
  const headersPolicy = (comment: string) =>
    onlyResource(
      deployed.template,
      'AWS::CloudFront::ResponseHeadersPolicy',
      (policy) => policy.Properties.ResponseHeadersPolicyConfig.Comment === comment,
    )[1].Properties.ResponseHeadersPolicyConfig;
  /** The config.json deployed under a prefix of the pages' bucket (its values known at synthesis here). */
  const deployedConfig = (prefix: string) => {
    const [, deployment] = onlyResource(
      deployed.template,
      'Custom::CDKBucketDeployment',
      (candidate) =>
        candidate.Properties.DestinationBucketKeyPrefix === prefix &&
        deployedJson(deployed.outdir, candidate, 'config.json') !== undefined,
    );
    return deployedJson(deployed.outdir, deployment, 'config.json');
  };

  it("serves the API on its domain with the regional certificate, mapped to the API's default stage", () => {
    const [domainId, domain] = onlyResource(deployed.template, 'AWS::ApiGatewayV2::DomainName');
    const [stageId] = onlyResource(deployed.template, 'AWS::ApiGatewayV2::Stage');
    const mapping = only('AWS::ApiGatewayV2::ApiMapping');

    expect(domain.Properties).toEqual({
      DomainName: 'api.example.com',
      DomainNameConfigurations: [
        { CertificateArn: apiCertificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
      ],
    });
    expect(mapping.Properties).toEqual({
      ApiId: { Ref: logicalId(deployed.stack.api.httpApi) },
      DomainName: { Ref: domainId },
      Stage: '$default',
    });
    // The stage is named, not referred to: the mapping must wait for it.
    expect(mapping.DependsOn).toContain(stageId);
  });

  it('outputs the name to point the API domain at, and the API URL on its domain', () => {
    const [domainId] = onlyResource(deployed.template, 'AWS::ApiGatewayV2::DomainName');

    expect(outputValue(deployed.template, 'ApiDomainTarget')).toEqual({
      'Fn::GetAtt': [domainId, 'RegionalDomainName'],
    });
    expect(outputValue(deployed.template, 'ApiUrl')).toBe('https://api.example.com/');
  });

  it('serves the web form on its domain with the us-east-1 certificate, TLS 1.2 (2021) at least', () => {
    const config = only('AWS::CloudFront::Distribution').Properties.DistributionConfig;

    expect(config.Aliases).toEqual(['requests.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: portalCertificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
  });

  it("outputs the distribution's name to point the web form's domain at, and the page's address on its domain", () => {
    const distributionId = logicalId(deployed.stack.portal.distribution);

    expect(outputValue(deployed.template, 'PortalDomainTarget')).toEqual({
      'Fn::GetAtt': [distributionId, 'DomainName'],
    });
    expect(outputValue(deployed.template, 'PortalUrl')).toBe('https://requests.example.com/portal/');
  });

  it("returns customers from sign-in to the page's domain", () => {
    const client = deployed.template.toJSON().Resources[logicalId(deployed.stack.portal.userPoolClient)];

    expect(client.Properties.CallbackURLs).toEqual(['https://requests.example.com/portal/']);
    expect(client.Properties.LogoutURLs).toEqual(['https://requests.example.com/portal/']);
  });

  it("lets the page call the API's domain by name (CSP), and the API allow the page's domain (CORS)", () => {
    const policy = headersPolicy('FieldOps web form: security headers');
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);

    expect(csp).toContain("connect-src 'self' https://api.example.com https://");
    expect(csp).not.toContain('execute-api');
    expect(only('AWS::ApiGatewayV2::Api').Properties.CorsConfiguration.AllowOrigins).toEqual([
      'https://requests.example.com',
    ]);
  });

  it("writes the page's config.json with the API and sign-in return address on their domains", () => {
    const config = deployedConfig('portal/');

    expect(config.apiUrl).toBe('https://api.example.com/');
    expect(config.auth.redirectUri).toBe('https://requests.example.com/portal/');
  });

  it("serves the engineer's app on the same domain: its address, sign-in return, config.json and CSP", () => {
    const client = deployed.template.toJSON().Resources[logicalId(deployed.stack.portal.appClient)];
    const csp = JSON.stringify(
      headersPolicy("FieldOps engineer's app: security headers").SecurityHeadersConfig.ContentSecurityPolicy,
    );
    const config = deployedConfig('app/');

    expect(outputValue(deployed.template, 'PortalAppUrl')).toBe('https://requests.example.com/app/');
    expect(client.Properties.CallbackURLs).toEqual(['https://requests.example.com/app/']);
    expect(client.Properties.LogoutURLs).toEqual(['https://requests.example.com/app/']);
    expect(config.apiUrl).toBe('https://api.example.com/');
    expect(config.auth.redirectUri).toBe('https://requests.example.com/app/');
    expect(csp).toContain("connect-src 'self' https://api.example.com https://");
    expect(csp).not.toContain('execute-api');
  });

  it('creates no DNS records: the business points its own at the outputs', () => {
    expect(resourcesOf(deployed.template, 'AWS::Route53::RecordSet')).toEqual([]);
  });

  it('still allows exactly the corsOrigins given', () => {
    const { template } = synth({ ...domains, corsOrigins: 'https://office.example.com' });

    expect(onlyResource(template, 'AWS::ApiGatewayV2::Api')[1].Properties.CorsConfiguration.AllowOrigins).toEqual([
      'https://office.example.com',
    ]);
  });

  it("leave the AWS Solutions checks clean with no acknowledgement of the default certificate's TLS floor", () => {
    const acknowledged = nagAcknowledgements(deployed.stack).map((ack) => ack.id);

    expect(nagFindings(deployed.stack)).toEqual([]);
    expect(acknowledged).not.toContain('AwsSolutions-CFR4');
  });

  describe('refused', () => {
    afterEach(() => vi.unstubAllEnvs());

    it.each([
      [{ apiDomain: 'api.example.com' }, /^Context apiDomain needs apiCertificateArn/],
      [{ apiCertificateArn }, /^Context apiCertificateArn needs apiDomain/],
      [{ portalDomain: 'requests.example.com' }, /^Context portalDomain needs portalCertificateArn.*us-east-1/],
      [{ portalCertificateArn }, /^Context portalCertificateArn needs portalDomain/],
      [{ apiDomain: 'https://api.example.com', apiCertificateArn }, /^Context apiDomain must be a domain name/],
      [{ apiDomain: 'localhost', apiCertificateArn }, /^Context apiDomain must be a domain name/],
      [{ apiDomain: 'api.example.com', apiCertificateArn: 'not-an-arn' }, /must be an ACM certificate ARN/],
      [
        { portalDomain: 'requests.example.com', portalCertificateArn: apiCertificateArn },
        /^Context portalCertificateArn must name a certificate in us-east-1, not eu-west-2: CloudFront/,
      ],
    ])('%j', (context, message) => {
      expect(synthError(context)).toMatch(message);
    });

    it("when the API's certificate is not of the stack's region", () => {
      vi.stubEnv('CDK_DEFAULT_REGION', 'eu-west-1');

      expect(synthError({ apiDomain: 'api.example.com', apiCertificateArn })).toMatch(
        /^Context apiCertificateArn must name a certificate in eu-west-1, the stack's region, not eu-west-2/,
      );
    });
  });
});

describe('mail intake (-c mailIntake=false)', () => {
  let off: Synthesized;
  beforeAll(() => {
    off = synth({ mailIntake: 'false' });
  });

  it('deploys no rule set, receipt rule, receiving function, dead-letter queue or bucket notification for mail', () => {
    const notifications = onlyResource(off.template, 'Custom::S3BucketNotifications')[1].Properties;
    const prefixes = notifications.NotificationConfiguration.LambdaFunctionConfigurations.map(
      (configuration: any) => configuration.Filter.Key.FilterRules[0].Value,
    );

    expect(off.stack.mailIntake).toBeUndefined();
    expect(resourcesOf(off.template, 'AWS::SES::ReceiptRuleSet')).toEqual([]);
    expect(resourcesOf(off.template, 'AWS::SES::ReceiptRule')).toEqual([]);
    expect(functionsByHandlerFile(off.template).has('functions/intake/receive-email.ts')).toBe(false);
    expect(outputs(off.template).map(([key]) => key)).not.toContainEqual(expect.stringMatching(/^MailIntake/));
    expect(prefixes).toEqual(['work-orders/']);
    expect(JSON.stringify(off.template.toJSON())).not.toContain('ses.amazonaws.com');
  });

  it('keeps everything else, the inbound mail list included (it lists nothing)', () => {
    const on = synth();
    const handlerFiles = (template: Template) => [...functionsByHandlerFile(template).keys()];

    expect(handlerFiles(off.template)).toEqual(
      handlerFiles(on.template).filter((file) => file !== 'functions/intake/receive-email.ts'),
    );
    expect(functionOf(off.template, 'functions/intake/list-inbound-mail.ts')).toBeDefined();
  });

  it('is on when set true, as by default', () => {
    const { stack, template } = synth({ mailIntake: 'true' });

    expect(stack.mailIntake).toBeDefined();
    expect(resourcesOf(template, 'AWS::SES::ReceiptRuleSet')).toHaveLength(1);
  });

  it('leaves the AWS Solutions checks clean', () => {
    expect(nagFindings(off.stack)).toEqual([]);
  });

  it('refuses anything but true or false', () => {
    expect(synthError({ mailIntake: 'no' })).toBe('Context mailIntake must be true or false, not no.');
  });
});

describe('a restored table (-c tableName, tableStreamArn)', () => {
  const tableName = 'fieldops-restored-2025-06-01';
  const tableStreamArn = `arn:aws:dynamodb:eu-west-2:123456789012:table/${tableName}/stream/2025-06-01T10:00:00.000`;
  let restored: Synthesized;
  beforeAll(() => {
    restored = synth({ tableName, tableStreamArn });
  });

  it('creates no table', () => {
    expect(resourcesOf(restored.template, 'AWS::DynamoDB::Table')).toEqual([]);
  });

  it('names the given table to every function that reads or writes it', () => {
    const withTable = resourcesOf(restored.template, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.TABLE_NAME !== undefined,
    );

    expect(withTable.length).toBeGreaterThan(30);
    for (const [, fn] of withTable) expect(fn.Properties.Environment.Variables.TABLE_NAME).toBe(tableName);
  });

  it('grants on the given table and its indexes, and no other', () => {
    const tableArns = new Set(
      resourcesOf(restored.template, 'AWS::IAM::Policy')
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
        .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('dynamodb:')))
        .flatMap((statement: any) => [statement.Resource].flat())
        .map((arn: unknown) => JSON.stringify(arn)),
    );
    const arnOf = (resource: string) =>
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':dynamodb:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:table/${resource}`,
          ],
        ],
      });

    expect([...tableArns].sort()).toEqual(
      [arnOf(tableName), arnOf(`${tableName}/index/*`), JSON.stringify(tableStreamArn)].sort(),
    );
    expect(tableKeys.globalIndexes.length).toBeGreaterThan(0);
  });

  it("feeds the domain events from the given table's stream", () => {
    const [, pipe] = onlyResource(restored.template, 'AWS::Pipes::Pipe');

    expect(pipe.Properties.Source).toBe(tableStreamArn);
  });

  it('leaves the AWS Solutions checks clean', () => {
    expect(nagFindings(restored.stack)).toEqual([]);
  });

  it.each([
    [{ tableName }, /^Context tableName needs tableStreamArn: the domain events read the table's stream/],
    [{ tableStreamArn }, /^Context tableStreamArn needs tableName/],
    [{ tableName: 'x', tableStreamArn }, /^Context tableName must be a DynamoDB table name/],
    [{ tableName, tableStreamArn: 'arn:aws:dynamodb:eu-west-2:1:table/x' }, /must be a DynamoDB stream ARN/],
    [
      { tableName: 'another-table', tableStreamArn },
      /^Context tableStreamArn is the stream of table fieldops-restored-2025-06-01, not of tableName another-table/,
    ],
  ])('refuses %j', (context, message) => {
    expect(synthError(context)).toMatch(message);
  });
});

describe('source maps (-c sourceMaps=true)', () => {
  const nodeOptions = (template: Template) =>
    resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Description?.startsWith('functions/'))
      .map(([, fn]) => fn.Properties.Environment.Variables.NODE_OPTIONS);

  it("has every function of the project read its bundle's map when set", () => {
    const all = nodeOptions(synth({ sourceMaps: 'true' }).template);

    expect(all.length).toBeGreaterThan(40);
    expect(new Set(all)).toEqual(new Set(['--enable-source-maps']));
  });

  it('reads no map at cold start otherwise', () => {
    expect(new Set(nodeOptions(synth().template))).toEqual(new Set([undefined]));
  });

  it('refuses anything but true or false', () => {
    expect(synthError({ sourceMaps: 'yes' })).toMatch(/^Context sourceMaps must be true or false/);
  });
});

describe('the deploy guide', () => {
  it('lists exactly the context keys the app reads, in its options table', () => {
    const guide = readFileSync(join(import.meta.dirname, '../../docs/DEPLOY.md'), 'utf8');
    const table = guide.slice(guide.indexOf('## Options'), guide.indexOf('\n## ', guide.indexOf('## Options') + 1));
    const documented = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`(\w+)`/g)].map(([, key]) => key));
    const { app, cleanup } = testApp();
    cleanups.push(cleanup);
    const read = vi.spyOn(app.node, 'tryGetContext');

    buildApp(app);

    const keys = new Set(read.mock.calls.map(([key]) => key).filter((key) => !key.includes(':')));
    expect(documented.sort()).toEqual([...keys].sort());
  });
});
