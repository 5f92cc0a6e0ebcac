export * as Field from './field.ts';
export * as Intake from './intake.ts';
export * as Office from './office.ts';
export * as Views from './views.ts';
export * as WorkOrder from './work-order.ts';
