/**
 * A large, realistic workflow for the diagram benchmark: repeated "release part" blocks of
 * http / bash / agent_prompt / notify steps, a `conditional` with then/else branches (an approval
 * gate in every third one), and a `loop` over regions whose body holds its own conditional.
 * Deterministic; exactly `stepCount` steps counting every nested one. Validated with the shared
 * validator, so the benchmark never measures a definition the product would reject.
 */
import { validateWorkflowDefinition, walkSteps, type Step, type WorkflowDefinition } from '@weft/shared';

function block(b: number): Step[] {
  const s = (name: string) => `${name}_${b}`;
  return [
    { id: s('fetch'), type: 'http', method: 'GET', url: `https://releases.example.com/api/{{ inputs.version }}/parts/${b}` },
    {
      id: s('build'),
      type: 'bash',
      name: `Build part ${b}`,
      command: `make build PART=${b} ETAG={{ steps.${s('fetch')}.output.headers.etag }}`,
      ...(b % 2 === 0 ? { cwd: `/srv/release/part-${b}` } : {}),
      retry: { maxAttempts: 2, backoffSeconds: 5 },
    },
    {
      id: s('summarise'),
      type: 'agent_prompt',
      name: `Summarise part ${b}`,
      prompt: `Summarise the changes in part ${b} in three bullet points:\n{{ steps.${s('fetch')}.output.body }}`,
    },
    {
      id: s('built_ok'),
      type: 'conditional',
      condition: `steps.${s('build')}.output.exitCode == 0`,
      then: [
        { id: s('test'), type: 'bash', command: `make test PART=${b}` },
        ...(b % 3 === 0 ? [{ id: s('approve'), type: 'approval', message: `Publish part ${b} of {{ inputs.version }}?`, onDeny: 'continue' } as Step] : []),
        {
          id: s('publish'),
          type: 'http',
          method: 'POST',
          url: 'https://releases.example.com/api/publish',
          headers: { 'Content-Type': 'application/json' },
          body: { part: b, version: '{{ inputs.version }}', notes: `{{ steps.${s('summarise')}.output.text }}` },
        },
      ],
      else: [
        { id: s('alert'), type: 'notify', message: `Build of part ${b} failed: {{ steps.${s('build')}.output.stderr }}` },
        { id: s('clean'), type: 'bash', command: `make clean PART=${b}` },
      ],
    },
    {
      id: s('each_region'),
      type: 'loop',
      name: `Roll out part ${b}`,
      over: 'inputs.regions',
      as: 'region',
      steps: [
        { id: s('deploy'), type: 'bash', command: `./deploy.sh {{ region }} part-${b}` },
        { id: s('verify'), type: 'http', method: 'GET', url: 'https://{{ region }}.example.com/health' },
        {
          id: s('healthy'),
          type: 'conditional',
          condition: `steps.${s('verify')}.output.status == 200`,
          then: [{ id: s('ok'), type: 'notify', message: `Part ${b} is live in {{ region }}` }],
          else: [{ id: s('undo'), type: 'bash', command: `./rollback.sh {{ region }} part-${b}` }],
        },
      ],
    },
    {
      id: s('report'),
      type: 'notify',
      message: `Part ${b} done: {{ steps.${s('summarise')}.output.text }}`,
      ...(b % 4 === 1 ? { if: 'inputs.environment != "dev"' } : {}),
    },
  ] as Step[];
}

export function countSteps(steps: readonly Step[]): number {
  let n = 0;
  walkSteps(steps, () => {
    n++;
  });
  return n;
}

export function largeWorkflow(stepCount = 300): WorkflowDefinition {
  const steps: Step[] = [];
  let total = 0;
  for (let b = 0; ; b++) {
    const next = block(b);
    const size = countSteps(next);
    if (total + size > stepCount) break;
    steps.push(...next);
    total += size;
  }
  for (let i = 0; total < stepCount; i++, total++) {
    steps.push(
      i % 2 === 0
        ? { id: `wrap_up_${i}`, type: 'bash', command: `./wrap-up.sh ${i}` }
        : { id: `wrap_up_${i}`, type: 'notify', message: `Wrap-up ${i} of {{ inputs.version }} finished` },
    );
  }
  const definition: WorkflowDefinition = {
    name: `Release train (${stepCount} steps)`,
    description: 'Generated for the diagram benchmark.',
    inputs: {
      version: { type: 'string', required: true },
      environment: { type: 'string', default: 'staging' },
      regions: { type: 'array', default: ['eu-west-1', 'us-east-1', 'ap-south-1'] },
    },
    steps,
  };
  const result = validateWorkflowDefinition(definition);
  if (!result.ok) throw new Error(`generated workflow is invalid: ${JSON.stringify(result.errors.slice(0, 5))}`);
  return definition;
}

/** Step counts by type, nesting depth and the enclosing loops of every step (for status events). */
export function describeWorkflow(definition: WorkflowDefinition) {
  const byType: Record<string, number> = {};
  let maxDepth = 0;
  const targets: { stepId: string; loopIds: string[] }[] = [];
  walkSteps(definition.steps, ({ step, ancestors }) => {
    byType[step.type] = (byType[step.type] ?? 0) + 1;
    maxDepth = Math.max(maxDepth, ancestors.length);
    targets.push({ stepId: step.id, loopIds: ancestors.filter((a) => a.step.type === 'loop').map((a) => a.step.id) });
  });
  return { steps: targets.length, topLevel: definition.steps.length, byType, maxDepth, targets };
}
