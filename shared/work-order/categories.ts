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
