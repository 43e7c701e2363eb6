import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DefinitionEditor, type DefinitionCheck } from './DefinitionEditor';

const valid = { name: 'Hello', steps: [{ id: 'say', type: 'bash', command: 'echo hello' }] };
const text = (value: unknown) => JSON.stringify(value, null, 2);

afterEach(cleanup);

function setup() {
  const checks: DefinitionCheck[] = [];
  render(<DefinitionEditor initialText={text(valid)} onCheck={(check) => checks.push(check)} label="Definition" />);
  const editor = screen.getByLabelText('Definition') as HTMLTextAreaElement;
  const type = (value: string) => fireEvent.change(editor, { target: { value } });
  return { checks, editor, type };
}

describe('JSON panel', () => {
  it('validates as you type with the shared validator and shows each problem at its path and line', async () => {
    const { checks, editor, type } = setup();
    expect(screen.getByTestId('json-status').textContent).toBe('Valid');
    expect(checks.at(-1)?.kind).toBe('valid');

    type('{ "name": "Hello", "steps": [');
    expect(await screen.findByText('Not JSON')).toBeTruthy();

    const broken = text({
      name: 'Hello',
      steps: [
        { id: 'say', type: 'bash' },
        { id: 'say', type: 'notify', message: 'hi', colour: 'red' },
      ],
    });
    type(broken);
    expect(await screen.findByText(/^\d+ problems$/)).toBeTruthy();
    const problems = screen.getByRole('list', { name: 'Problems' });
    const missing = within(problems).getByText('steps[0].command').closest('li')!;
    expect(missing.textContent).toMatch(/line 4/);
    const unknown = within(problems).getByText('steps[1].colour').closest('li')!;
    expect(unknown.textContent).toMatch(/line 12/);
    expect(missing.textContent).toMatch(/required/);
    expect(checks.at(-1)?.kind).toBe('invalid');
    expect(editor.getAttribute('aria-invalid')).toBe('true');

    // Choosing a problem selects its text.
    fireEvent.click(within(unknown).getByRole('button'));
    expect(document.activeElement).toBe(editor);
    expect(broken.slice(editor.selectionStart, editor.selectionEnd)).toBe('"colour": "red"');

    type(text({ ...valid, steps: [{ id: 'say', type: 'bash', command: 'echo hi' }] }));
    expect(await screen.findByText('Valid')).toBeTruthy();
    expect(checks.at(-1)).toMatchObject({ kind: 'valid', definition: { steps: [{ command: 'echo hi' }] } });
  });

  it('reports every settled check to its owner', () => {
    const onCheck = vi.fn();
    render(<DefinitionEditor initialText="{}" onCheck={onCheck} />);
    expect(onCheck).toHaveBeenCalledWith(expect.objectContaining({ kind: 'invalid' }));
  });
});
