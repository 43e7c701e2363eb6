export { draftOffline, OFFLINE_DRAFT_NOTE, type OfflineDraft, type OfflineTrigger } from './offline-drafter';
export { draftOfflineStep, editStepOffline, type OfflineStepDraft, type StepEdit } from './offline-step-edit';
export { offlineAgentAnswer, placeholderForSchema, OFFLINE_PREFIX, type OfflineAgentAnswer } from './offline-agent';
export { buildDraftingSystemPrompt, buildStepRefinePrompt, EXPRESSION_OPERATORS } from './drafting-prompt';
export { DRAFTING_EXAMPLES, type DraftingExample } from './drafting-examples';
export { DraftAnswer, DraftTrigger, DRAFT_ANSWER_JSON_SCHEMA } from './draft-answer';
export { checkStepScopedEdit, type StepScopeResult } from './step-scope';
export { extractJsonObject, MAX_EXTRACT_LENGTH, type JsonExtraction } from './json-extract';
