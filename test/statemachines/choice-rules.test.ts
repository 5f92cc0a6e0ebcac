import '#local/polyfills.ts';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { startLocalStepFunctions, unfaithfulChoiceRules } from '#local/stepfunctions.ts';

type Outcome = 'matches' | 'does not match' | 'fails the execution';

/** A machine whose one Choice state goes to Yes when the rule matches and to No otherwise. */
const machineWith = (rule: object) => ({
  StartAt: 'Decide',
  States: {
    Decide: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
    Yes: { Type: 'Succeed' },
    No: { Type: 'Succeed' },
  },
});

/**
 * Evaluates one rule with aws-local-stepfunctions itself, past the local guard. Validation is skipped only because
 * it costs ~300 ms a machine and has no part in how a rule evaluates.
 */
async function evaluate(rule: object, input: object): Promise<Outcome> {
  const machine = new StateMachine(machineWith(rule) as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const run = machine.run(input as Parameters<StateMachine['run']>[0]);
  let last: string | undefined;
  try {
    for await (const event of run.eventLogs) if (event.type === 'StateEntered') last = event.state.name;
    await run.result;
  } catch {
    return 'fails the execution';
  }
  return last === 'Yes' ? 'matches' : 'does not match';
}

const on = (variable: unknown) => ({ v: variable });
const rule = (comparison: object) => ({ Variable: '$.v', ...comparison });
const typed = (test: string, comparison: object) => ({ And: [rule({ [test]: true }), rule(comparison)] });

interface Divergence {
  form: string;
  rule: object;
  input: object;
  /** What the library does today (measured). */
  library: Outcome;
  /** What the Amazon States Language specifies, and AWS does; absent where the specification does not say. */
  asl?: Outcome;
}

/** Each form the local guard refuses, with an input on which the library's answer is not the specification's. */
const divergences: Divergence[] = [
  {
    form: 'IsNull false',
    rule: rule({ IsNull: false }),
    input: on('eng_1'),
    library: 'does not match',
    asl: 'matches',
  },
  { form: 'IsPresent false', rule: rule({ IsPresent: false }), input: {}, library: 'does not match', asl: 'matches' },
  { form: 'IsString false', rule: rule({ IsString: false }), input: on(1), library: 'does not match', asl: 'matches' },
  {
    form: 'IsBoolean false',
    rule: rule({ IsBoolean: false }),
    input: on(1),
    library: 'does not match',
    asl: 'matches',
  },
  {
    form: 'IsNumeric false',
    rule: rule({ IsNumeric: false }),
    input: on('a'),
    library: 'does not match',
    asl: 'matches',
  },
  {
    form: 'IsTimestamp false',
    rule: rule({ IsTimestamp: false }),
    input: on('soon'),
    library: 'does not match',
    asl: 'matches',
  },
  {
    form: 'StringLessThan on a number',
    rule: rule({ StringLessThan: '10' }),
    input: on(5),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'StringGreaterThanEquals on null',
    rule: rule({ StringGreaterThanEquals: '' }),
    input: on(null),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'StringLessThanPath on a number',
    rule: rule({ StringLessThanPath: '$.limit' }),
    input: { v: 5, limit: '10' },
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'NumericLessThan on a numeric string',
    rule: rule({ NumericLessThan: 10 }),
    input: on('5'),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'NumericLessThan on null',
    rule: rule({ NumericLessThan: 1 }),
    input: on(null),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'NumericGreaterThanEquals on a boolean',
    rule: rule({ NumericGreaterThanEquals: 1 }),
    input: on(true),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'TimestampEquals on a number',
    rule: rule({ TimestampEquals: '1970-01-01T00:00:00Z' }),
    input: on(0),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'TimestampLessThan on a date without a time',
    rule: rule({ TimestampLessThan: '2024-01-02T00:00:00Z' }),
    input: on('2024-01-01'),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'StringMatches on a number',
    rule: rule({ StringMatches: '*' }),
    input: on(1),
    library: 'fails the execution',
    asl: 'does not match',
  },
  {
    form: 'StringMatches with ?',
    rule: rule({ StringMatches: 'a?c' }),
    input: on('abc'),
    library: 'matches',
    asl: 'does not match',
  },
  {
    form: 'NumericEqualsPath to a string',
    rule: rule({ NumericEqualsPath: '$.expected' }),
    input: { v: 2, expected: '2' },
    library: 'fails the execution',
  },
  {
    form: 'StringEqualsPath to a number',
    rule: rule({ StringEqualsPath: '$.expected' }),
    input: { v: 'a', expected: 1 },
    library: 'fails the execution',
  },
  {
    form: 'NumericEquals beyond 2^53',
    // Parsed as the ASL file's text is: 2^53 + 1 has no double of its own.
    rule: rule({ NumericEquals: JSON.parse('9007199254740993') }),
    input: on(9007199254740992),
    library: 'matches',
  },
];

describe('Choice forms aws-local-stepfunctions 3.0.0 evaluates otherwise than the ASL', () => {
  it.each(divergences)('$form: the library still answers "$library"', async ({ rule, input, library, asl }) => {
    const local = await evaluate(rule, input);

    expect(
      local,
      local === asl
        ? 'The library now follows the specification here: the local guard may accept this form again.'
        : 'The library changed its answer here: check it against AWS and the specification, then the guard.',
    ).toBe(library);
    if (asl) expect(local).not.toBe(asl);
  });

  it.each(divergences)('the local guard refuses $form', ({ rule }) => {
    expect(unfaithfulChoiceRules(machineWith(rule))).not.toEqual([]);
  });

  it('refuses to run a definition with such a form, saying what to write instead', async () => {
    const definition = machineWith({ Variable: '$.match.engineerId', IsNull: false });

    const starting = startLocalStepFunctions({ machines: [{ name: 'Refused', definition, lambdas: {} }] });

    await expect(starting).rejects.toThrow(
      'State machine Refused: Choice Decide would not run locally as in AWS: ' +
        '{"Variable": "$.match.engineerId", "IsNull": false} never matches locally; ' +
        'write {"Not": {"Variable": "$.match.engineerId", "IsNull": true}}.',
    );
  });
});

interface Faithful {
  form: string;
  rule: object;
  input: object;
  asl: Outcome;
}

/** The forms to write instead, and others the library evaluates as the specification does. */
const faithful: Faithful[] = [
  {
    form: 'Not of IsNull true, on a string',
    rule: { Not: rule({ IsNull: true }) },
    input: on('eng_1'),
    asl: 'matches',
  },
  {
    form: 'Not of IsNull true, on null',
    rule: { Not: rule({ IsNull: true }) },
    input: on(null),
    asl: 'does not match',
  },
  { form: 'Not of IsPresent true, when absent', rule: { Not: rule({ IsPresent: true }) }, input: {}, asl: 'matches' },
  { form: 'IsString true, on null', rule: rule({ IsString: true }), input: on(null), asl: 'does not match' },
  {
    form: 'a NumericLessThan after IsNumeric, on a numeric string',
    rule: typed('IsNumeric', { NumericLessThan: 10 }),
    input: on('5'),
    asl: 'does not match',
  },
  {
    form: 'a NumericLessThan after IsNumeric, on a number',
    rule: typed('IsNumeric', { NumericLessThan: 10 }),
    input: on(5),
    asl: 'matches',
  },
  {
    form: 'a StringLessThan after IsString, on a number',
    rule: typed('IsString', { StringLessThan: '10' }),
    input: on(5),
    asl: 'does not match',
  },
  {
    form: 'a StringLessThan after IsString, by UTF-16 code unit',
    rule: typed('IsString', { StringLessThan: 'a' }),
    input: on('B'),
    asl: 'matches',
  },
  {
    form: 'a TimestampLessThan after IsTimestamp, on a number',
    rule: typed('IsTimestamp', { TimestampLessThan: '2024-01-02T00:00:00Z' }),
    input: on(0),
    asl: 'does not match',
  },
  {
    form: 'a TimestampLessThan after IsTimestamp, with an offset',
    rule: typed('IsTimestamp', { TimestampLessThan: '2024-01-01T00:30:00Z' }),
    input: on('2024-01-01T01:00:00+01:00'),
    asl: 'matches',
  },
  {
    form: 'a StringMatches after IsString, on a number',
    rule: typed('IsString', { StringMatches: '*' }),
    input: on(1),
    asl: 'does not match',
  },
  {
    form: 'StringMatches with an escaped *',
    rule: typed('IsString', { StringMatches: 'a\\*c' }),
    input: on('abc'),
    asl: 'does not match',
  },
  {
    form: 'a NumericEqualsPath after IsNumeric of the path',
    rule: { And: [{ Variable: '$.expected', IsNumeric: true }, rule({ NumericEqualsPath: '$.expected' })] },
    input: { v: 2, expected: '2' },
    asl: 'does not match',
  },
  {
    form: 'NumericEquals, an integer against a float',
    rule: rule({ NumericEquals: 1.0 }),
    input: on(1),
    asl: 'matches',
  },
  {
    form: 'NumericEquals on a numeric string',
    rule: rule({ NumericEquals: 1 }),
    input: on('1'),
    asl: 'does not match',
  },
  { form: 'StringEquals on a number', rule: rule({ StringEquals: '1' }), input: on(1), asl: 'does not match' },
  { form: 'BooleanEquals on a string', rule: rule({ BooleanEquals: true }), input: on('true'), asl: 'does not match' },
  {
    form: 'And, Or and Not nested',
    rule: {
      And: [rule({ IsPresent: true }), { Or: [rule({ StringEquals: 'x' }), { Not: rule({ StringEquals: 'y' }) }] }],
    },
    input: on('z'),
    asl: 'matches',
  },
];

describe('Choice forms the library evaluates as the ASL does', () => {
  it.each(faithful)('$form: $asl', async ({ rule, input, asl }) => {
    expect(unfaithfulChoiceRules(machineWith(rule))).toEqual([]);
    expect(await evaluate(rule, input)).toBe(asl);
  });
});
