import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Message, MessagePart } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageParts } from '../MessageParts';
import { assistantMessage } from '../../../test/messages';

afterEach(cleanup);

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

type Call = { name: string; input: unknown; status?: Extract<MessagePart, { type: 'tool_call' }>['status']; output?: unknown; isError?: boolean };

/** One assistant turn of an agent step, with the given calls (and results, when `output` is set). */
function turn(...calls: Call[]): Message {
  const parts: MessagePart[] = [];
  calls.forEach((c, i) => {
    parts.push({ type: 'tool_call', id: `tu_${i}`, name: c.name, input: c.input, status: c.status ?? (c.output === undefined ? 'running' : 'succeeded') });
    if (c.output !== undefined) parts.push({ type: 'tool_result', toolCallId: `tu_${i}`, output: c.output, isError: c.isError ?? false });
  });
  return assistantMessage(parts, { id: 'msg_1', createdAt: '2026-01-01T00:00:00.000Z' });
}

const show = (...calls: Call[]) => render(<MessageParts message={turn(...calls)} />);
const callBox = (name: string) => document.querySelector(`[data-tool="${name}"]`) as HTMLElement;

/** Nothing hostile became markup: no element from the tool's text exists, and the text reads as typed. */
function expectInert(container: HTMLElement) {
  expect(container.querySelector('img')).toBeNull();
  expect(container.querySelector('script')).toBeNull();
  expect((window as { __pwned?: unknown }).__pwned).toBeUndefined();
}

describe('built-in tool calls in an agent step', () => {
  it('read_file: the path and range in the header, the excerpt with line numbers, hostile content as text', () => {
    const { container } = show({
      name: 'workspace:read_file',
      input: { path: 'src/page.html', startLine: 10, maxLines: 3 },
      output: { path: 'src/page.html', content: `<div>\n${HOSTILE}\n</div>\n`, startLine: 10, endLine: 12, totalLines: 40, truncated: false },
    });
    const box = callBox('workspace:read_file');
    expect(within(box).getByText('read_file')).toBeTruthy();
    expect(within(box).getByText('src/page.html (from line 10, 3 lines)')).toBeTruthy();
    expect(within(box).getByText('Done')).toBeTruthy();
    const excerpt = within(box).getByRole('figure', { name: 'Excerpt of src/page.html' });
    expect(within(excerpt).getByText(/lines 10–12 of 40/)).toBeTruthy();
    const lines = [...excerpt.querySelectorAll('.tool-excerpt__line')].map((l) => l.textContent);
    expect(lines).toEqual(['10<div>\n', `11${HOSTILE}\n`, '12</div>\n']);
    expectInert(container);
  });

  it('edit_file: the diff, coloured per line, with HTML in it as text', () => {
    const diff = ['--- a/index.html', '+++ b/index.html', '@@ -1,2 +1,2 @@', ' <body>', '-<p>old</p>', `+${HOSTILE}`].join('\n');
    const { container } = show({
      name: 'workspace:edit_file',
      input: { path: 'index.html', oldText: '<p>old</p>', newText: HOSTILE },
      output: { path: 'index.html', replacements: 1, diff },
    });
    const box = callBox('workspace:edit_file');
    expect(within(box).getByText(/1 replacement\)/)).toBeTruthy();
    const figure = within(box).getByRole('figure', { name: 'Changes to index.html: 1 lines added, 1 removed' });
    const kinds = [...figure.querySelectorAll('.diff-line')].map((l) => [l.className.replace('diff-line diff-line--', ''), l.textContent]);
    expect(kinds).toEqual([
      ['meta', '--- a/index.html\n'],
      ['meta', '+++ b/index.html\n'],
      ['hunk', '@@ -1,2 +1,2 @@\n'],
      ['context', ' <body>\n'],
      ['del', '-<p>old</p>\n'],
      ['add', `+${HOSTILE}\n`],
    ]);
    expectInert(container);
  });

  it('write_file: created or replaced, the size and the diff', () => {
    show({
      name: 'workspace:write_file',
      input: { path: 'notes/todo.md', content: '- fix it\n' },
      output: { path: 'notes/todo.md', bytes: 9, created: true, diff: '--- /dev/null\n+++ b/notes/todo.md\n@@ -0,0 +1 @@\n+- fix it\n' },
    });
    const box = callBox('workspace:write_file');
    expect(within(box).getByText('Created')).toBeTruthy();
    expect(within(box).getByText('(9 bytes)')).toBeTruthy();
    expect(within(box).getByRole('figure', { name: 'Changes to notes/todo.md: 1 lines added, 0 removed' })).toBeTruthy();
  });

  it('list and glob: entry lists, directories marked, the limit said', () => {
    show(
      {
        name: 'workspace:list',
        input: { path: 'src' },
        output: {
          path: 'src',
          entries: [
            { name: 'lib', type: 'dir' },
            { name: 'main.ts', type: 'file', size: 2048 },
            { name: HOSTILE, type: 'file', size: 1 },
          ],
          truncated: false,
        },
      },
      { name: 'workspace:glob', input: { pattern: '**/*.test.ts' }, output: { matches: ['a.test.ts', 'b/c.test.ts'], truncated: true } },
    );
    const entries = within(callBox('workspace:list')).getByRole('list', { name: 'Entries of src' });
    expect(
      within(entries)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['lib/', 'main.ts 2.0 KiB', `${HOSTILE} 1 B`]);
    const glob = callBox('workspace:glob');
    expect(within(glob).getByText('**/*.test.ts')).toBeTruthy();
    expect(within(within(glob).getByRole('list', { name: 'Matching paths' })).getAllByRole('listitem')).toHaveLength(2);
    expect(within(glob).getByText(/the tool stopped at its limit/)).toBeTruthy();
    expectInert(document.body);
  });

  it('grep: matches as path:line text', () => {
    show({
      name: 'workspace:grep',
      input: { pattern: 'TODO', glob: '*.ts' },
      output: {
        matches: [
          { path: 'src/a.ts', line: 3, text: '// TODO: retry' },
          { path: 'src/b.ts', line: 14, text: `const s = '${HOSTILE}'; // TODO` },
        ],
        filesSearched: 12,
        truncated: false,
      },
    });
    const box = callBox('workspace:grep');
    expect(within(box).getByText('/TODO/ in *.ts')).toBeTruthy();
    const list = within(box).getByRole('list', { name: 'Matches in 12 files searched' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['src/a.ts:3 // TODO: retry', `src/b.ts:14 const s = '${HOSTILE}'; // TODO`]);
    expectInert(document.body);
  });

  it('bash: the command, the exit code and the tail of the output; a failing command reads as failed', () => {
    const stdout = `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n')}\n${HOSTILE}\n`;
    show(
      {
        name: 'workspace:bash',
        input: { command: 'npm test' },
        output: { exitCode: 0, stdoutTail: stdout, stderrTail: '', timedOut: false, truncated: false },
      },
      {
        name: 'workspace:bash',
        input: { command: 'make lint' },
        status: 'failed',
        // The runner answers a non-zero exit as an error result of the same shape.
        output: { exitCode: 2, stdoutTail: '', stderrTail: 'lint: 3 problems\n', timedOut: false, truncated: false },
        isError: true,
      },
    );
    const [ok, bad] = [...document.querySelectorAll('[data-tool="workspace:bash"]')] as HTMLElement[];
    expect(within(ok as HTMLElement).getByText('npm test')).toBeTruthy();
    expect(within(ok as HTMLElement).getByText('Exit code 0')).toBeTruthy();
    const out = within(ok as HTMLElement).getByRole('figure', { name: 'Standard output' });
    // The last 30 lines: line 22 … line 50 and the hostile line, as text.
    expect(out.textContent?.startsWith('line 22\n')).toBe(true);
    expect(out.textContent?.endsWith(HOSTILE)).toBe(true);
    expect(within(ok as HTMLElement).getByText(/showing the end of the output/)).toBeTruthy();
    expect((bad as HTMLElement).dataset.status).toBe('failed');
    expect(within(bad as HTMLElement).getByText('Exit code 2')).toBeTruthy();
    expect(within(bad as HTMLElement).getByRole('figure', { name: 'Standard error' }).textContent).toBe('lint: 3 problems');
    expectInert(document.body);
  });

  it('ask_user: the question and the answer; while waiting, it says so', () => {
    show(
      { name: 'agent:ask_user', input: { question: 'Which branch should I fix?' }, output: { answer: 'release/2.1', answeredBy: 'Ana' } },
      { name: 'agent:ask_user', input: { question: 'Deploy now?' }, status: 'waiting' },
    );
    const [answered, waiting] = [...document.querySelectorAll('[data-tool="agent:ask_user"]')] as HTMLElement[];
    expect(within(answered as HTMLElement).getAllByText('Which branch should I fix?')).toHaveLength(2);
    expect(within(answered as HTMLElement).getByText('release/2.1')).toBeTruthy();
    expect(within(answered as HTMLElement).getByText('Answered by Ana')).toBeTruthy();
    expect(within(waiting as HTMLElement).getByText('Waiting for an answer')).toBeTruthy();
    expect(within(waiting as HTMLElement).getByText(/see the question card/)).toBeTruthy();
  });

  it('a denied call shows the comment that went back to the agent; a refused path shows the error', () => {
    show(
      {
        name: 'workspace:bash',
        input: { command: 'git push --force' },
        output: { error: 'a person denied the call of workspace:bash', code: 'tool_denied_by_person', denied: true, comment: 'never force-push' },
        isError: true,
      },
      {
        name: 'workspace:write_file',
        input: { path: 'x', content: '' },
        output: { error: 'workspace:write_file is denied by the step policy', code: 'tool_denied_by_policy', denied: true },
        isError: true,
      },
      {
        name: 'workspace:read_file',
        input: { path: '../../etc/passwd' },
        output: { error: 'path ../../etc/passwd resolves outside the workspace' },
        isError: true,
      },
    );
    const bash = callBox('workspace:bash');
    expect(bash.dataset.status).toBe('denied');
    expect(within(bash).getByText('Denied')).toBeTruthy();
    expect(within(bash).getByText('Denied: never force-push')).toBeTruthy();
    const write = callBox('workspace:write_file');
    expect(write.dataset.status).toBe('denied');
    expect(within(write).getByText('Denied: workspace:write_file is denied by the step policy')).toBeTruthy();
    const read = callBox('workspace:read_file');
    expect(read.dataset.status).toBe('failed');
    expect(within(read).getByText('path ../../etc/passwd resolves outside the workspace', { selector: '.code-block--error' })).toBeTruthy();
  });

  it('a waiting call says a person decides; every built-in call opens to its full JSON', () => {
    show({ name: 'workspace:bash', input: { command: 'rm -rf build' }, status: 'waiting' });
    const box = callBox('workspace:bash');
    expect(within(box).getByText('Waiting for approval')).toBeTruthy();
    expect(within(box).getByText(/see the approval card/)).toBeTruthy();
    fireEvent.click(within(box).getByText('Full call as JSON'));
    expect(within(box).getByText(/"command": "rm -rf build"/)).toBeTruthy();
  });

  it('an output not of the tool’s shape falls back to JSON; other tools keep their rendering', () => {
    show(
      { name: 'workspace:glob', input: { pattern: '*' }, output: { unexpected: true } },
      { name: 'github:create_issue', input: { title: 'x' }, output: { number: 7 } },
    );
    // Shown in the body, not only behind "Full call as JSON".
    expect(within(callBox('workspace:glob')).getByText(/"unexpected": true/, { selector: '.tool-call__body > pre' })).toBeTruthy();
    const other = callBox('github:create_issue');
    expect(within(other).getByText('Input')).toBeTruthy();
    expect(within(other).getByText('github:create_issue')).toBeTruthy();
    expect(screen.getAllByText(/"number": 7/).length).toBeGreaterThan(0);
  });
});
