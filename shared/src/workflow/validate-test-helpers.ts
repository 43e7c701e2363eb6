import { expect } from 'vitest';
import { validateWorkflowDefinition } from './validate';

// Shared by the validator's test files; not part of the package API.

export const workflow = (...steps: unknown[]) => ({ name: 'test', steps });

export function errorsOf(input: unknown): { path: string; message: string }[] {
  const result = validateWorkflowDefinition(input);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(input)}`);
  return result.errors;
}

export function expectError(input: unknown, path: string, message: RegExp): void {
  const errors = errorsOf(input);
  expect(errors, JSON.stringify(errors)).toContainEqual({ path, message: expect.stringMatching(message) });
}

export function expectValid(input: unknown): void {
  const result = validateWorkflowDefinition(input);
  expect(result, JSON.stringify(result)).toEqual({ ok: true, definition: input });
}

export const minimal = {
  agent_prompt: { id: 's', type: 'agent_prompt', prompt: 'Hello' },
  bash: { id: 's', type: 'bash', command: 'echo hi' },
  notify: { id: 's', type: 'notify', message: 'Hi' },
  http: { id: 's', type: 'http', method: 'GET', url: 'https://example.com' },
  conditional: { id: 's', type: 'conditional', condition: 'true', then: [{ id: 't', type: 'bash', command: 'x' }] },
  loop: { id: 's', type: 'loop', over: [1, 2], steps: [{ id: 't', type: 'bash', command: 'echo {{ item }}' }] },
  approval: { id: 's', type: 'approval', message: 'OK?' },
  wait: { id: 's', type: 'wait', seconds: 5 },
  tool: { id: 's', type: 'tool', tool: 'github:list_issues', arguments: { state: 'open' } },
} as const;
