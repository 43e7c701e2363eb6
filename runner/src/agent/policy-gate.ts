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
}: {
  step?: ToolPolicy | undefined;
  operator?: ToolPolicy | undefined;
  approvedForStep?: readonly string[];
}) {
  const approved = new Set(approvedForStep);
  return {
    decide(name: string, destructive: boolean): { decision: ToolPolicyDecision; reason: string } {
      const r = resolveToolPolicy({ name, destructive, step, operator });
      if (r.decision === 'ask' && approved.has(name)) return { decision: 'allow', reason: 'approved for the rest of this step' };
      const where = r.source === 'default' ? 'the default policy' : `the ${r.source === 'step' ? "step's" : "operator's"} tool policy (${r.pattern})`;
      return { decision: r.decision, reason: where };
    },
    approveForStep(name: string): void {
      approved.add(name);
    },
    approvedForStep(): string[] {
      return [...approved].sort();
    },
  };
}

export type PolicyGate = ReturnType<typeof createPolicyGate>;
