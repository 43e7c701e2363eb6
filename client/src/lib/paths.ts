/** The run page's address, opened at a step when given: every link and navigation to a run builds it here. */
export function runPath(executionId: string, stepId?: string | null): string {
  const enc = encodeURIComponent;
  return `/automation/executions/${enc(executionId)}${stepId ? `?step=${enc(stepId)}` : ''}`;
}
