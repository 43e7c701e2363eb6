import type { WorkflowDefinition } from '../workflow/schema';
import type { ContentBlock, TurnEvent, Usage } from './stream-events';

/** Structural AbortSignal: `shared` has no DOM or Node types. */
export type AbortSignalLike = { readonly aborted: boolean };

export type ToolSpec = { name: string; description: string; input_schema: Record<string, unknown> };
export type ChatMessage = { role: 'user' | 'assistant'; content: string | unknown[] };

/** Who answers: the Messages API, or the rule-based stand-in used when no model is configured. */
export type ProviderKind = 'anthropic' | 'offline';

/**
 * What a turn is for, as data, when the caller has it. A model reads the prose in `messages`; the
 * offline drafting provider reads this instead of parsing the prompt it was given back apart.
 */
export type ModelTask =
  | { kind: 'draft'; prompt: string; baseDraft?: WorkflowDefinition; timezone: string }
  | { kind: 'draft_step'; definition: WorkflowDefinition; stepId: string; prompt: string };

export type TurnRequest = {
  system?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  model?: string;
  maxTokens?: number;
  /** JSON Schema of the answer: native structured outputs when the server has them. */
  outputSchema?: Record<string, unknown>;
  task?: ModelTask;
  signal?: AbortSignalLike;
  timeoutMs?: number;
  onEvent?: (e: TurnEvent) => void;
  /** Called when a model attempt fails and the next model takes over (the caller closes what it streamed). */
  onFailover?: (info: { failedModel: string; nextModel: string; error: unknown }) => void;
};

export type TurnResult = {
  provider: ProviderKind;
  model: string;
  content: ContentBlock[];
  text: string;
  usage: Usage;
  stopReason: string | null;
  /** How many model attempts this turn took (failover). */
  attempts: number;
  structuredNative: boolean;
};

/**
 * One assistant turn, streamed through `onEvent`. Drafting, the chat assistant and agent steps see
 * only this, so "no model configured" is a provider (offline) and never a branch in their code.
 */
export type ModelProvider = {
  readonly kind: ProviderKind;
  /** The model a turn uses unless the request names one. */
  readonly model: string;
  turn(req: TurnRequest): Promise<TurnResult>;
};
