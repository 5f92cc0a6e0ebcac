import { findCategory } from './categories.ts';
import { type Contract, Priority } from './model.ts';

/** Hours from logging to attendance per priority when the customer's contract sets none. */
export const standardSlaHours: Readonly<Record<Priority, number>> = { P1: 4, P2: 24, P3: 72, P4: 336 };

/**
 * When a job of this priority must be attended: `loggedAt` plus the contract's hours for the tier, or the standard
 * hours for tiers the contract leaves out. Exported on its own because the office can change a priority after
 * logging and the SLA then follows it.
 */
export function slaDueAt(opts: { priority: Priority; loggedAt: Date; contract?: Contract }): string {
  const hours = opts.contract?.slaHours?.[opts.priority] ?? standardSlaHours[opts.priority];
  return new Date(opts.loggedAt.getTime() + hours * 3_600_000).toISOString();
}

/** The priority a request is logged at, why, and when it must be attended. */
export interface TriageResult {
  priority: Priority;
  /** Human-readable, one per rule that fired, starting with where the base priority came from. */
  reasons: string[];
  /** ISO timestamp. */
  slaDueAt: string;
}

/**
 * Sets the priority of a new request: the category's base priority, raised by what the description says.
 * The most urgent rule wins and every rule that fired is listed in `reasons`; a vulnerable occupant (flagged, or
 * mentioned in the description) then raises the result one tier. An unknown category is triaged as general
 * maintenance so the request is still logged and nothing falls through.
 *
 * Rules match whole words, case-insensitively, and ignore a phrase negated shortly before it in the same clause
 * ("no smell of gas", "not leaking"). Uncertainty does not count as negation ("not sure if it's a gas leak"), since
 * an over-prioritised job costs far less than a missed emergency.
 */
export function triage(opts: {
  categoryId: string;
  description: string;
  loggedAt: Date;
  contract?: Contract;
  vulnerableOccupant?: boolean;
}): TriageResult {
  const category = findCategory(opts.categoryId);
  const base = category?.basePriority ?? unknownCategoryPriority;
  const reasons = [
    category
      ? `category ${category.id} (${category.name}): base priority ${base}`
      : `unknown category "${opts.categoryId}": triaged as general maintenance, base priority ${base}`,
  ];
  const text = normalise(opts.description);

  let priority = base;
  for (const rule of rules) {
    if (!fires(rule, text)) continue;
    const outcome = rule.outcome(opts.loggedAt);
    reasons.push(outcome.reason);
    priority = mostUrgent(priority, outcome.priority);
  }

  const vulnerableWord = firstMatch(vulnerableOccupantRule, text);
  if (opts.vulnerableOccupant || vulnerableWord) {
    const raised = raiseOneTier(priority);
    const source = opts.vulnerableOccupant ? 'flagged on the request' : `description mentions "${vulnerableWord}"`;
    const effect = raised === priority ? `already ${priority}` : `raised one tier to ${raised}`;
    reasons.push(`vulnerable occupant (${source}): ${effect}`);
    priority = raised;
  }

  return { priority, reasons, slaDueAt: slaDueAt({ priority, loggedAt: opts.loggedAt, contract: opts.contract }) };
}

/** General maintenance's base priority: an unrecognised request is routine until its description says otherwise. */
const unknownCategoryPriority: Priority = 'P4';

interface Rule {
  pattern: RegExp;
  /** False when the phrase carries its own negation ("no heating"), so a "no" before it must not cancel it. */
  negatable: boolean;
  outcome(loggedAt: Date): { priority: Priority; reason: string };
}

/** Whole-word, case-insensitive alternation; `g` because a rule fires if any one occurrence is not negated. */
const phrases = (...alternatives: string[]): RegExp => new RegExp(`\\b(?:${alternatives.join('|')})\\b`, 'g');

const fixed =
  (priority: Priority, reason: string): Rule['outcome'] =>
  () => ({ priority, reason });

/** October to April, by UTC month: when losing heating puts occupants at risk. */
const inHeatingSeason = (at: Date): boolean => at.getUTCMonth() >= 9 || at.getUTCMonth() <= 3;

const notWorking = "(?:is |are )?(?:not|isn't|isnt|aren't|arent) working";

const rules: Rule[] = [
  {
    pattern: phrases(
      'smell(?:s|t|ed|ing)? (?:of |like )?gas',
      'gas(?:sy)? smell(?:s|ing)?',
      'gas (?:is )?(?:leak(?:s|ed|ing|age)?|escape|escaping)',
      'leak(?:s|ed|ing)? (?:of )?gas',
    ),
    negatable: true,
    outcome: fixed('P1', 'description mentions a gas smell or leak: emergency (P1)'),
  },
  {
    pattern: phrases('carbon monoxide', 'co (?:alarm|detector|monitor)s?'),
    negatable: true,
    outcome: fixed('P1', 'description mentions carbon monoxide or a CO alarm: emergency (P1)'),
  },
  {
    pattern: phrases(
      'flood(?:s|ed|ing)?',
      'burst (?:water )?pipes?',
      'pipes? (?:has |have )?burst',
      'water (?:is )?(?:pouring|pours|gushing|gushes|coming through the ceiling)',
      '(?:pouring|gushing) water',
      'ceiling (?:has )?(?:collaps(?:e|es|ed|ing)|caved in|come down|fallen in)',
      'collapsed ceiling',
    ),
    negatable: true,
    outcome: fixed('P1', 'description mentions flooding, a burst pipe or a ceiling collapse: emergency (P1)'),
  },
  {
    pattern: phrases(
      'spark(?:s|ed|ing|y)?',
      'burning smell',
      'smell(?:s|ing)? (?:of |like )?burning',
      'exposed (?:live )?wir(?:e|es|ing)',
      'bare (?:live )?wir(?:e|es|ing)',
      'electric(?:al)? shocks?',
      'electrocut(?:ed|ion)',
    ),
    negatable: true,
    outcome: fixed('P1', 'description mentions sparking, burning, exposed wires or an electric shock: emergency (P1)'),
  },
  {
    pattern: phrases(
      'no (?:central )?heat(?:ing)?',
      'no hot water',
      'without (?:any )?(?:heating|hot water)',
      `(?:central )?heating ${notWorking}`,
      `hot water ${notWorking}`,
    ),
    negatable: false,
    outcome: (loggedAt) =>
      inHeatingSeason(loggedAt)
        ? { priority: 'P2', reason: 'no heating or hot water in the heating season (October to April): urgent (P2)' }
        : { priority: 'P3', reason: 'no heating or hot water outside the heating season (P3)' },
  },
  {
    // A gas leak is the gas rule's business; counting it again as a water leak would only add a misleading reason.
    pattern: phrases('(?<!gas )(?<!gas is )leak(?:s|ed|ing|y|age)?(?! (?:of )?gas)', 'drip(?:s|ped|ping|py)?'),
    negatable: true,
    outcome: fixed('P3', 'description mentions a leak or drip: at least P3'),
  },
  {
    pattern: phrases(
      `(?:fire|smoke) alarms? (?:(?:is|are|keeps?|kept|has|have|been|panel|system) ){0,2}(?:${[
        'sounding',
        'going off',
        'gone off',
        'ringing',
        'beeping',
        'bleeping',
        'activat(?:ed|ing)',
        'not working',
        "isn't working",
        'stopped working',
        "won't stop",
        'faulty',
        'fault',
        'broken',
      ].join('|')})`,
    ),
    negatable: true,
    outcome: fixed('P2', 'description mentions a fire alarm sounding or not working: urgent (P2)'),
  },
];

const vulnerableOccupantRule: Pick<Rule, 'pattern' | 'negatable'> = {
  pattern: phrases('elderly', 'vulnerable', 'disabled', 'disability', 'bab(?:y|ies)', 'newborns?'),
  negatable: true,
};

// Apostrophe-less spellings too: customers typing on phones often leave them out.
const negators = new Set(
  ['no', 'not', 'never', 'without'].concat(
    ...["isn't", "aren't", "don't", "doesn't", "can't", "won't"].map((word) => [word, word.replace("'", '')]),
  ),
);

/** "won't stop dripping" and "not sure if ... gas" are not negations of what follows. */
const negationBreakers = new Set(['stop', 'stops', 'stopped', 'stopping', 'sure', 'certain']);

/** Words looked back over for a negator; enough for "no sign of a gas leak", short enough to stay in one phrase. */
const negationWindow = 4;

const clauseBoundary = /[.,;:!?\n]|\b(?:but|and|however|although|though|while)\b/g;

function normalise(description: string): string {
  // Typographic apostrophes from phones and e-mail clients would otherwise defeat "isn't" and "won't".
  return description.toLowerCase().replace(/[\u2018\u2019]/g, "'");
}

function fires(rule: Pick<Rule, 'pattern' | 'negatable'>, text: string): boolean {
  return firstMatch(rule, text) !== undefined;
}

function firstMatch(rule: Pick<Rule, 'pattern' | 'negatable'>, text: string): string | undefined {
  for (const match of text.matchAll(rule.pattern)) {
    if (!rule.negatable || !isNegated(text.slice(0, match.index))) return match[0];
  }
  return undefined;
}

function isNegated(before: string): boolean {
  const clauseStart = Math.max(0, ...[...before.matchAll(clauseBoundary)].map((m) => m.index + m[0].length));
  const words = before.slice(clauseStart).split(/\s+/).filter(Boolean).slice(-negationWindow);
  return words.some((word, i) => negators.has(word) && !negationBreakers.has(words[i + 1] ?? ''));
}

const rank = (priority: Priority): number => Priority.options.indexOf(priority);

function mostUrgent(a: Priority, b: Priority): Priority {
  return rank(a) <= rank(b) ? a : b;
}

function raiseOneTier(priority: Priority): Priority {
  return Priority.options[Math.max(0, rank(priority) - 1)] ?? priority;
}
