import type { MessagePart } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { argumentSummary, denialOf, errorMessageOf, isBuiltinTool, tailLines, toolCallStatus, toolStatusLabel } from './tool-call-facts';

type ToolCall = Extract<MessagePart, { type: 'tool_call' }>;
const call = (status: ToolCall['status'], name = 'workspace:bash'): ToolCall => ({ type: 'tool_call', id: 'tu_1', name, input: { command: 'ls' }, status });
const result = (output: unknown, isError: boolean) => ({ type: 'tool_result' as const, toolCallId: 'tu_1', output, isError });

describe('tool call facts', () => {
  it("reads a call's status: its own until a result arrives, then done, failed or denied", () => {
    expect(toolCallStatus(call('running'), undefined)).toBe('running');
    expect(toolCallStatus(call('waiting'), undefined)).toBe('waiting');
    expect(toolCallStatus(call('running'), result({ exitCode: 0 }, false))).toBe('succeeded');
    expect(toolCallStatus(call('running'), result({ error: 'ENOENT: no such file' }, true))).toBe('failed');
    expect(toolCallStatus(call('running'), result({ denied: true, comment: 'not on main' }, true))).toBe('denied');
    expect(toolCallStatus(call('running'), result({ error: 'denied by ana', code: 'tool_call_denied' }, true))).toBe('denied');
    // `denied: true` on a success is not a refusal (a tool may return such data).
    expect(toolCallStatus(call('running'), result({ denied: true }, false))).toBe('succeeded');
    // A JSON string output (as some layers serialise it) reads the same.
    expect(toolCallStatus(call('running'), result('{"denied":true,"comment":"no"}', true))).toBe('denied');
  });

  it('gives the comment that went back to the agent, and error messages', () => {
    expect(
      denialOf(
        result({ error: 'a person denied the call of workspace:bash', code: 'tool_denied_by_person', denied: true, comment: 'use the staging branch' }, true),
      ),
    ).toEqual({ comment: 'use the staging branch', reason: 'a person denied the call of workspace:bash' });
    expect(denialOf(result({ error: 'workspace:bash is denied by the step policy', code: 'tool_denied_by_policy', denied: true }, true))).toEqual({
      comment: null,
      reason: 'workspace:bash is denied by the step policy',
    });
    expect(denialOf(result({ denied: true }, true))).toEqual({ comment: null, reason: null });
    expect(denialOf(result({ error: 'boom' }, true))).toBeNull();
    expect(errorMessageOf(result({ error: 'path escapes the workspace: ../../etc/passwd' }, true))).toBe('path escapes the workspace: ../../etc/passwd');
    expect(errorMessageOf(result({ nothing: 1 }, true))).toBeNull();
  });

  it('labels a question as waiting for an answer, anything else for approval', () => {
    expect(toolStatusLabel('agent:ask_user', 'waiting')).toBe('Waiting for an answer');
    expect(toolStatusLabel('workspace:bash', 'waiting')).toBe('Waiting for approval');
    expect(toolStatusLabel('workspace:bash', 'denied')).toBe('Denied');
  });

  it('summarises the arguments of each built-in tool in one line', () => {
    expect(isBuiltinTool('workspace:grep')).toBe(true);
    expect(isBuiltinTool('github:create_issue')).toBe(false);
    expect(argumentSummary('workspace:read_file', { path: 'src/a.ts' })).toBe('src/a.ts');
    expect(argumentSummary('workspace:read_file', { path: 'src/a.ts', startLine: 40, maxLines: 20 })).toBe('src/a.ts (from line 40, 20 lines)');
    expect(argumentSummary('workspace:edit_file', { path: 'README.md', oldText: 'a', newText: 'b' })).toBe('README.md');
    expect(argumentSummary('workspace:list', {})).toBe('.');
    expect(argumentSummary('workspace:glob', { pattern: 'src/**/*.ts' })).toBe('src/**/*.ts');
    expect(argumentSummary('workspace:grep', { pattern: 'TODO', glob: '*.ts', ignoreCase: true })).toBe('/TODO/i in *.ts');
    expect(argumentSummary('workspace:bash', { command: 'npm test\nnpm run lint' })).toBe('npm test …');
    expect(argumentSummary('workspace:bash', { command: 'x'.repeat(200) })).toHaveLength(120);
    expect(argumentSummary('agent:ask_user', { question: 'Which branch?' })).toBe('Which branch?');
    // Input not parsed yet (streaming), or another tool: no summary.
    expect(argumentSummary('workspace:bash', null)).toBeNull();
    expect(argumentSummary('github:create_issue', { title: 'x' })).toBeNull();
  });

  it("keeps a command output's last lines and counts the rest", () => {
    expect(tailLines('a\nb\nc\n', 2)).toEqual({ text: 'b\nc', omitted: 1 });
    expect(tailLines('a\nb', 5)).toEqual({ text: 'a\nb', omitted: 0 });
  });
});
