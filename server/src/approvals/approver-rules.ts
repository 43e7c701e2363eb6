import { describeApprovers, type ApprovalRules, type Role, type Scope } from '@weft/shared';

/** The person asking to decide: who they are and what their credential may do. */
export type Decider = { id: string; email: string | null; role: Role; scopes: readonly Scope[] };

/** What the rules look at besides the person: who started the run and who saved the version it runs. */
export type ApprovalParties = {
  rules: ApprovalRules;
  /** The user who started the run; null when a schedule, webhook or workflow did. */
  startedBy: string | null;
  /** The user who saved the workflow version being run; null when unknown. */
  savedBy: string | null;
  /** People who have already decided this approval. */
  decidedBy: readonly string[];
};

/** Why a person may not decide, as a machine reason and a sentence for the card and the 403. */
export type DecisionRefusal = {
  reason: 'missing_scope' | 'not_named' | 'started_the_run' | 'saved_the_version' | 'already_decided';
  message: string;
};

/**
 * May this person decide this approval? They need the `approve` scope, must match the step's
 * `approvers` (a user id or email, or a role) when it names any, must not have decided already,
 * and — unless `allowSelfApproval` — must be neither the run's starter nor the version's saver
 * (nobody approves their own change). Null: they may.
 */
export function refusalFor(person: Decider, parties: ApprovalParties): DecisionRefusal | null {
  const { approvers, allowSelfApproval } = parties.rules;
  if (!person.scopes.includes('approve')) return { reason: 'missing_scope', message: 'Your role or token does not allow deciding approvals.' };
  if (!matchesApprovers(person, approvers)) return { reason: 'not_named', message: `Only ${describeApprovers(approvers)} may decide this approval.` };
  if (parties.decidedBy.includes(person.id)) return { reason: 'already_decided', message: 'You have already decided this approval.' };
  if (!allowSelfApproval && parties.startedBy === person.id)
    return { reason: 'started_the_run', message: 'You started this run, so someone else must decide it.' };
  if (!allowSelfApproval && parties.savedBy === person.id)
    return { reason: 'saved_the_version', message: 'You saved the workflow version being run, so someone else must decide it.' };
  return null;
}

export function matchesApprovers(person: Decider, approvers: ApprovalRules['approvers']): boolean {
  if (!approvers.users && !approvers.roles) return true;
  const email = person.email?.toLowerCase();
  const named = approvers.users?.some((user) => user === person.id || (email !== undefined && user.toLowerCase() === email)) ?? false;
  return named || (approvers.roles?.includes(person.role) ?? false);
}
