import type { Role } from '../work-order/model.ts';

/**
 * The office's roles: they dispatch, approve and administer, every office route allows them, and Cognito gives a token
 * one only once its user signs in with a second factor (office-mfa.ts). A module of its own so that the sign-in
 * trigger, which needs this list alone, does not bundle the API's request pipeline and what it imports.
 */
export const officeRoles: Role[] = ['dispatcher', 'approver', 'admin'];
