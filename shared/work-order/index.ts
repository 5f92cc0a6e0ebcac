/**
 * The work order's modules as namespaces. A handler imports the one it calls under the same name instead
 * (`import * as WorkOrder from '#shared/work-order/work-order.ts'`): a namespace re-exported from here reaches it as
 * one object holding every export, which esbuild cannot shake, so each bundle would carry every module here and all
 * they import (intake's Step Functions client among them), called or not.
 */
export * as Field from './field.ts';
export * as Intake from './intake.ts';
export * as Office from './office.ts';
export * as Views from './views.ts';
export * as WorkOrder from './work-order.ts';
