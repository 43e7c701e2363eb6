// Turns intents into steps: ids, names, and the templates that pass each
// step's output on to the next one.

import type { Step, WorkflowInput } from '@weft/shared';
import type { GuardFamily, Intent } from './offline-intents';
import { literalTemplate, shortTitle, type StepIdAllocator, templateOrLiteral } from './naming';
import { durationLabel, plural, singular } from './phrase-text';
import type { OfflineTrigger } from './trigger-phrases';

export interface BuildOptions {
  readonly ids: StepIdAllocator;
  readonly trigger: OfflineTrigger | null;
  readonly workflowName: string;
  /** Take user-written commands and messages literally even when they contain `{{ }}`. */
  readonly escapeUserTemplates: boolean;
  /** Input names already declared (refining): new inputs must not clash. */
  readonly inputNames?: readonly string[];
}

export interface BuildResult {
  readonly steps: Step[];
  readonly inputs: Record<string, WorkflowInput>;
  readonly notes: string[];
}

/** A step whose output later steps can read, and how to read it. */
interface DataRef {
  readonly id: string;
  readonly type: 'bash' | 'http' | 'agent_prompt' | 'loop';
  readonly name: string;
  readonly template: string;
  readonly summary: boolean;
}

interface Scope {
  lastData: DataRef | null;
  /** Every output readable here, oldest first. */
  readonly history: DataRef[];
  /** Data produced inside the current loop body. */
  localData: DataRef | null;
  lastStep: Step | null;
  readonly inLoop: boolean;
}

const ITEMS_SCHEMA = {
  type: 'object',
  properties: { items: { type: 'array', items: { type: 'string' } } },
  required: ['items'],
  additionalProperties: false,
};

function dataRefOf(step: Step, summary = false): DataRef | null {
  const name = step.name ?? step.id;
  const read = (field: string) => `{{ steps.${step.id}.output.${field} }}`;
  switch (step.type) {
    case 'bash':
      return { id: step.id, type: 'bash', name, template: read('stdout'), summary };
    case 'http':
      return { id: step.id, type: 'http', name, template: read('body'), summary };
    case 'agent_prompt':
      return { id: step.id, type: 'agent_prompt', name, template: read('text'), summary };
    case 'loop':
      return { id: step.id, type: 'loop', name, template: read('results'), summary };
    case 'notify':
    case 'approval':
    case 'wait':
    case 'conditional':
    case 'tool':
      return null;
    default: {
      const unexpected: never = step;
      return unexpected;
    }
  }
}

// ---- approvals go before what they guard ------------------------------------

function familyOf(intent: Intent): GuardFamily | null {
  switch (intent.kind) {
    case 'bash':
    case 'http':
    case 'notify':
      return intent.kind;
    case 'existing':
      return intent.step.type === 'bash' || intent.step.type === 'http' || intent.step.type === 'notify' ? intent.step.type : null;
    case 'loop':
      return intent.body.map(familyOf).find((family) => family !== null) ?? null;
    case 'agent':
    case 'approval':
    case 'wait':
    case 'wait_until':
      return null;
    default: {
      const unexpected: never = intent;
      return unexpected;
    }
  }
}

function isSideEffect(intent: Intent): boolean {
  switch (intent.kind) {
    case 'bash':
      return intent.known === undefined;
    case 'http':
      return intent.method !== 'GET' && intent.method !== 'HEAD';
    case 'notify':
      return true;
    case 'existing':
      return intent.step.type === 'bash' || intent.step.type === 'notify' || (intent.step.type === 'http' && intent.step.method !== 'GET');
    case 'loop':
      return intent.body.some(isSideEffect);
    case 'agent':
    case 'approval':
    case 'wait':
    case 'wait_until':
      return false;
    default: {
      const unexpected: never = intent;
      return unexpected;
    }
  }
}

/**
 * Moves each new approval right before the action it guards: the one named
 * ("before posting"), or, for an approval said last without naming one, the
 * last action with an effect. "Before posting" with nothing to post adds the post.
 */
export function placeApprovals(intents: readonly Intent[]): Intent[] {
  const list = [...intents];
  const placed = new Set<Intent>();
  for (let i = 0; i < list.length; i++) {
    const approval = list[i]!;
    if (approval.kind !== 'approval' || placed.has(approval)) continue;
    placed.add(approval);
    const others = list.map((intent, index) => ({ intent, index })).filter(({ index }) => index !== i);
    let target: number | undefined;
    if (approval.guard === 'last' || (approval.guard === null && i === list.length - 1)) {
      target = others.filter(({ intent }) => isSideEffect(intent)).at(-1)?.index;
      if (target === undefined && approval.guard === 'last') target = others.at(-1)?.index;
    } else if (approval.guard !== null) {
      const family = approval.guard;
      target =
        others.find(({ intent, index }) => index > i && familyOf(intent) === family)?.index ??
        others.filter(({ intent, index }) => index < i && familyOf(intent) === family).at(-1)?.index;
      if (target === undefined && family === 'notify') {
        const summary: Intent[] =
          approval.summary === true
            ? [{ kind: 'agent', id: 'summarize', name: 'Write a summary', sentence: 'Write a summary.', summary: true, fromNotify: true }]
            : [];
        // The summary is written before asking, so the approver sees what will be posted.
        list.splice(i, 0, ...summary);
        list.splice(i + 1 + summary.length, 0, { kind: 'notify', message: { kind: 'auto' } });
        if (summary.length > 0) i = -1;
      }
    }
    if (target === undefined || target === i + 1) continue;
    list.splice(i, 1);
    list.splice(target > i ? target - 1 : target, 0, approval);
    i = -1; // positions changed: look again from the start
  }
  return list;
}

// ---- building ---------------------------------------------------------------

export function buildSteps(intents: readonly Intent[], options: BuildOptions): BuildResult {
  const inputs: Record<string, WorkflowInput> = {};
  const notes: string[] = [];
  const takenInputs = new Set(options.inputNames ?? []);
  const created = new Set<Step>();

  const userText = (text: string, userTemplate: boolean): string =>
    userTemplate && !options.escapeUserTemplates ? templateOrLiteral(text) : userTemplate ? literalTemplate(text) : text;

  const autoMessage = (scope: Scope): string => {
    if (scope.inLoop && scope.localData === null) return '{{ item }}: done';
    const data = scope.inLoop ? scope.localData : scope.lastData;
    if (data !== null) {
      switch (data.type) {
        case 'agent_prompt':
          return data.template;
        case 'bash':
          return `${literalTemplate(data.name)}:\n${data.template}`;
        case 'http':
          return `${literalTemplate(data.name)} returned {{ steps.${data.id}.output.status }}:\n${data.template}`;
        case 'loop':
          return `${literalTemplate(data.name)} finished:\n${data.template}`;
        default: {
          const unexpected: never = data.type;
          return unexpected;
        }
      }
    }
    if (scope.lastStep?.type === 'wait') {
      const { seconds, until } = scope.lastStep;
      return seconds !== undefined ? `The wait of ${durationLabel(seconds)} is over.` : `It is now ${until ?? 'time'}.`;
    }
    if (options.trigger?.type === 'webhook') return 'Webhook received:\n{{ trigger }}';
    return `${literalTemplate(options.workflowName)}: done.`;
  };

  const build = (list: readonly Intent[], scope: Scope): Step[] => {
    const steps: Step[] = [];
    const emit = (step: Step, { ours = true, summary = false } = {}) => {
      steps.push(step);
      if (ours) created.add(step);
      const data = dataRefOf(step, summary);
      if (data !== null) {
        scope.lastData = data;
        scope.history.push(data);
        if (scope.inLoop) scope.localData = data;
      }
      scope.lastStep = step;
    };
    for (const intent of list) {
      switch (intent.kind) {
        case 'existing':
          emit(intent.step, { ours: false });
          break;
        case 'bash':
          if (intent.known !== undefined && steps.some((step) => step.type === 'bash' && step.command === intent.command)) break;
          emit({ id: options.ids.take(intent.id), name: intent.name, type: 'bash', command: userText(intent.command, intent.userTemplate) });
          break;
        case 'agent': {
          if (intent.fromNotify === true && scope.lastStep?.type === 'agent_prompt') break;
          // In a loop the item is the input; an earlier step's output would repeat in every iteration.
          const data = scope.inLoop ? scope.localData : scope.lastData;
          const parts = [literalTemplate(intent.sentence)];
          if (data !== null) parts.push(`${literalTemplate(data.name)}:\n${data.template}`);
          else if (options.trigger?.type === 'webhook' && !scope.inLoop) parts.push('Webhook payload:\n{{ trigger }}');
          if (scope.inLoop) parts.push('Item: {{ item }}');
          emit({ id: options.ids.take(intent.id), name: intent.name, type: 'agent_prompt', prompt: parts.join('\n\n') }, { summary: intent.summary });
          break;
        }
        case 'notify': {
          const data = scope.inLoop ? scope.localData : scope.lastData;
          const named = intent.id !== undefined && intent.name !== undefined ? { id: intent.id, name: intent.name } : notifyNaming(data);
          const message = intent.message.kind === 'text' ? userText(intent.message.text, intent.message.userTemplate) : autoMessage(scope);
          emit({
            id: options.ids.take(named.id),
            name: named.name,
            type: 'notify',
            message,
            ...(intent.channel === undefined ? {} : { channel: intent.channel }),
          });
          break;
        }
        case 'approval':
          emit({
            id: options.ids.take('ask_approval'),
            name: 'Ask for approval',
            type: 'approval',
            message: 'Continue?',
            ...(intent.self ? { allowSelfApproval: true } : {}),
          });
          break;
        case 'wait':
          emit({ id: options.ids.take(`wait_${intent.label}`), name: `Wait ${intent.label}`, type: 'wait', seconds: intent.seconds });
          break;
        case 'wait_until':
          emit({ id: options.ids.take('wait_until'), name: shortTitle(`Wait ${intent.label}`), type: 'wait', until: intent.until });
          break;
        case 'http': {
          const body = intent.sendPrevious && scope.lastData !== null ? { body: { text: scope.lastData.template } } : {};
          emit({ id: options.ids.take(intent.id), name: intent.name, type: 'http', method: intent.method, url: intent.url, ...body });
          break;
        }
        case 'loop': {
          const noun = intent.noun === null ? 'item' : singular(intent.noun);
          let over: string | unknown[];
          if (intent.source.kind === 'items') {
            over = intent.source.items;
          } else if (scope.lastData !== null && (intent.source.previous || !scope.inLoop)) {
            // "For each issue" after listing issues: the output that names the noun, else the latest.
            const named = scope.history.filter((data) => data.id.includes(noun.toLowerCase())).at(-1);
            over = loopOverPrevious(named ?? scope.lastData, emit, options.ids);
          } else {
            const name = inputName(intent.source.noun, takenInputs);
            inputs[name] = { type: 'array', description: `The ${plural(noun)} to loop over`, required: true };
            notes.push(`the loop reads the "${name}" input (a list): give it when starting a run`);
            over = `inputs.${name}`;
          }
          const id = options.ids.take(`each_${noun}`);
          const bodyScope: Scope = { lastData: scope.lastData, history: [...scope.history], localData: null, lastStep: null, inLoop: true };
          let body = build(placeApprovals(intent.body), bodyScope);
          if (body.length === 0) {
            body = [
              {
                id: options.ids.take(`handle_${noun}`),
                name: `Handle each ${noun}`,
                type: 'agent_prompt',
                prompt: `${literalTemplate(options.workflowName)}.\n\nItem: {{ item }}`,
              },
            ];
            for (const step of body) created.add(step);
          }
          emit({ id, name: shortTitle(`For each ${noun}`), type: 'loop', over, steps: body });
          break;
        }
        default: {
          const unexpected: never = intent;
          throw new Error(`unknown intent ${JSON.stringify(unexpected)}`);
        }
      }
    }
    describeApprovals(steps, created, options.workflowName);
    return steps;
  };

  const steps = build(placeApprovals(intents), { lastData: null, history: [], localData: null, lastStep: null, inLoop: false });
  return { steps, inputs, notes };
}

function notifyNaming(data: DataRef | null): { id: string; name: string } {
  if (data?.type === 'agent_prompt' && data.summary) return { id: 'post_summary', name: 'Post summary' };
  if (data?.type === 'agent_prompt' && /report/i.test(data.id)) return { id: 'post_report', name: 'Post report' };
  return { id: 'notify', name: 'Notify me' };
}

/** A loop over an earlier step's output: an http body as is, anything else split into items by the agent first. */
function loopOverPrevious(data: DataRef, emit: (step: Step) => void, ids: StepIdAllocator): string {
  if (data.type === 'http') return `steps.${data.id}.output.body`;
  if (data.type === 'loop') return `steps.${data.id}.output.results`;
  const id = ids.take('list_items');
  emit({
    id,
    name: 'List the items',
    type: 'agent_prompt',
    prompt: `List the separate items in the text below, one string per item, as JSON: {"items": ["..."]}\n\n${literalTemplate(data.name)}:\n${data.template}`,
    output: { schema: ITEMS_SCHEMA },
  });
  return `steps.${id}.output.structured.items`;
}

function inputName(noun: string | null, taken: Set<string>): string {
  const base = (
    plural(noun ?? 'items')
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^[^a-z_]+/, '') || 'items'
  ).slice(0, 60);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** Fills in each new approval's message from the step right after it. */
function describeApprovals(steps: Step[], created: ReadonlySet<Step>, workflowName: string): void {
  steps.forEach((step, index) => {
    if (step.type !== 'approval' || !created.has(step)) return;
    const next = steps[index + 1];
    step.message = approvalMessage(next, workflowName);
    if (next !== undefined) step.name = shortTitle(`Approve: ${next.name ?? next.id}`);
  });
}

function approvalMessage(next: Step | undefined, workflowName: string): string {
  if (next === undefined) return `Continue "${literalTemplate(workflowName)}"?`;
  switch (next.type) {
    case 'notify':
      return `${literalTemplate(next.name ?? 'Post this message')}?\n\n${next.message}`;
    case 'bash':
      return `Run this command?\n\n${next.command}`;
    case 'http':
      return `Send ${next.method} ${next.url}?`;
    case 'agent_prompt':
    case 'loop':
    case 'conditional':
    case 'approval':
    case 'wait':
    case 'tool':
      return `Go ahead with "${literalTemplate(next.name ?? next.id)}"?`;
    default: {
      const unexpected: never = next;
      return unexpected;
    }
  }
}
