import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowTasks } from '#infra/routes.ts';
import { unfaithfulChoiceRules } from '#local/stepfunctions.ts';

// `any`: ASL JSON, walked generically.
type Json = any;

const definitions = readdirSync('statemachines')
  .filter((file) => file.endsWith('.asl.json'))
  .map((file) => join('statemachines', file));
const substitutions = new Set(Object.keys(workflowTasks).map((task) => `${task}FunctionArn`));

/** Every object nested anywhere in `value`, itself included. */
function objects(value: Json): Json[] {
  if (value === null || typeof value !== 'object') return [];
  return [value, ...Object.values(value).flatMap(objects)];
}

/**
 * What aws-local-stepfunctions cannot run as AWS does (see the spec's LOCAL.md): JSONata is accepted but ignored,
 * heartbeats and Distributed Map are unsupported, and a Task without TimeoutSeconds times out after 60 s locally
 * but never in AWS. A placeholder CDK does not substitute would deploy as a literal `${...}`. Choice rules the library
 * evaluates otherwise than AWS (choice-rules.test.ts measures each) would take another path locally.
 */
function unfaithful(text: string): string[] {
  const asl = JSON.parse(text);
  const all = objects(asl);
  return [
    ...all.filter((o) => o.QueryLanguage === 'JSONata').map(() => 'QueryLanguage JSONata'),
    ...all.filter((o) => 'HeartbeatSeconds' in o || 'HeartbeatSecondsPath' in o).map(() => 'HeartbeatSeconds'),
    ...all.filter((o) => o.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED').map(() => 'Distributed Map'),
    ...all
      .filter((o) => o.Type === 'Task' && typeof o.TimeoutSeconds !== 'number')
      .map(() => 'Task without TimeoutSeconds'),
    ...[...text.matchAll(/\$\{([^}]*)\}/g)]
      .filter(([, name]) => !substitutions.has(name ?? ''))
      .map(([placeholder]) => `unknown placeholder ${placeholder}`),
    ...unfaithfulChoiceRules(asl),
  ];
}

describe('state machine definitions', () => {
  it('exist', () => {
    expect(definitions).toContain('statemachines/work-order.asl.json');
  });

  it.each(definitions)('%s uses only what the local runner runs as AWS does', (file) => {
    expect(unfaithful(readFileSync(file, 'utf8'))).toEqual([]);
  });
});

describe('the guard', () => {
  const task = (extra: Json) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, ...extra });
  /** `${name}`, as the ASL writes a substitution. */
  const placeholder = (name: string) => `\${${name}}`;
  const machine = (states: Json, extra: Json = {}) => JSON.stringify({ StartAt: 'A', States: states, ...extra });

  it.each([
    [
      'JSONata at the top',
      machine({ A: task({ TimeoutSeconds: 5 }) }, { QueryLanguage: 'JSONata' }),
      'QueryLanguage JSONata',
    ],
    [
      'JSONata in a state',
      machine({ A: task({ TimeoutSeconds: 5, QueryLanguage: 'JSONata' }) }),
      'QueryLanguage JSONata',
    ],
    ['a heartbeat', machine({ A: task({ TimeoutSeconds: 5, HeartbeatSeconds: 2 }) }), 'HeartbeatSeconds'],
    ['a Task with no timeout', machine({ A: task({}) }), 'Task without TimeoutSeconds'],
    [
      'a Task with no timeout inside a Parallel',
      machine({ A: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'B', States: { B: task({}) } }] } }),
      'Task without TimeoutSeconds',
    ],
    [
      'a Distributed Map',
      machine({
        A: {
          Type: 'Map',
          End: true,
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'B', States: { B: { Type: 'Succeed' } } },
        },
      }),
      'Distributed Map',
    ],
    [
      'a placeholder no workflow task provides',
      machine({ A: task({ TimeoutSeconds: 5, Parameters: { FunctionName: placeholder('MissingFunctionArn') } }) }),
      `unknown placeholder ${placeholder('MissingFunctionArn')}`,
    ],
  ])('flags %s', (_case, text, finding) => {
    expect(unfaithful(text)).toContain(finding);
  });

  const choice = (rule: Json) =>
    machine({ A: { Type: 'Choice', Choices: [{ ...rule, Next: 'B' }], Default: 'B' }, B: { Type: 'Succeed' } });

  it.each([
    ['IsNull false', { Variable: '$.engineerId', IsNull: false }, '"IsNull": false} never matches locally'],
    ['IsPresent false in a Not', { Not: { Variable: '$.x', IsPresent: false } }, '"IsPresent": false} never matches'],
    ['IsTimestamp false in an Or', { Or: [{ Variable: '$.x', IsTimestamp: false }] }, '"IsTimestamp": false}'],
    [
      'a NumericGreaterThan with no IsNumeric first',
      { Variable: '$.total', NumericGreaterThan: 100 },
      'NumericGreaterThan on $.total',
    ],
    [
      'a StringLessThan after a type test of another path',
      {
        And: [
          { Variable: '$.y', IsString: true },
          { Variable: '$.x', StringLessThan: 'm' },
        ],
      },
      'StringLessThan on $.x',
    ],
    [
      'a TimestampEquals before its IsTimestamp',
      {
        And: [
          { Variable: '$.at', TimestampEquals: '2024-01-01T00:00:00Z' },
          { Variable: '$.at', IsTimestamp: true },
        ],
      },
      'TimestampEquals on $.at',
    ],
    [
      'a StringMatches with ?',
      {
        And: [
          { Variable: '$.x', IsString: true },
          { Variable: '$.x', StringMatches: 'a?c' },
        ],
      },
      'treats ? as a wildcard',
    ],
    ['a path compared with no type test of it', { Variable: '$.x', StringEqualsPath: '$.y' }, 'StringEqualsPath $.y'],
  ])('flags a Choice rule with %s', (_case, rule, finding) => {
    expect(unfaithful(choice(rule))).toEqual([expect.stringContaining(finding)]);
  });

  it('accepts comparisons after a type test of their operands in the same And', () => {
    const text = choice({
      And: [
        { Variable: '$.total', IsNumeric: true },
        { Variable: '$.limit', IsNumeric: true },
        { Not: { Variable: '$.total', NumericGreaterThanPath: '$.limit' } },
      ],
    });

    expect(unfaithful(text)).toEqual([]);
  });

  it('accepts a placeholder of a workflow task', () => {
    const text = machine({
      A: task({ TimeoutSeconds: 5, Parameters: { FunctionName: placeholder('LoadWorkOrderFunctionArn') } }),
    });

    expect(unfaithful(text)).toEqual([]);
  });
});
