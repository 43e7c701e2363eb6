import { describe, expect, it } from 'vitest';
import { CreateIntegrationRequest, IntegrationName } from '../api/integrations';
import { validateWorkflowDefinition } from '../workflow/validate';
import { STEP_CATALOGUE } from './catalogue';
import { stepExpressionSites, stepKeyParam } from './helpers';
import { TOOL_PATTERN_PATTERN, ToolStep, toolIntegration } from './tool';

const wf = (...steps: unknown[]) => ({ name: 't', steps });

describe('tool step', () => {
  it('is in the catalogue with its example', () => {
    expect(STEP_CATALOGUE.tool.type).toBe('tool');
    expect(ToolStep.safeParse(STEP_CATALOGUE.tool.example).success).toBe(true);
  });

  it.each([
    ['github:list_issues', true],
    ['workflows:list_workflows', true],
    ['files:read.text-v2', true],
    ['my_mcp:echo', true],
    ['github', false],
    [':x', false],
    ['GitHub:x', false],
    ['github:', false],
    ['github:a b', false],
  ])('tool name %s valid: %s', (tool, ok) => {
    expect(validateWorkflowDefinition(wf({ id: 'a', type: 'tool', tool })).ok).toBe(ok);
  });

  it('checks templates inside arguments and reports their paths', () => {
    const bad = validateWorkflowDefinition(wf({ id: 'a', type: 'tool', tool: 'x:y', arguments: { q: { deep: ['{{ ) }}'] } } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]!.path).toBe('steps[0].arguments.q.deep[0]');
    expect(validateWorkflowDefinition(wf({ id: 'a', type: 'tool', tool: 'x:y', arguments: [1] })).ok).toBe(false);
    expect(validateWorkflowDefinition(wf({ id: 'a', type: 'tool', tool: 'x:y', argument: {} })).ok).toBe(false);
  });

  it('checks references made in arguments', () => {
    const missing = validateWorkflowDefinition(wf({ id: 'a', type: 'tool', tool: 'x:y', arguments: { text: '{{ steps.nope.output }}' } }));
    expect(missing.ok).toBe(false);
    const ok = validateWorkflowDefinition(
      wf(
        { id: 'list', type: 'tool', tool: 'x:list' },
        { id: 'store', type: 'tool', tool: 'x:store', arguments: { messages: '{{ steps.list.output.messages }}' } },
      ),
    );
    expect(ok).toMatchObject({ ok: true });
  });

  it('exposes its templates and key parameter', () => {
    const step = { id: 'a', type: 'tool' as const, tool: 'slack:send_message', arguments: { text: 'hi {{ inputs.who }}', n: 1 } };
    expect(stepKeyParam(step)).toBe('slack:send_message');
    expect(stepExpressionSites(step)).toEqual([{ path: ['arguments', 'text'], kind: 'template', source: 'hi {{ inputs.who }}' }]);
    expect(toolIntegration('slack:send_message')).toBe('slack');
  });
});

describe('agent_prompt tools allowlist', () => {
  it('accepts names and globs, refuses anything else', () => {
    expect(validateWorkflowDefinition(wf({ id: 'a', type: 'agent_prompt', prompt: 'p', tools: ['github:*', 'workflows:list_workflows', '*'] })).ok).toBe(true);
    expect(validateWorkflowDefinition(wf({ id: 'a', type: 'agent_prompt', prompt: 'p', tools: ['rm -rf'] })).ok).toBe(false);
    expect(TOOL_PATTERN_PATTERN.test('git*')).toBe(true);
  });
});

describe('integration request schemas', () => {
  it('names: lowercase, no "__", not "workflows"', () => {
    expect(IntegrationName.safeParse('github').success).toBe(true);
    expect(IntegrationName.safeParse('team-slack_2').success).toBe(true);
    for (const bad of ['workflows', 'a__b', 'Git', '1x', '', 'a:b']) expect(IntegrationName.safeParse(bad).success, bad).toBe(false);
  });

  it('mcp takes exactly one of command or url', () => {
    expect(CreateIntegrationRequest.safeParse({ provider: 'mcp', name: 'm', config: { command: 'node', args: ['x.js'] } }).success).toBe(true);
    expect(CreateIntegrationRequest.safeParse({ provider: 'mcp', name: 'm', config: { url: 'http://127.0.0.1:1/mcp' } }).success).toBe(true);
    expect(CreateIntegrationRequest.safeParse({ provider: 'mcp', name: 'm', config: {} }).success).toBe(false);
    expect(CreateIntegrationRequest.safeParse({ provider: 'mcp', name: 'm', config: { command: 'x', url: 'http://a' } }).success).toBe(false);
  });

  it('slack needs a bot token or a webhook URL; github needs a token', () => {
    expect(CreateIntegrationRequest.safeParse({ provider: 'slack', name: 's', config: {}, credentials: {} }).success).toBe(false);
    expect(CreateIntegrationRequest.safeParse({ provider: 'slack', name: 's', credentials: { botToken: 'x' } }).success).toBe(true);
    expect(CreateIntegrationRequest.safeParse({ provider: 'github', name: 'g', config: {} }).success).toBe(false);
    expect(CreateIntegrationRequest.safeParse({ provider: 'jira', name: 'g', config: {} }).success).toBe(false);
  });
});
