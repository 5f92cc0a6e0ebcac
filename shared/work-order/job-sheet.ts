import type { ChecklistAnswer } from '../db/entities/work-order.ts';
import type { WorkOrderRecord } from '../db/work-orders.ts';
import { ValidationFailed } from '../errors.ts';
import type { ChecklistItem } from './model.ts';

/** Something completion still needs, as the engineer's app lists it. */
export type Missing =
  | { kind: 'checklist'; itemId: string; label: string }
  | { kind: 'signature' }
  | { kind: 'certification'; code: string };

/**
 * Checks answers against the job sheet: every item must exist, and each value must be of the item's kind, a
 * number within the item's range (an analyser reading outside it is refused, 400, never recorded as done).
 */
export function checkAnswers(sheet: ChecklistItem[] | undefined, answers: Array<{ itemId: string; value: unknown }>) {
  const errors: Array<{ path: string; message: string }> = [];
  answers.forEach(({ itemId, value }, index) => {
    const path = `body.answers.${index}.value`;
    const item = sheet?.find((candidate) => candidate.id === itemId);
    if (!item) {
      errors.push({ path: `body.answers.${index}.itemId`, message: `No item ${itemId} on this job sheet.` });
    } else if (item.kind === 'boolean' && typeof value !== 'boolean') {
      errors.push({ path, message: `${item.label}: answer true or false.` });
    } else if (item.kind === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value))
        errors.push({ path, message: `${item.label}: a number.` });
      else if ((item.min !== undefined && value < item.min) || (item.max !== undefined && value > item.max)) {
        errors.push({ path, message: `${item.label}: ${value} is outside ${item.min ?? '-∞'} to ${item.max ?? '∞'}.` });
      }
    } else if ((item.kind === 'text' || item.kind === 'photo') && (typeof value !== 'string' || value.trim() === '')) {
      errors.push({ path, message: `${item.label}: ${item.kind === 'photo' ? 'an attachment id' : 'some text'}.` });
    }
  });
  if (errors.length > 0) {
    throw new ValidationFailed(
      `The checklist answers are not valid: ${errors.map((e) => e.message).join(' ')}`,
      errors,
    );
  }
}

/** The answers recorded so far merged with new ones; a later answer to an item replaces an earlier one. */
export function mergeAnswers(
  recorded: WorkOrderRecord['checklistAnswers'],
  answers: Array<{ itemId: string; value: unknown }>,
  entry: Omit<ChecklistAnswer, 'value'>,
): Record<string, ChecklistAnswer> {
  const merged = { ...recorded };
  for (const { itemId, value } of answers) {
    const previous = merged[itemId];
    // Out-of-order replays: an answer taken earlier on site never overwrites a later one.
    if (previous && previous.at > entry.at) continue;
    merged[itemId] = { ...entry, value: value as ChecklistAnswer['value'] };
  }
  return merged;
}

/** Required job sheet items with no answer, in sheet order. */
export function unansweredItems(sheet: ChecklistItem[] | undefined, answers: WorkOrderRecord['checklistAnswers']) {
  return (sheet ?? [])
    .filter((item) => item.required && answers?.[item.id] === undefined)
    .map((item): Missing => ({ kind: 'checklist', itemId: item.id, label: item.label }));
}
