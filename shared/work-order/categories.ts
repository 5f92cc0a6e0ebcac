import type { Category } from './model.ts';

/**
 * The job categories customers choose from when they log a request. Each maps to the job type whose template
 * builds the work order, and to the priority the request starts at before triage reads its description.
 * Base priorities reflect the usual risk of the category alone: a gas leak is always an emergency, an unexplained
 * water leak or electrical fault usually needs attention the same day, a breakdown within days, and planned work
 * (services, replacements, general maintenance) within the routine window.
 */
export const categories: Category[] = [
  { id: 'boiler_service', name: 'Boiler service (routine annual)', jobType: 'boiler_service', basePriority: 'P4' },
  { id: 'boiler_breakdown', name: 'Boiler breakdown', jobType: 'boiler_repair', basePriority: 'P3' },
  { id: 'boiler_replacement', name: 'Boiler replacement', jobType: 'boiler_replacement', basePriority: 'P4' },
  { id: 'gas_leak', name: 'Gas leak or smell of gas', jobType: 'gas_emergency', basePriority: 'P1' },
  { id: 'leak', name: 'Water leak', jobType: 'leak_repair', basePriority: 'P2' },
  { id: 'blocked_drain', name: 'Blocked drain', jobType: 'drain_clearance', basePriority: 'P3' },
  { id: 'electrical_fault', name: 'Electrical fault', jobType: 'electrical_fault', basePriority: 'P2' },
  { id: 'fire_alarm_fault', name: 'Fire alarm fault', jobType: 'fire_alarm_repair', basePriority: 'P2' },
  { id: 'general_maintenance', name: 'General maintenance', jobType: 'general_maintenance', basePriority: 'P4' },
];

/** The category with this id, or `undefined` when customers were never offered it. */
export function findCategory(id: string): Category | undefined {
  return categories.find((category) => category.id === id);
}

/** Words that name each category in free text (an e-mail), most urgent first: the first category mentioned wins. */
const mentions: Array<[id: string, pattern: RegExp]> = [
  ['gas_leak', /\b(?:smell(?:s|ing)? (?:of |like )?gas|gas (?:leak|smell|escape)\w*|leak(?:s|ing)? (?:of )?gas)\b/g],
  ['fire_alarm_fault', /\b(?:fire alarms?|smoke (?:alarms?|detectors?)|fire panel|alarm panel)\b/g],
  [
    'electrical_fault',
    /\b(?:electric(?:s|al)?|power cut|no power|sockets?|fuse(?:s|d)?|trip(?:s|ped|ping)|rcd|consumer unit|sparking)\b/g,
  ],
  ['leak', /\b(?:leak(?:s|ed|ing|age)?|dripping|burst|flood(?:ed|ing)?|water (?:coming|pouring) through)\b/g],
  ['blocked_drain', /\b(?:blocked|blockage|drains?|won't flush|will not flush|overflowing)\b/g],
  ['boiler_replacement', /\b(?:new boiler|replace(?:ment)? (?:of )?(?:the |our |my )?boiler|boiler replacement)\b/g],
  [
    'boiler_service',
    /\b(?:boiler (?:service|check|inspection)|annual service|gas safety (?:check|certificate)|cp12)\b/g,
  ],
  [
    'boiler_breakdown',
    /\b(?:boiler|no heating|no hot water|heating (?:is )?(?:not|isn't|off|broken)|radiators? (?:are |is )?cold)\b/g,
  ],
];

// "no smell of gas", "not leaking": a category word within three words after a negation does not count.
const negation = /\b(?:no|not|never|without|isn't|isnt|wasn't|there's no)\s+(?:\S+\s+){0,2}$/;

/**
 * The category free text most likely belongs to, or general maintenance. Triage then sets the priority from the
 * same text, as it does for a category the customer chose.
 */
export function categoryFromText(text: string): Category {
  const lower = text.toLowerCase();
  for (const [id, pattern] of mentions) {
    for (const match of lower.matchAll(pattern)) {
      if (!negation.test(lower.slice(Math.max(0, match.index - 40), match.index))) {
        return findCategory(id) as Category;
      }
    }
  }
  return findCategory('general_maintenance') as Category;
}
