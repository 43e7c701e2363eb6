import { validateWorkflowDefinition, type Step, type WorkflowDefinition } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { DiagramNode } from './diagram-types';
import { chainOf, conditionalDefinition, linearDefinition, loopDefinition, trailingConditionalDefinition } from './fixtures/definitions';
import { routeCorners } from './edges/route-path';
import { END_NODE_ID, LOOP_HEADER_HEIGHT, NODE_SIZES, layoutWorkflow, loopEndNodeId, refreshNodeData, structureKey } from './layout';

const byId = (nodes: DiagramNode[], id: string): DiagramNode => {
  const node = nodes.find((n) => n.id === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
};

describe('layoutWorkflow', () => {
  it('uses valid fixtures', () => {
    for (const definition of [linearDefinition, conditionalDefinition, trailingConditionalDefinition, loopDefinition, chainOf(5)]) {
      expect(validateWorkflowDefinition(definition)).toMatchObject({ ok: true });
    }
  });

  it('lays a linear chain out top to bottom, one column, in document order', () => {
    const { nodes, edges } = layoutWorkflow(linearDefinition);
    expect(nodes.map((n) => n.id)).toEqual(['fetch', 'summarise', 'announce']);
    const [a, b, c] = nodes as [DiagramNode, DiagramNode, DiagramNode];
    expect(a.position.y + NODE_SIZES.http.height).toBeLessThan(b.position.y);
    expect(b.position.y + NODE_SIZES.agent_prompt.height).toBeLessThan(c.position.y);
    expect(new Set(nodes.map((n) => n.position.x)).size).toBe(1);
    expect(edges.map((e) => [e.source, e.target])).toEqual([
      ['fetch', 'summarise'],
      ['summarise', 'announce'],
    ]);
  });

  it('gives every node its type, fixed size and label data', () => {
    const { nodes } = layoutWorkflow(linearDefinition);
    const summarise = byId(nodes, 'summarise');
    expect(summarise).toMatchObject({ type: 'agent_prompt', width: 260, height: 72 });
    expect(summarise.data).toMatchObject({ title: 'Summarise notes', keyParam: 'Summarise: …', stepId: 'summarise' });
    expect(byId(nodes, 'fetch').data).toMatchObject({ title: 'fetch', keyParam: 'GET https://example.com/notes' });
  });

  it('labels then/else edges of a conditional and rejoins both branches at the next step', () => {
    const { nodes, edges } = layoutWorkflow(conditionalDefinition);
    const branchEdges = edges.filter((e) => e.type === 'branch');
    expect(branchEdges.map((e) => [e.source, e.target, e.label])).toEqual([
      ['check_env', 'ask', 'then'],
      ['check_env', 'tell', 'else'],
    ]);
    const intoDeploy = edges.filter((e) => e.target === 'deploy').map((e) => e.source);
    expect(intoDeploy.sort()).toEqual(['ask', 'tell']);
    // Branches sit side by side between the decision and the join.
    const ask = byId(nodes, 'ask');
    const tell = byId(nodes, 'tell');
    expect(ask.position.x).not.toBe(tell.position.x);
    expect(byId(nodes, 'check_env').position.y).toBeLessThan(Math.min(ask.position.y, tell.position.y));
    expect(byId(nodes, 'deploy').position.y).toBeGreaterThan(Math.max(ask.position.y, tell.position.y));
    expect(nodes.some((n) => n.type === 'end')).toBe(false);
  });

  it('rejoins a trailing conditional at an end node, the missing else going straight there', () => {
    const { nodes, edges } = layoutWorkflow(trailingConditionalDefinition);
    expect(byId(nodes, END_NODE_ID).type).toBe('end');
    expect(edges.filter((e) => e.target === END_NODE_ID).map((e) => [e.source, e.label ?? null])).toEqual([
      ['pause', null],
      ['healthy', 'else'],
    ]);
    expect(edges.find((e) => e.source === 'healthy' && e.target === 'pause')?.label).toBe('then');
  });

  it('routes a branch that skips steps around them, not through them', () => {
    const { nodes, edges } = layoutWorkflow(trailingConditionalDefinition);
    const box = (id: string) => {
      const n = byId(nodes, id);
      return { left: n.position.x, right: n.position.x + (n.width ?? 0), top: n.position.y, bottom: n.position.y + (n.height ?? 0) };
    };
    const decision = box('healthy');
    const end = box(END_NODE_ID);
    const elseEdge = edges.find((e) => e.source === 'healthy' && e.target === END_NODE_ID);
    const source = { x: (decision.left + decision.right) / 2, y: decision.bottom };
    const target = { x: (end.left + end.right) / 2, y: end.top };
    const corners = routeCorners({ source, target, waypoints: (elseEdge?.data?.waypoints ?? []).map((p) => ({ x: source.x + p.x, y: source.y + p.y })) });
    const pause = box('pause');
    for (let i = 1; i < corners.length; i++) {
      const a = corners[i - 1]!;
      const b = corners[i]!;
      const crossesX = Math.max(a.x, b.x) > pause.left && Math.min(a.x, b.x) < pause.right;
      const crossesY = Math.max(a.y, b.y) > pause.top && Math.min(a.y, b.y) < pause.bottom;
      expect(crossesX && crossesY, `segment ${JSON.stringify([a, b])} crosses the then-branch node`).toBe(false);
    }
  });

  it('puts loop bodies inside a group labelled with `over`, children relative to it', () => {
    const { nodes, edges } = layoutWorkflow(loopDefinition);
    const group = byId(nodes, 'each_region');
    expect(group.type).toBe('loop');
    expect(group.data).toMatchObject({ over: 'inputs.regions', itemName: 'region' });
    const children = nodes.filter((n) => n.parentId === 'each_region');
    expect(children.map((n) => n.id)).toEqual(['deploy_region', 'verify_region']);
    for (const child of children) {
      expect(child.extent).toBe('parent');
      expect(child.data).toMatchObject({ loopIds: ['each_region'] });
      expect(child.position.y).toBeGreaterThanOrEqual(LOOP_HEADER_HEIGHT);
      expect(child.position.x + (child.width ?? 0)).toBeLessThanOrEqual(group.width ?? 0);
      expect(child.position.y + (child.height ?? 0)).toBeLessThanOrEqual(group.height ?? 0);
    }
    // The group precedes its children, as React Flow requires.
    expect(nodes.indexOf(group)).toBeLessThan(nodes.findIndex((n) => n.parentId === 'each_region'));
    expect(edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(['deploy_region->verify_region', 'each_region->report']);
  });

  it('nests loops and conditionals inside loops', () => {
    const definition: WorkflowDefinition = {
      name: 'Nested',
      steps: [
        {
          id: 'outer',
          type: 'loop',
          over: [1, 2],
          steps: [
            {
              id: 'inner',
              type: 'loop',
              over: [1, 2, 3],
              steps: [{ id: 'gate', type: 'conditional', condition: 'item > 1', then: [{ id: 'work', type: 'bash', command: 'true' }] }],
            },
          ],
        },
      ],
    };
    const { nodes } = layoutWorkflow(definition);
    expect(byId(nodes, 'inner').parentId).toBe('outer');
    expect(byId(nodes, 'gate').parentId).toBe('inner');
    expect(byId(nodes, 'work').data).toMatchObject({ loopIds: ['outer', 'inner'] });
    expect(byId(nodes, loopEndNodeId('inner')).parentId).toBe('inner');
    expect(byId(nodes, 'outer').data).toMatchObject({ over: '[2 items]' });
    const outer = byId(nodes, 'outer');
    const inner = byId(nodes, 'inner');
    expect((outer.width ?? 0) > (inner.width ?? 0) && (outer.height ?? 0) > (inner.height ?? 0)).toBe(true);
  });

  it('renders approval steps as the gate node type', () => {
    const { nodes } = layoutWorkflow(conditionalDefinition);
    expect(byId(nodes, 'ask').type).toBe('approval');
    expect(byId(nodes, 'ask').data).toMatchObject({ keyParam: 'Deploy to production?' });
  });

  it('gives nodes and edges their final React Flow props, so the first render is the last', () => {
    const { nodes, edges } = layoutWorkflow(loopDefinition);
    for (const node of nodes) {
      expect(node).toMatchObject({ draggable: false, connectable: false, selectable: false, measured: { width: node.width, height: node.height } });
      expect(node.handles?.map((h) => h.type)).toEqual(node.type === 'end' ? ['target'] : ['target', 'source']);
    }
    for (const edge of edges) expect(edge).toMatchObject({ focusable: false, selectable: false, markerEnd: { type: 'arrowclosed' } });
  });

  it('keeps nested and empty branches apart, inside their loop group', () => {
    const bash = (id: string): Step => ({ id, type: 'bash', command: 'true' });
    const definition: WorkflowDefinition = {
      name: 'Nested branches',
      steps: [
        bash('a'),
        {
          id: 'c1',
          type: 'conditional',
          condition: 'steps.a.output.exitCode == 0',
          then: [{ id: 'c2', type: 'conditional', condition: 'steps.a.output.exitCode == 1', then: [bash('x')] }, bash('y')],
        },
        {
          id: 'l',
          type: 'loop',
          over: [1, 2],
          steps: [
            { id: 'c3', type: 'conditional', condition: 'item > 1', then: [bash('t')], else: [] },
            { id: 'c4', type: 'conditional', condition: 'item > 2', then: [bash('v')], else: [bash('w')] },
          ],
        },
        bash('z'),
      ],
    };
    expect(validateWorkflowDefinition(definition)).toMatchObject({ ok: true });
    const { nodes, edges } = layoutWorkflow(definition);
    const overlap = (a: DiagramNode, b: DiagramNode) =>
      a.position.x < b.position.x + (b.width ?? 0) &&
      b.position.x < a.position.x + (a.width ?? 0) &&
      a.position.y < b.position.y + (b.height ?? 0) &&
      b.position.y < a.position.y + (a.height ?? 0);
    for (const a of nodes) {
      for (const b of nodes) if (a !== b && a.parentId === b.parentId) expect(overlap(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
      const group = a.parentId === undefined ? undefined : byId(nodes, a.parentId);
      if (group)
        expect(a.position.x >= 0 && a.position.x + (a.width ?? 0) <= (group.width ?? 0) && a.position.y + (a.height ?? 0) <= (group.height ?? 0)).toBe(true);
    }
    // x and the skipping else rejoin at y; y and the skipping else of c1 at the loop.
    expect(edges.filter((e) => e.target === 'y').map((e) => e.id)).toEqual(['x->y', 'c2->y:else']);
    expect(edges.filter((e) => e.target === 'l').map((e) => e.id)).toEqual(['y->l', 'c1->l:else']);
    expect(byId(nodes, 'x').position.y).toBeGreaterThan(byId(nodes, 'c2').position.y);
    expect(byId(nodes, 'y').position.y).toBeGreaterThan(byId(nodes, 'x').position.y);
    expect(byId(nodes, loopEndNodeId('l')).parentId).toBe('l');
  });

  // How long it takes is measured by `pnpm bench diagram`, not asserted here.
  it('lays out a 300-step workflow', () => {
    const { nodes, edges } = layoutWorkflow(chainOf(300));
    expect(nodes).toHaveLength(300);
    expect(edges).toHaveLength(299);
    for (let i = 1; i < nodes.length; i++) expect(nodes[i]!.position.y).toBeGreaterThan(nodes[i - 1]!.position.y);
  });

  it('is pure: the same definition lays out identically', () => {
    expect(layoutWorkflow(loopDefinition)).toEqual(layoutWorkflow(loopDefinition));
  });
});

describe('structureKey', () => {
  it('ignores names and parameters but not ids, types or nesting', () => {
    const renamed: WorkflowDefinition = {
      ...conditionalDefinition,
      steps: conditionalDefinition.steps.map((s) => (s.id === 'build' ? ({ ...s, name: 'Build it', command: 'make all' } as Step) : s)),
    };
    expect(structureKey(renamed.steps)).toBe(structureKey(conditionalDefinition.steps));
    const withoutElse = conditionalDefinition.steps.map((s) => (s.type === 'conditional' ? ({ ...s, else: undefined } as Step) : s));
    expect(structureKey(withoutElse)).not.toBe(structureKey(conditionalDefinition.steps));
  });
});

describe('refreshNodeData', () => {
  it('updates labels in place, keeping unchanged nodes identical', () => {
    const { nodes } = layoutWorkflow(linearDefinition);
    expect(refreshNodeData(nodes, linearDefinition)).toBe(nodes);
    const renamed: WorkflowDefinition = {
      ...linearDefinition,
      steps: linearDefinition.steps.map((s) => (s.id === 'fetch' ? { ...s, name: 'Fetch notes' } : s)),
    };
    const next = refreshNodeData(nodes, renamed);
    expect(byId(next, 'fetch').data).toMatchObject({ title: 'Fetch notes' });
    expect(byId(next, 'fetch').position).toEqual(byId(nodes, 'fetch').position);
    expect(byId(next, 'summarise')).toBe(byId(nodes, 'summarise'));
  });
});
