import { expressionReferences, type ExpressionReference } from '../expressions/references';
import { tryParseExpression } from '../expressions/parse';
import { parseTemplate } from '../expressions/templates';
import { DEFAULT_LOOP_ITEM_NAME } from '../expressions/scope';
import { stepExpressionSites } from '../steps/helpers';
import { effectiveLoopItemName } from '../steps/loop';
import type { ExpressionSite, Step, StepBranch } from '../steps/types';
import { joinPath } from './path';
import type { WorkflowDefinition } from './schema';
import { hasIterationScope, walkSteps, type StepVisit } from './walk';

export interface DefinitionIssue {
  path: string;
  message: string;
  /** Set on issues a program may act on: `unsupported_pattern` (a JSON Schema pattern RE2 cannot run). */
  code?: string;
}

/** One step of the chain from the top-level list down to a step. */
interface Level {
  readonly step: Step;
  /** The list holding `step`: null at the top level. */
  readonly branch: StepBranch | null;
  readonly index: number;
}

type Relation =
  | { kind: 'ok' }
  | { kind: 'self' }
  | { kind: 'ancestor' }
  | { kind: 'descendant' }
  | { kind: 'later' }
  | { kind: 'other_branch'; conditional: Step; targetBranch: StepBranch | null; sourceBranch: StepBranch | null }
  | { kind: 'inside_loop'; loop: Step };

const ALWAYS_AVAILABLE = ['inputs', 'steps', 'trigger'] as const;

function chainOf(visit: StepVisit): Level[] {
  const levels: Level[] = visit.ancestors.map((ancestor, i) => ({
    step: ancestor.step,
    branch: i === 0 ? null : (visit.ancestors[i - 1]?.branch ?? null),
    index: ancestor.index,
  }));
  levels.push({ step: visit.step, branch: visit.ancestors.at(-1)?.branch ?? null, index: visit.index });
  return levels;
}

/**
 * Whether the step at `source` may read the output of the step at `target`:
 * only if `target` has certainly finished (or been skipped) by then. That is an
 * earlier sibling of `source` or of one of its ancestors, or a step nested in
 * such a sibling, unless a loop in between would make "which iteration"
 * ambiguous.
 */
function relate(source: readonly Level[], target: readonly Level[]): Relation {
  for (let i = 0; ; i++) {
    const s = source[i];
    const t = target[i];
    if (t === undefined) return s === undefined ? { kind: 'self' } : { kind: 'ancestor' };
    if (s === undefined) return { kind: 'descendant' };
    if (s.branch !== t.branch) {
      const conditional = source[i - 1]?.step ?? s.step;
      return { kind: 'other_branch', conditional, targetBranch: t.branch, sourceBranch: s.branch };
    }
    if (s.index === t.index) continue;
    if (t.index > s.index) return { kind: 'later' };
    const loop = target.slice(i, -1).find((level) => hasIterationScope(level.step));
    return loop === undefined ? { kind: 'ok' } : { kind: 'inside_loop', loop: loop.step };
  }
}

function relationProblem(relation: Relation, targetId: string): string | null {
  const target = JSON.stringify(targetId);
  switch (relation.kind) {
    case 'ok':
      return null;
    case 'self':
      return `step ${target} cannot reference its own output`;
    case 'ancestor':
      return `step ${target} contains this step; its output exists only after it finishes`;
    case 'descendant':
      return `step ${target} is nested inside this step and has not run yet`;
    case 'later':
      return `step ${target} runs after this step`;
    case 'other_branch':
      return `step ${target} is in the "${relation.targetBranch}" branch of conditional "${relation.conditional.id}" and never runs together with this step's "${relation.sourceBranch}" branch`;
    case 'inside_loop':
      return `step ${target} is inside loop "${relation.loop.id}"; use steps.${relation.loop.id}.output.results`;
    default: {
      const unexpected: never = relation;
      return `invalid reference (${JSON.stringify(unexpected)})`;
    }
  }
}

interface Analysis {
  readonly definition: WorkflowDefinition;
  /** First occurrence of each id; duplicates are reported by the validator. */
  readonly positions: ReadonlyMap<string, Level[]>;
  /** Loop `as` names anywhere in the definition, to explain a name used outside its loop. */
  readonly loopNames: ReadonlyMap<string, string>;
}

function analyse(definition: WorkflowDefinition): Analysis {
  const positions = new Map<string, Level[]>();
  const loopNames = new Map<string, string>();
  walkSteps(definition.steps, (visit) => {
    if (!positions.has(visit.step.id)) positions.set(visit.step.id, chainOf(visit));
    if (visit.step.type === 'loop') {
      const name = effectiveLoopItemName(visit.step);
      if (!loopNames.has(name)) loopNames.set(name, visit.step.id);
    }
  });
  return { definition, positions, loopNames };
}

/** Ids of the steps whose output `stepId` may read (for editors and the drafting prompt). */
export function referenceableStepIds(definition: WorkflowDefinition, stepId: string): string[] {
  const { positions } = analyse(definition);
  const source = positions.get(stepId);
  if (source === undefined) return [];
  return [...positions].filter(([, target]) => relate(source, target).kind === 'ok').map(([id]) => id);
}

/**
 * Checks every name each expression and template reads: step references
 * (must have finished before), loop-only names, unknown roots and undeclared
 * inputs. Assumes the definition passed the structural schema.
 */
export function checkReferences(definition: WorkflowDefinition): DefinitionIssue[] {
  const analysis = analyse(definition);
  const issues: DefinitionIssue[] = [];
  const seen = new Set<string>();
  walkSteps(definition.steps, (visit) => {
    const source = chainOf(visit);
    const loopNames = visit.ancestors.flatMap((ancestor) => (ancestor.step.type === 'loop' ? [effectiveLoopItemName(ancestor.step)] : []));
    for (const site of stepExpressionSites(visit.step)) {
      for (const reference of siteReferences(site)) {
        const message = referenceProblem({ analysis, source, loopNames, reference });
        const path = joinPath(visit.path, site.path);
        const key = `${path}\u0000${message}`;
        if (message !== null && !seen.has(key)) {
          seen.add(key);
          issues.push({ path, message });
        }
      }
    }
  });
  return issues;
}

/** The names one expression site reads; none when it does not parse (the structural pass reports that). */
export function siteReferences(site: ExpressionSite): ExpressionReference[] {
  try {
    if (site.kind === 'template') {
      return parseTemplate(site.source).parts.flatMap((part) => (part.kind === 'expression' ? expressionReferences(part.expression) : []));
    }
    const parsed = tryParseExpression(site.source);
    return parsed.ok ? expressionReferences(parsed.expression) : [];
  } catch {
    return []; // syntax errors are reported by the structural pass
  }
}

function referenceProblem({
  analysis,
  source,
  loopNames,
  reference,
}: {
  analysis: Analysis;
  source: readonly Level[];
  loopNames: readonly string[];
  reference: ExpressionReference;
}): string | null {
  const inLoop = loopNames.length > 0;
  const [first] = reference.path;
  switch (reference.root) {
    case 'steps': {
      if (reference.stepId === undefined) return null;
      const target = analysis.positions.get(reference.stepId);
      if (target === undefined) return `unknown step ${JSON.stringify(reference.stepId)}`;
      return relationProblem(relate(source, target), reference.stepId);
    }
    case 'inputs': {
      const declared = analysis.definition.inputs;
      if (declared === undefined || first === undefined) return null;
      if (typeof first === 'string' && Object.hasOwn(declared, first)) return null;
      const names = Object.keys(declared);
      return `unknown input ${JSON.stringify(String(first))}; ${names.length === 0 ? 'no inputs are declared' : `declared inputs: ${names.join(', ')}`}`;
    }
    case 'trigger':
      return null;
    case 'loop':
      if (!inLoop) return '"loop" is only available inside a loop body';
      return first === undefined || first === 'index' ? null : `"loop" only has "index", not ${JSON.stringify(String(first))}`;
    default:
      return nameProblem({ analysis, name: reference.root, inLoop, loopNames });
  }
}

function nameProblem({
  analysis,
  name,
  inLoop,
  loopNames,
}: {
  analysis: Analysis;
  name: string;
  inLoop: boolean;
  loopNames: readonly string[];
}): string | null {
  if (loopNames.includes(name) || (inLoop && name === DEFAULT_LOOP_ITEM_NAME)) return null;
  if (name === DEFAULT_LOOP_ITEM_NAME) return `"${name}" is only available inside a loop body`;
  const owner = analysis.loopNames.get(name);
  if (owner !== undefined) return `"${name}" is only available inside loop "${owner}"`;
  const available = [...ALWAYS_AVAILABLE, ...(inLoop ? ['loop', DEFAULT_LOOP_ITEM_NAME, ...loopNames] : [])];
  const hint = name === 'undefined' ? '; use null' : '';
  return `unknown name ${JSON.stringify(name)}${hint}; expressions can use ${[...new Set(available)].join(', ')}`;
}
