import { renderTemplate, type ExpressionScope, type StepOfType } from '@weft/shared';

/**
 * The agent's system prompt: its persona's (who it is) before the step's own `system` (what this
 * step wants), both templates. Undefined when neither is set.
 */
export function agentSystemPrompt(step: StepOfType<'agent_prompt'>, scope: Readonly<ExpressionScope>): string | undefined {
  const parts = [step.persona?.system, step.system].filter((s): s is string => s !== undefined).map((s) => renderTemplate(s, scope));
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** What the chat's step container header shows about who is speaking. */
export function personaMeta(step: StepOfType<'agent_prompt'>): { persona?: string } {
  return step.persona ? { persona: step.persona.name } : {};
}
