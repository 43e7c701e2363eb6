import { resolveToolPolicy, type ToolPolicy, type ToolPolicyDecision } from '@weft/shared';

/**
 * Decides each tool call of one agent step attempt: the step's `toolPolicy` over the operator's
 * (`WEFT_TOOL_POLICY`, from the grant) over the defaults (`resolveToolPolicy`). A person who approved
 * a tool "for the rest of this step" turns its later asks into allows, for this attempt and the
 * attempts resumed from its checkpoint.
 */
export function createPolicyGate({
  step,
  operator,
  approvedForStep = [],
  stepApprovalIds = {},
}: {
  step?: ToolPolicy | undefined;
  operator?: ToolPolicy | undefined;
  approvedForStep?: readonly string[];
  /** The approval behind each tool approved for the step: a server tool's later calls name it, so the server runs them too. */
  stepApprovalIds?: Readonly<Record<string, string>>;
}) {
  const approved = new Set(approvedForStep);
  const ids = new Map(Object.entries(stepApprovalIds));
  return {
    decide(name: string, destructive: boolean): { decision: ToolPolicyDecision; reason: string; askApprovalId?: string } {
      const r = resolveToolPolicy({ name, destructive, step, operator });
      if (r.decision === 'ask' && approved.has(name)) {
        const askApprovalId = ids.get(name);
        return { decision: 'allow', reason: 'approved for the rest of this step', ...(askApprovalId ? { askApprovalId } : {}) };
      }
      const where = r.source === 'default' ? 'the default policy' : `the ${r.source === 'step' ? "step's" : "operator's"} tool policy (${r.pattern})`;
      return { decision: r.decision, reason: where };
    },
    approveForStep(name: string, approvalId?: string): void {
      approved.add(name);
      if (approvalId) ids.set(name, approvalId);
    },
    approvedForStep(): string[] {
      return [...approved].sort();
    },
    stepApprovalIds(): Record<string, string> {
      return Object.fromEntries([...ids].sort(([a], [b]) => a.localeCompare(b)));
    },
  };
}

export type PolicyGate = ReturnType<typeof createPolicyGate>;
