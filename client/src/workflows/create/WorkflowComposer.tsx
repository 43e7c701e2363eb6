import './composer.css';
import './draft-chat.css';
import '../detail/definition-editor.css';
import { useMutation } from '@tanstack/react-query';
import { deepEqual, EMPTY_WORKFLOW, findStep, type DraftTrigger, type WorkflowDefinition } from '@weft/shared';
import { useCallback, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { draftInvalidDetails, draftsApi, type DraftResponse } from '../../api/drafts';
import { issuesOf } from '../../api/http';
import { describeError } from '../../components/Panels';
import { stepTitle } from '../../diagram/node-data';
import { WorkflowDiagram } from '../../diagram/WorkflowDiagram';
import { VersionCompareView } from '../compare/VersionCompareView';
import { initialInputDraft, inputErrorsFrom, readInputDraft, type InputDraft } from '../../inputs/inputs-form';
import { definitionName, parseDefinition } from '../../lib/definition';
import { TriggerForm } from '../../triggers/TriggerForm';
import {
  browserTimezone,
  emptyTriggerForm,
  triggerErrors,
  triggerErrorsFrom,
  withSuggestion,
  type TriggerForm as TriggerFormValue,
} from '../../triggers/trigger-form';
import { checkSummary, DefinitionEditor, type DefinitionCheck } from '../detail/DefinitionEditor';
import { attemptsLabel, changeReply, draftReply, type ChatEntry, type DraftedBy, type NewChatEntry } from './conversation';
import { canUndo, currentDraft, editFromJson, emptyHistory, pushDraft, undoDraft, type DraftHistory } from './draft-history';
import { DraftChat, ProviderChip } from './DraftChat';
import { UndoIcon } from './UndoIcon';
import { WorkflowNameField } from './WorkflowNameField';

export type ComposerSave = {
  definition: WorkflowDefinition;
  trigger: TriggerFormValue;
  /** Inputs every triggered run gets (declared inputs only). */
  triggerInputs: Record<string, unknown>;
  /** Whether the trigger differs from the one the composer opened with. */
  triggerChanged: boolean;
};

type DraftRequest = { prompt: string; stepId: string | null; base: WorkflowDefinition | null };

const pretty = (definition: unknown) => JSON.stringify(definition, null, 2);

/** One empty object, so a memo keyed on the default does not recompute every render. */
const NO_INPUTS: Record<string, unknown> = {};

/**
 * (Over 400 lines because it owns the state the chat, diagram, name, JSON panel, trigger and save
 * bar share; the pieces that hold no shared state live in their own files.)
 *
 * Create or change a workflow by describing it: each answer is a new draft in a history (Undo
 * pops it), the steps a change touched are highlighted in the diagram, a selected step is refined
 * on its own, and the JSON can be edited beside it. Saving needs a valid draft and a trigger.
 */
export function WorkflowComposer({
  initialDefinition,
  initialTrigger,
  initialTriggerInputs = NO_INPUTS,
  suggestion,
  saveLabel,
  saving,
  saveError,
  saveAlert,
  onSave,
  cancelTo,
  requireChange = false,
  initialLabel,
  onShowTemplates,
}: {
  initialDefinition?: WorkflowDefinition;
  /** For an existing workflow: its trigger as a form (manual when it has none). */
  initialTrigger?: TriggerFormValue;
  initialTriggerInputs?: Record<string, unknown>;
  /** A trigger suggested before this page opened (a draft from chat). */
  suggestion?: DraftTrigger;
  saveLabel: string;
  saving: boolean;
  /** The failed save, for its `trigger.*` issues; shown at their fields. */
  saveError: unknown;
  /** What to say about the failed save, above the Save button. */
  saveAlert?: ReactNode;
  onSave: (save: ComposerSave) => void;
  cancelTo: string;
  /** Editing a saved workflow: Save waits for a change to the workflow or its trigger. */
  requireChange?: boolean;
  /** What the opening definition is, for Undo's wording (a template's title); default "Saved version". */
  initialLabel?: string;
  /** Shows the template gallery (offered when the drafter could not read a request). */
  onShowTemplates?: () => void;
}) {
  const [history, setHistory] = useState<DraftHistory>(() => emptyHistory(initialDefinition, initialLabel));
  const [nameText, setNameText] = useState<string | null>(null);
  const [entries, setEntries] = useState<ChatEntry[]>([]);
  const nextEntryId = useRef(1);
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  const [jsonOpen, setJsonOpen] = useState(false);
  const [comparing, setComparing] = useState(false);
  const [jsonRevision, setJsonRevision] = useState(0);
  const [jsonCheck, setJsonCheck] = useState<DefinitionCheck | null>(null);
  const [lastBy, setLastBy] = useState<DraftedBy | null>(null);

  const openingName = initialDefinition ? definitionName(initialDefinition as Record<string, unknown>, 'workflow') : 'workflow';
  const [startTrigger] = useState<TriggerFormValue>(() => initialTrigger ?? withSuggestion(emptyTriggerForm(openingName), suggestion));
  const [trigger, setTriggerState] = useState<TriggerFormValue>(startTrigger);
  const triggerTouched = useRef(initialTrigger !== undefined || suggestion !== undefined);
  const [suggested, setSuggested] = useState(initialTrigger === undefined && suggestion !== undefined);
  const [inputEdits, setInputEdits] = useState<InputDraft>({});
  const [dismissedError, setDismissedError] = useState<unknown>(null);

  const current = currentDraft(history);
  const definition = current?.definition ?? null;
  const name = definition ? definitionName(definition as Record<string, unknown>, 'Untitled workflow') : null;

  const say = useCallback((entry: NewChatEntry) => {
    const id = nextEntryId.current++;
    setEntries((list) => [...list, { ...entry, id } as ChatEntry]);
  }, []);

  const setTrigger = (next: TriggerFormValue) => {
    triggerTouched.current = true;
    setDismissedError(saveError);
    setTriggerState(next);
  };

  const drafting = useMutation({
    mutationFn: ({ prompt, stepId, base }: DraftRequest): Promise<DraftResponse> =>
      stepId !== null && base !== null
        ? draftsApi.refineStep({ definition: base, stepId, prompt })
        : draftsApi.draft({ prompt, ...(base !== null ? { baseDraft: base } : {}), timezone: browserTimezone() }),
    onSuccess: (result, request) => {
      const parsed = parseDefinition(result.definition);
      if (!parsed.ok) {
        say({ role: 'error', text: `The draft could not be read: ${parsed.message}`, issues: [], attempts: result.attempts });
        return;
      }
      const next = parsed.definition;
      const by: DraftedBy = { attempts: result.attempts, provider: result.provider, model: result.model };
      if (!result.understood && request.base === null) {
        // The offline drafter's placeholder is not a draft: offer the other ways to start instead.
        say({
          role: 'unread',
          text: 'The offline drafter could not read this request, so there is no draft. Start from a template, or write the workflow as JSON.',
          by,
        });
        return;
      }
      const source = request.stepId !== null ? 'step' : request.base !== null ? 'refine' : 'draft';
      const refined = request.base !== null && request.stepId !== null ? findStep(request.base, request.stepId) : null;
      const text =
        request.base === null
          ? draftReply({ definition: next, ...(result.trigger ? { trigger: result.trigger } : {}), unhandled: result.unhandled })
          : changeReply({ before: request.base, after: next, unhandled: result.unhandled, ...(refined ? { stepTitle: `“${stepTitle(refined.step)}”` } : {}) });
      // A change the drafter could not apply returns the draft as it was: nothing to undo.
      if (request.base === null || !deepEqual(request.base, next)) {
        setHistory((h) => pushDraft(h, { definition: next, source, label: request.prompt }));
        setJsonRevision((r) => r + 1);
        setNameText(null);
      }
      setLastBy(by);
      say({ role: 'assistant', text, by, ...(result.unhandled.length > 0 ? { unhandled: result.unhandled } : {}) });
      if (!triggerTouched.current && result.trigger !== undefined) {
        const base = request.base === null ? emptyTriggerForm(definitionName(next as Record<string, unknown>, 'workflow')) : trigger;
        setTriggerState(withSuggestion(base, result.trigger));
        setSuggested(true);
      }
      if (selectedStepId !== null && findStep(next, selectedStepId) === null) setSelectedStepId(null);
    },
    onError: (error) => {
      const invalid = draftInvalidDetails(error);
      say({ role: 'error', text: describeError(error), issues: invalid?.errors ?? issuesOf(error), attempts: invalid?.attempts ?? null });
    },
  });

  const selected = definition !== null && selectedStepId !== null ? findStep(definition, selectedStepId) : null;
  const refining = selected !== null ? { stepId: selected.step.id, title: `“${stepTitle(selected.step)}”` } : null;

  const send = (prompt: string) => {
    if (drafting.isPending) return false;
    say({ role: 'user', text: prompt, ...(refining !== null ? { stepTitle: refining.title } : {}) });
    drafting.mutate({ prompt, stepId: refining?.stepId ?? null, base: definition });
    return true;
  };

  const undo = () => {
    if (!canUndo(history) || drafting.isPending) return;
    const undone = currentDraft(history)!;
    setHistory(undoDraft(history));
    setJsonRevision((r) => r + 1);
    setNameText(null);
    say({ role: 'note', text: `Undid “${undone.label}”.` });
  };

  const onSelectStep = (stepId: string | null) => {
    setSelectedStepId(stepId);
    if (stepId !== null) setFocusToken((t) => t + 1);
  };

  const onJsonCheck = useCallback((check: DefinitionCheck) => {
    setJsonCheck(check);
    if (check.kind !== 'valid') return;
    setHistory((h) => {
      const top = currentDraft(h);
      if (top !== null && deepEqual(top.definition, check.definition)) return h;
      return editFromJson(h, check.definition);
    });
  }, []);

  const toggleJson = () => {
    setJsonOpen((open) => !open);
    setJsonCheck(null);
    setJsonRevision((r) => r + 1);
  };
  const openJson = () => {
    if (!jsonOpen) toggleJson();
  };

  // The name is always editable here; an empty one stays in the box (with its error) and is not applied.
  const renameTo = (text: string) => {
    setNameText(text);
    if (definition === null || text.trim() === '') return;
    const renamed = { ...definition, name: text.trim() };
    setHistory((h) => editFromJson(h, renamed));
    setJsonRevision((r) => r + 1);
  };
  const nameError = nameText !== null && nameText.trim() === '' ? 'A workflow needs a name.' : null;

  // Trigger inputs follow the definition's declared inputs; what was typed is kept.
  const declaredInputs = definition?.inputs;
  const inputDraft = useMemo(
    () => ({ ...initialInputDraft(declaredInputs, initialTriggerInputs), ...inputEdits }),
    [declaredInputs, initialTriggerInputs, inputEdits],
  );
  const inputsRead = readInputDraft(declaredInputs, inputDraft);
  const needsInputs = trigger.type === 'schedule' || trigger.type === 'webhook';

  const serverIssues = saveError !== null && saveError !== dismissedError ? issuesOf(saveError) : [];
  const clientTriggerErrors = triggerErrors(trigger);
  const shownTriggerErrors = { ...triggerErrorsFrom(serverIssues), ...clientTriggerErrors };
  const shownInputErrors = needsInputs ? { ...inputErrorsFrom(serverIssues, 'trigger.inputs.'), ...inputsRead.errors } : {};

  // A trigger keeps only what differs from the defaults, so a later default change reaches its runs.
  const withoutDefaults = (values: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(values).filter(([name, value]) => !deepEqual(value, declaredInputs?.[name]?.default)));
  const startInputs = needsInputs ? withoutDefaults(readInputDraft(declaredInputs, initialInputDraft(declaredInputs, initialTriggerInputs)).values) : {};
  const triggerInputs = needsInputs ? withoutDefaults(inputsRead.values) : {};
  const triggerChanged = !deepEqual(trigger, startTrigger) || !deepEqual(triggerInputs, startInputs);
  const unchanged = requireChange && definition !== null && initialDefinition !== undefined && deepEqual(definition, initialDefinition) && !triggerChanged;

  const blockers = [
    definition === null ? 'Draft a workflow first.' : null,
    nameError,
    unchanged ? 'No changes yet.' : null,
    jsonOpen && jsonCheck !== null && jsonCheck.kind !== 'valid'
      ? `Fix the JSON (${checkSummary(jsonCheck).toLowerCase()}), or close it to keep the last valid draft.`
      : null,
    Object.keys(clientTriggerErrors).length > 0
      ? clientTriggerErrors.type !== undefined
        ? 'Choose how the workflow starts.'
        : 'Fix the trigger settings.'
      : null,
    needsInputs && Object.keys(inputsRead.errors).length > 0 ? 'Fill in the inputs every run needs.' : null,
    drafting.isPending ? 'Wait for the draft.' : null,
  ].filter((b): b is string => b !== null);

  const save = () => {
    if (definition === null || blockers.length > 0 || saving) return;
    setDismissedError(null);
    onSave({ definition, trigger, triggerInputs, triggerChanged });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    const editable = target.closest('input, textarea, select, [contenteditable="true"]') !== null;
    if (!editable && (event.metaKey || event.ctrlKey) && !event.shiftKey && event.key.toLowerCase() === 'z') {
      event.preventDefault();
      undo();
    }
  };

  const drawable = definition;
  // The draft before the last change: Compare draws it beside the current one, marked.
  const previous = history.entries.length > 1 ? history.entries[history.entries.length - 2]! : null;
  const showCompare = comparing && previous !== null && drawable !== null;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: not a control: it hears Ctrl/Cmd+Z bubbling up from whatever inside the composer has focus (undo the last draft).
    <div className={`composer-layout${jsonOpen ? ' composer-layout--json' : ''}`} onKeyDown={onKeyDown}>
      <DraftChat
        entries={entries}
        pending={drafting.isPending}
        hasDraft={definition !== null}
        refining={refining}
        onSend={send}
        onStopRefining={() => setSelectedStepId(null)}
        focusToken={focusToken}
        onOpenJson={openJson}
        {...(onShowTemplates ? { onShowTemplates } : {})}
      />

      <section className="card composer-diagram" aria-labelledby="composer-diagram-title">
        <div className="card__header">
          <div className="composer-diagram__title">
            <h2 id="composer-diagram-title" title={name ?? undefined}>
              {name ?? 'Draft'}
            </h2>
            {lastBy !== null && (
              <span className="composer-diagram__by">
                <ProviderChip by={lastBy} />
                <span className="muted">{attemptsLabel(lastBy.attempts)}</span>
              </span>
            )}
          </div>
          <div className="composer-diagram__actions">
            <button type="button" className="btn btn--small" onClick={undo} disabled={!canUndo(history) || drafting.isPending} title="Undo (Ctrl+Z)">
              <UndoIcon />
              Undo
            </button>
            <button type="button" className="btn btn--small" aria-pressed={jsonOpen} aria-controls="composer-json" onClick={toggleJson}>
              {'{ }'} JSON
            </button>
            <button
              type="button"
              className="btn btn--small"
              aria-pressed={showCompare}
              onClick={() => setComparing(!showCompare)}
              disabled={previous === null || drawable === null}
              title="Compare with the draft before the last change"
            >
              Compare
            </button>
          </div>
        </div>
        <WorkflowNameField value={nameText ?? definition?.name ?? ''} hasDraft={definition !== null} error={nameError} onChange={renameTo} />
        {showCompare ? (
          <div className="composer-compare">
            <VersionCompareView before={previous.definition} after={drawable} beforeLabel="Before the last change" afterLabel="Now" />
          </div>
        ) : drawable !== null ? (
          <WorkflowDiagram
            // A new pane when the JSON panel moves it, so it fits again.
            key={jsonOpen ? 'with-json' : 'alone'}
            definition={drawable}
            mode="edit"
            selectedStepId={selectedStepId}
            onSelectStep={onSelectStep}
            highlightStepIds={history.highlight}
            aria-label="Draft diagram"
          />
        ) : drafting.isPending ? (
          <div className="composer-diagram__empty" aria-busy="true">
            <span className="skeleton composer-diagram__ghost" />
            <span className="skeleton composer-diagram__ghost" />
            <span className="skeleton composer-diagram__ghost" />
          </div>
        ) : (
          <div className="composer-diagram__empty">
            <p className="panel__title">Your workflow appears here</p>
            <p className="muted">Describe it on the left. You can change any part of it before saving.</p>
          </div>
        )}
        <p className="composer-diagram__hint muted">
          {drawable === null ? (
            'Drafts are checked with the same rules the server applies.'
          ) : (
            <>
              {history.highlight.size > 0 && (
                <>
                  <span className="legend-swatch" aria-hidden="true" /> Highlighted: what the last change touched.{' '}
                </>
              )}
              Select a step to change only that step.
            </>
          )}
        </p>
      </section>

      {jsonOpen && (
        <section className="card json-panel" id="composer-json" aria-label="JSON">
          <div className="card__header">
            <h2>JSON</h2>
            <button type="button" className="btn btn--ghost btn--small" onClick={toggleJson}>
              Close
            </button>
          </div>
          <div className="card__body">
            {/* Without a draft, the smallest valid workflow to write from. */}
            <DefinitionEditor key={jsonRevision} initialText={pretty(definition ?? EMPTY_WORKFLOW)} onCheck={onJsonCheck} label="Definition" />
          </div>
        </section>
      )}

      <section className="card trigger-card" aria-labelledby="trigger-card-title">
        <div className="card__header">
          <h2 id="trigger-card-title">Trigger</h2>
          <span className="muted">
            {initialTrigger !== undefined
              ? 'As saved; a change applies when you save.'
              : suggested
                ? 'Pre-filled from the draft; change it freely.'
                : 'Required: how the workflow starts.'}
          </span>
        </div>
        <div className="card__body">
          <TriggerForm
            value={trigger}
            onChange={setTrigger}
            errors={shownTriggerErrors}
            workflowName={name ?? 'workflow'}
            inputs={declaredInputs}
            inputDraft={inputDraft}
            inputErrors={shownInputErrors}
            onInputsChange={(next) => {
              setDismissedError(saveError);
              setInputEdits(next);
            }}
          />
        </div>
        <div className="save-bar">
          {saveAlert}
          <div className="save-bar__row">
            <p className="save-bar__status" id="save-blockers" aria-live="polite">
              {blockers.length > 0 ? blockers[0] : definition !== null ? 'Ready to save.' : ''}
            </p>
            <Link to={cancelTo} className="btn btn--ghost">
              Cancel
            </Link>
            <button
              type="button"
              className="btn btn--primary"
              onClick={save}
              disabled={blockers.length > 0 || saving}
              aria-describedby="save-blockers"
              data-testid="save-workflow"
            >
              {saving ? 'Saving…' : saveLabel}
            </button>
          </div>
        </div>
      </section>
    </div>
  );
}
