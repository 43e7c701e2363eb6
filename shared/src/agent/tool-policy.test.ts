import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ToolPolicy, defaultToolPolicy, resolveToolPolicy } from './tool-policy';

describe('resolveToolPolicy', () => {
  it('uses the built-in defaults without any policy', () => {
    expect(resolveToolPolicy({ name: 'workspace:read_file', destructive: false }).decision).toBe('allow');
    expect(resolveToolPolicy({ name: 'workspace:edit_file', destructive: false }).decision).toBe('allow');
    expect(resolveToolPolicy({ name: 'workspace:bash', destructive: false }).decision).toBe('ask');
    expect(resolveToolPolicy({ name: 'github:delete_repo', destructive: true }).decision).toBe('ask');
    expect(resolveToolPolicy({ name: 'github:list_issues', destructive: false })).toEqual({ decision: 'allow', source: 'default' });
  });

  it('puts the step over the defaults and the operator over the defaults; the operator is a ceiling the step cannot loosen', () => {
    const operator = { 'workspace:bash': 'deny' as const, 'github:*': 'ask' as const, 'slack:*': 'allow' as const };
    expect(resolveToolPolicy({ name: 'workspace:bash', destructive: false, operator })).toEqual({
      decision: 'deny',
      source: 'operator',
      pattern: 'workspace:bash',
    });
    expect(resolveToolPolicy({ name: 'github:list_issues', destructive: false, operator }).decision).toBe('ask');
    // The operator may loosen a default; a step may tighten it again.
    expect(resolveToolPolicy({ name: 'slack:delete', destructive: true, operator }).decision).toBe('allow');
    expect(resolveToolPolicy({ name: 'slack:delete', destructive: true, operator, step: { 'slack:delete': 'ask' } })).toEqual({
      decision: 'ask',
      source: 'step',
      pattern: 'slack:delete',
    });
    // A step loosening what the operator set gets the operator's decision.
    expect(resolveToolPolicy({ name: 'workspace:bash', destructive: false, operator, step: { 'workspace:*': 'allow' } })).toEqual({
      decision: 'deny',
      source: 'operator',
      pattern: 'workspace:bash',
    });
    expect(resolveToolPolicy({ name: 'github:merge', destructive: true, operator, step: { '*': 'allow' } }).decision).toBe('ask');
    // Without an operator entry the step changes the default either way.
    expect(resolveToolPolicy({ name: 'workspace:bash', destructive: false, step: { 'workspace:*': 'allow' } })).toEqual({
      decision: 'allow',
      source: 'step',
      pattern: 'workspace:*',
    });
  });

  it('never decides looser than a matching operator entry, whatever the step says', () => {
    const decision = fc.constantFrom('allow' as const, 'ask' as const, 'deny' as const);
    const rank = { allow: 0, ask: 1, deny: 2 };
    fc.assert(
      fc.property(decision, decision, fc.boolean(), (op, own, destructive) => {
        const r = resolveToolPolicy({ name: 'github:merge', destructive, operator: { 'github:*': op }, step: { 'github:merge': own } });
        expect(rank[r.decision]).toBe(Math.max(rank[op], rank[own]));
      }),
    );
  });

  it('lets the most specific entry win whatever the order', () => {
    const step = { '*': 'deny' as const, 'workspace:*': 'ask' as const, 'workspace:read_file': 'allow' as const };
    expect(resolveToolPolicy({ name: 'workspace:read_file', destructive: false, step }).decision).toBe('allow');
    expect(resolveToolPolicy({ name: 'workspace:write_file', destructive: false, step }).decision).toBe('ask');
    expect(resolveToolPolicy({ name: 'slack:post', destructive: false, step }).decision).toBe('deny');
    const reversed = Object.fromEntries(Object.entries(step).reverse());
    expect(resolveToolPolicy({ name: 'workspace:read_file', destructive: false, step: reversed }).decision).toBe('allow');
  });

  it('never allows a destructive call by default, whatever its name', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}:[a-z_]{1,12}$/), (name) => {
        expect(defaultToolPolicy(name, true)).not.toBe('allow');
      }),
    );
  });

  it('refuses policies that are not maps of patterns to decisions', () => {
    expect(ToolPolicy.safeParse({ 'workspace:*': 'maybe' }).success).toBe(false);
    expect(ToolPolicy.safeParse({ 'not a pattern': 'allow' }).success).toBe(false);
    expect(ToolPolicy.safeParse({ 'workspace:bash': 'ask' }).success).toBe(true);
  });
});
