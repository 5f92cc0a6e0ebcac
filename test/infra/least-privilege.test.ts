import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expensiveRoutes } from '#infra/api.ts';
import { buildApp } from '#infra/app.ts';
import { routes } from '#infra/routes.ts';
import type { FieldOpsStack } from '#infra/stack.ts';
import { quarantineKey, uploadPrefix } from '#shared/attachments/rules.ts';
import { documentPrefix } from '#shared/documents/prefix.ts';
import { inboundMailPrefix, mailAttachmentPrefix } from '#shared/intake/email/rules.ts';
import { synthFieldOps, testApp } from './synth.ts';
import {
  allowedActions,
  dependencyCycle,
  functionOf,
  functionsByHandlerFile,
  invokePermissionsOf,
  logicalIdOf,
  onlyResource,
  resourcesOf,
  roleStatements,
} from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let cleanup: () => void;
/** The same stack deployed with every switch of the brief turned the other way. */
let switched: Template;
let switchedCleanup: () => void;

beforeAll(() => {
  ({ stack, template, cleanup } = synthFieldOps());
  const other = testApp({
    context: { corsOrigins: 'https://office.example.com', logExecutionData: 'true', reserveConcurrency: 'false' },
  });
  switched = Template.fromStack(buildApp(other.app).stack);
  switchedCleanup = other.cleanup;
});

afterAll(() => {
  cleanup();
  switchedCleanup();
});

const logicalId = (construct: IConstruct) => logicalIdOf(stack, construct);

/**
 * What a role may do in the attachments bucket, as `{ '/<prefix>*': actions }` for the keys under a prefix (`/*`
 * for every key), `list <prefix>*` for listing limited to a prefix and `bucket` for the bucket itself.
 */
function bucketGrants(tpl: Template, role: { 'Fn::GetAtt': [string, string] }): Record<string, string[]> {
  const bucketArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.storage.bucket), 'Arn'] });
  const grants: Record<string, string[]> = {};
  for (const statement of roleStatements(tpl, role)) {
    for (const resource of [statement.Resource].flat()) {
      const json = JSON.stringify(resource);
      if (!json.includes(bucketArn)) continue;
      const prefix: string | undefined = statement.Condition?.StringLike?.['s3:prefix'];
      const keys = json === bucketArn ? (prefix ? `list ${prefix}` : 'bucket') : resource['Fn::Join'][1][1];
      grants[keys] = [...(grants[keys] ?? []), ...[statement.Action].flat()].sort();
    }
  }
  return grants;
}

describe('the attachments bucket grants', () => {
  // What each handler really calls: presigned POSTs and GETs act with the signing role's permissions.
  const expected: Record<string, Record<string, string[]>> = {
    'functions/attachments/request-upload.ts': { [`/${uploadPrefix}*`]: ['s3:PutObject'] },
    'functions/attachments/get-download.ts': { [`/${uploadPrefix}*`]: ['s3:GetObject', 's3:GetObjectVersion'] },
    'functions/intake/get-email-attachment.ts': { [`/${mailAttachmentPrefix}*`]: ['s3:GetObject'] },
    'functions/attachments/verify-upload.ts': {
      [`/${uploadPrefix}*`]: ['s3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion'],
      [`list ${uploadPrefix}*`]: ['s3:ListBucket'],
      [`/${quarantineKey(uploadPrefix)}*`]: ['s3:PutObject'],
    },
    'functions/intake/receive-email.ts': {
      [`/${inboundMailPrefix}*`]: ['s3:GetObject'],
      [`/${mailAttachmentPrefix}*`]: ['s3:PutObject'],
    },
    // The invoice's PDF is made on demand if the notifier has not made it yet; lists only link to documents.
    'functions/documents/invoice-pdf.ts': { [`/${documentPrefix}*`]: ['s3:GetObject', 's3:PutObject'] },
    'functions/documents/list-documents.ts': { [`/${documentPrefix}*`]: ['s3:GetObject'] },
    // It makes and re-reads documents, and reads the photos and signatures they show; it lists nothing.
    'functions/notify/notify.ts': {
      [`/${documentPrefix}*`]: ['s3:GetObject', 's3:PutObject'],
      [`/${uploadPrefix}*`]: ['s3:GetObject'],
    },
  };

  it('give each function exactly the actions it calls, on the keys under its own prefixes, and no other function any', () => {
    const own = [...functionsByHandlerFile(template)].filter(([file]) => file?.startsWith('functions/'));

    for (const [handlerFile, [, fn]] of own) {
      expect(bucketGrants(template, fn.Properties.Role), handlerFile).toEqual(expected[handlerFile] ?? {});
    }
  });

  it('let no role reach every key, list the whole bucket, delete beyond uploads or use a wildcard action', () => {
    for (const [roleId] of resourcesOf(template, 'AWS::IAM::Role')) {
      const {
        '/*': everyKey,
        bucket = [],
        ...underPrefixes
      } = bucketGrants(template, {
        'Fn::GetAtt': [roleId, 'Arn'],
      });
      const deleting = Object.entries(underPrefixes).filter(([, actions]) => actions.includes('s3:DeleteObject'));

      expect(everyKey, roleId).toBeUndefined();
      // CDK's bucket notifications handler configures the bucket itself; nothing lists it unconditioned.
      expect(
        bucket.filter((action) => action !== 's3:PutBucketNotification'),
        roleId,
      ).toEqual([]);
      expect(
        deleting.map(([keys]) => keys),
        roleId,
      ).toEqual(deleting.length ? [`/${uploadPrefix}*`] : []);
      expect(
        Object.values(underPrefixes)
          .flat()
          .filter((action) => action.includes('*')),
        roleId,
      ).toEqual([]);
    }
  });

  it('let the download links sign GETs alone', () => {
    for (const handlerFile of ['functions/attachments/get-download.ts', 'functions/intake/get-email-attachment.ts']) {
      const actions = Object.values(bucketGrants(template, functionOf(template, handlerFile)[1].Properties.Role));

      expect(
        actions.flat().every((action) => action.startsWith('s3:GetObject')),
        handlerFile,
      ).toBe(true);
    }
  });
});

describe('the cursor key', () => {
  it('is read by the functions whose lists hand out cursors, and by no other', async () => {
    const paged = new Set<string>();
    for (const route of routes.filter((r) => !r.localOnly)) {
      const { handler } = await import(new URL(`../../${route.handler}`, import.meta.url).href);
      const query = handler.contract.query;
      if (query && 'shape' in query && 'cursor' in query.shape) paged.add(route.handler);
    }
    expect(paged.size).toBeGreaterThanOrEqual(5);
    const secretId = logicalId(stack.api.cursorKey);
    for (const [handlerFile, [, fn]] of functionsByHandlerFile(template)) {
      const reads = allowedActions(template, fn).has('secretsmanager:GetSecretValue');
      const named = fn.Properties.Environment?.Variables?.CURSOR_KEY_SECRET_ARN;
      expect({ handlerFile, reads, named: named?.Ref }).toEqual(
        paged.has(handlerFile)
          ? { handlerFile, reads: true, named: secretId }
          : { handlerFile, reads: false, named: undefined },
      );
    }
  });

  it('is generated by CloudFormation, so no template holds it', () => {
    const [, secret] = onlyResource(template, 'AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    expect(secret.Properties.SecretString).toBeUndefined();
  });
});

describe("the API's CORS", () => {
  it("allows the stack's own web form origin alone when corsOrigins is unset", () => {
    const [, api] = onlyResource(template, 'AWS::ApiGatewayV2::Api');

    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual([
      { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.portal.distribution), 'DomainName'] }]] },
    ]);
  });

  it('allows exactly the corsOrigins given', () => {
    const [, api] = onlyResource(switched, 'AWS::ApiGatewayV2::Api');

    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(['https://office.example.com']);
  });

  it('leaves the template free of dependency cycles (the API names the web form, whose headers name APIs)', () => {
    expect(dependencyCycle(template)).toBeUndefined();
  });
});

describe("the state machine's logs", () => {
  const logging = (tpl: Template) =>
    onlyResource(tpl, 'AWS::StepFunctions::StateMachine')[1].Properties.LoggingConfiguration;
  const retentionOf = (tpl: Template) => {
    const groupArn = logging(tpl).Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
    return resourcesOf(tpl, 'AWS::Logs::LogGroup').find(([id]) => id === groupArn['Fn::GetAtt'][0])?.[1].Properties
      .RetentionInDays;
  };

  it('record errors only by default, without execution data (task tokens, names, addresses)', () => {
    // Every state of every execution is in its history already; a log event per state would pay for it twice.
    expect(logging(template)).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(retentionOf(template)).toBe(90);
  });

  it('record every state with its data with -c logExecutionData=true, kept a week', () => {
    expect(logging(switched)).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(retentionOf(switched)).toBe(7);
  });
});

describe('MFA for office roles', () => {
  const trigger = 'functions/auth/require-office-mfa.ts';

  it('runs the trigger before Cognito issues any token, in a pool offering authenticator apps (TOTP) only', () => {
    const [, pool] = onlyResource(template, 'AWS::Cognito::UserPool');
    const [triggerId] = functionOf(template, trigger);

    expect(pool.Properties.LambdaConfig.PreTokenGenerationConfig).toEqual({
      LambdaArn: { 'Fn::GetAtt': [triggerId, 'Arn'] },
      LambdaVersion: 'V1_0',
    });
    expect(pool.Properties).toMatchObject({ MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    // A remembered device would let a sign-in skip the second factor.
    expect(pool.Properties.DeviceConfiguration).toBeUndefined();
  });

  it('lets the trigger read users of its own pool, and be invoked by Cognito for that pool alone', () => {
    const [poolId] = onlyResource(template, 'AWS::Cognito::UserPool');
    const [triggerId, fn] = functionOf(template, trigger);
    const cognito = roleStatements(template, fn.Properties.Role).filter((s) =>
      [s.Action].flat().some((action: string) => action.startsWith('cognito-idp:')),
    );
    const permissions = invokePermissionsOf(template, triggerId);

    expect(cognito).toEqual([
      expect.objectContaining({ Action: 'cognito-idp:AdminGetUser', Resource: { 'Fn::GetAtt': [poolId, 'Arn'] } }),
    ]);
    expect(permissions).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
      }),
    ]);
  });
});

describe('the expensive routes', () => {
  const stageOf = (tpl: Template) => onlyResource(tpl, 'AWS::ApiGatewayV2::Stage');
  const reserved = (tpl: Template) =>
    new Map(
      [...functionsByHandlerFile(tpl)]
        .filter(([, [, fn]]) => fn.Properties.ReservedConcurrentExecutions !== undefined)
        .map(([file, [, fn]]) => [file, fn.Properties.ReservedConcurrentExecutions]),
    );

  it('are routes the API serves', () => {
    const deployed = routes.filter((route) => !route.localOnly).map((route) => `${route.method} ${route.path}`);

    expect(deployed).toEqual(expect.arrayContaining(Object.keys(expensiveRoutes)));
  });

  it('each have a throttle of their own, below the stage’s, set once the route exists', () => {
    const [, stage] = stageOf(template);
    const defaults = stage.Properties.DefaultRouteSettings;
    const routeIds = new Map(
      resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([id, route]) => [route.Properties.RouteKey, id]),
    );

    expect(stage.Properties.RouteSettings['POST /v1/schedule/optimise']).toEqual({
      ThrottlingRateLimit: 1,
      ThrottlingBurstLimit: 5,
    });
    for (const key of Object.keys(expensiveRoutes)) {
      const settings = stage.Properties.RouteSettings[key];
      expect(settings.ThrottlingRateLimit, key).toBeLessThan(defaults.ThrottlingRateLimit);
      expect(settings.ThrottlingBurstLimit, key).toBeLessThan(defaults.ThrottlingBurstLimit);
      expect(stage.DependsOn, key).toContain(routeIds.get(key));
    }
  });

  it('run on functions with reserved concurrency, and no other function reserves any', () => {
    expect(reserved(template)).toEqual(
      new Map([
        ['functions/scheduling/optimise-day.ts', 5],
        ['functions/reports/kpis.ts', 5],
      ]),
    );
  });

  it('reserve none with -c reserveConcurrency=false, for accounts whose concurrency quota is 10, and keep their throttles', () => {
    expect(reserved(switched)).toEqual(new Map());
    expect(stageOf(switched)[1].Properties.RouteSettings).toEqual(stageOf(template)[1].Properties.RouteSettings);
  });
});
