import { z } from 'zod';

/** Request and response shapes of /api/workflows; `definition` is checked by validateWorkflowDefinition. */
export const CreateWorkflowRequest = z.object({ definition: z.unknown() }).loose();
export type CreateWorkflowRequest = z.infer<typeof CreateWorkflowRequest>;

export const UpdateWorkflowRequest = z.object({ definition: z.unknown(), baseVersion: z.number().int().min(1) }).loose();
export type UpdateWorkflowRequest = z.infer<typeof UpdateWorkflowRequest>;

export const RollbackWorkflowRequest = z.object({ version: z.number().int().min(1) });
export type RollbackWorkflowRequest = z.infer<typeof RollbackWorkflowRequest>;

export const ValidateWorkflowRequest = z.object({ definition: z.unknown() });
export type ValidateWorkflowRequest = z.infer<typeof ValidateWorkflowRequest>;

/** Every endpoint that returns a workflow returns this shape. */
export const WorkflowResponse = z.object({
  id: z.string(),
  version: z.number().int(),
  definition: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WorkflowResponse = z.infer<typeof WorkflowResponse>;

export const WorkflowListResponse = z.object({ workflows: z.array(WorkflowResponse) });
export type WorkflowListResponse = z.infer<typeof WorkflowListResponse>;

export const WorkflowVersionSummary = z.object({
  version: z.number().int(),
  createdAt: z.string(),
  name: z.string(),
  source: z.enum(['create', 'update', 'rollback']),
  rolledBackFrom: z.number().int().nullable(),
  /** The id of the person who saved this version (for a proposal: who accepted it); null before people existed. */
  savedBy: z.string().nullable().optional(),
  /** Set on a version a fix of a failed run applied ("fixes run ex_… — summary"). */
  fix: z.object({ id: z.string(), executionId: z.string(), summary: z.string().nullable() }).optional(),
});
export type WorkflowVersionSummary = z.infer<typeof WorkflowVersionSummary>;

export const WorkflowVersionsResponse = z.object({ versions: z.array(WorkflowVersionSummary) });
export type WorkflowVersionsResponse = z.infer<typeof WorkflowVersionsResponse>;

export const IdParams = z.object({ id: z.string().min(1).max(100) });
export const VersionParams = z.object({ id: z.string().min(1).max(100), n: z.coerce.number().int().min(1) });

/** A proposed change to a workflow (by an agent), as the `proposal.updated` journal event carries it. */
export const WorkflowProposal = z.object({
  id: z.string(),
  workflowId: z.string(),
  baseVersion: z.number().int(),
  definition: z.unknown(),
  diff: z.array(z.unknown()),
  summary: z.string().nullable(),
  status: z.enum(['open', 'accepted', 'rejected', 'applied']),
  proposedBy: z.string(),
  sessionId: z.string().nullable(),
  createdAt: z.string(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reviewComment: z.string().nullable(),
  appliedVersion: z.number().int().nullable(),
});
export type WorkflowProposal = z.infer<typeof WorkflowProposal>;

/** A stored version number in a query string: digits only, so `1.5`, `-1`, `1e3` and `x` are refused by name. */
const VersionQueryField = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be given once, as a version number') })
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer version number')
  .transform(Number);

/** `GET /api/workflows/:id/diff?from=&to=`: both versions are required (no default to "latest"). */
export const WorkflowDiffQuery = z.object({ from: VersionQueryField, to: VersionQueryField });
export type WorkflowDiffQuery = z.infer<typeof WorkflowDiffQuery>;

/** `summarizeDefinitionDiff` of two stored versions: step ids, and for changed steps the leaf paths of their fields. */
export const WorkflowDiffResponse = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.object({ id: z.string(), fields: z.array(z.string()) })),
  moved: z.array(z.string()),
});
export type WorkflowDiffResponse = z.infer<typeof WorkflowDiffResponse>;

/** `GET /api/workflows/:id/proposals?status=`: the workflow's proposals, newest first (at most 200). */
export const WorkflowProposalsQuery = z.object({ status: WorkflowProposal.shape.status.optional() });
export type WorkflowProposalsQuery = z.infer<typeof WorkflowProposalsQuery>;

export const WorkflowProposalsResponse = z.object({ proposals: z.array(WorkflowProposal) });
export type WorkflowProposalsResponse = z.infer<typeof WorkflowProposalsResponse>;
