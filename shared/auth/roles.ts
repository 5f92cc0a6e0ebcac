import type { Role } from '../work-order/model.ts';

/**
 * Every role a token can carry (`Role` in shared/work-order/model.ts is made from this list). A module of its own,
 * with no zod, so that the functions that read tokens outside the API's pipeline (the sign-in trigger, the live
 * channel's authorizer) bundle neither the pipeline nor what it imports.
 */
export const roles = ['customer', 'engineer', 'dispatcher', 'approver', 'admin'] as const;

/**
 * The office's roles: they dispatch, approve and administer, every office route allows them, and Cognito gives a token
 * one only once its user signs in with a second factor (office-mfa.ts).
 */
export const officeRoles: Role[] = ['dispatcher', 'approver', 'admin'];
