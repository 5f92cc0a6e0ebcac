// The words every page uses for the API's priority and outcome codes, so a customer, an engineer and the office read
// the same thing. Each page keeps its own words for statuses, which it tells from where its reader stands.

export const priorityLabels = { P1: 'P1, emergency', P2: 'P2, urgent', P3: 'P3, soon', P4: 'P4, routine' };

export const outcomeLabels = {
  fixed: 'Fixed',
  follow_up_required: 'A follow-up visit is needed',
  could_not_complete: 'Could not be completed',
};
