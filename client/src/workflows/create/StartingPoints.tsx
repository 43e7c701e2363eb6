import './starting-points.css';
import { useMutation } from '@tanstack/react-query';
import {
  EMPTY_WORKFLOW,
  WORKFLOW_EXPORT_FORMAT,
  WORKFLOW_TEMPLATES,
  type DraftTrigger,
  type WorkflowDefinition,
  type WorkflowImportResponse,
} from '@weft/shared';
import { useId, useState, type ChangeEvent } from 'react';
import { Link } from 'react-router';
import { issuesOf } from '../../api/http';
import { workflowsApi } from '../../api/workflows';
import { CopyButton } from '../../triggers/CopyButton';
import { IssueList } from '../../components/IssueList';
import { errorHeadline } from '../../lib/error-sentence';
import { definitionName, parseDefinition } from '../../lib/definition';

/** Where the composer starts: a template, the empty workflow or pasted JSON. */
export type StartingPoint = { definition: WorkflowDefinition; trigger?: DraftTrigger; label: string };

/** What pasted or uploaded text is: an export file (imported as it is), a bare definition (opened in the composer) or neither. */
export function readWorkflowJson(
  text: string,
): { kind: 'export'; file: unknown } | { kind: 'definition'; definition: WorkflowDefinition } | { kind: 'invalid'; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', message: `This is not JSON: ${(error as Error).message}` };
  }
  if (typeof value === 'object' && value !== null && 'format' in value) {
    if ((value as { format: unknown }).format === WORKFLOW_EXPORT_FORMAT) return { kind: 'export', file: value };
    return { kind: 'invalid', message: `This file's format is not "${WORKFLOW_EXPORT_FORMAT}".` };
  }
  const parsed = parseDefinition(value);
  return parsed.ok ? { kind: 'definition', definition: parsed.definition } : { kind: 'invalid', message: `This is not a valid workflow: ${parsed.message}` };
}

/**
 * The other ways to begin than describing: an empty workflow, a gallery of templates (from shared,
 * each valid and runnable), and JSON pasted or uploaded. An export file is imported at once (with
 * its trigger); a bare definition opens in the composer to be reviewed and saved.
 */
export function StartingPoints({ onStart }: { onStart: (start: StartingPoint) => void }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const jsonId = useId();
  const importFile = useMutation({ mutationFn: (file: unknown) => workflowsApi.importFile(file) });

  const takeJson = (json: string) => {
    const read = readWorkflowJson(json);
    setProblem(read.kind === 'invalid' ? read.message : null);
    if (read.kind === 'export') importFile.mutate(read.file);
    else if (read.kind === 'definition') onStart({ definition: read.definition, label: 'Pasted JSON' });
  };
  const onUpload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    const content = await file.text();
    setText(content);
    takeJson(content);
  };

  return (
    <div className="starting-points">
      <section aria-labelledby={`${jsonId}-gallery`} id="templates">
        <div className="starting-points__head">
          <h2 id={`${jsonId}-gallery`}>Templates</h2>
          <button type="button" className="btn btn--small" onClick={() => onStart({ definition: EMPTY_WORKFLOW, label: 'Empty workflow' })}>
            Empty workflow
          </button>
        </div>
        <ul className="template-gallery" aria-label="Workflow templates">
          {WORKFLOW_TEMPLATES.map((template) => (
            <li key={template.id} className="template-card" data-testid={`template-${template.id}`}>
              <strong className="template-card__title">{template.title}</strong>
              <p className="template-card__summary">{template.summary}</p>
              {template.needs.length > 0 && <p className="template-card__needs muted">Needs: {template.needs.join('; ')}</p>}
              <button
                type="button"
                className="btn btn--small"
                aria-label={`Use template: ${template.title}`}
                onClick={() => onStart({ definition: template.definition, ...(template.trigger ? { trigger: template.trigger } : {}), label: template.title })}
              >
                Use template
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section className="starting-points__json" aria-labelledby={`${jsonId}-json`}>
        <h2 id={`${jsonId}-json`}>Paste or upload JSON</h2>
        <p className="muted">
          An exported workflow file is imported at once, its schedule or webhook switched off until you turn it on; a bare definition opens below to review
          before saving.
        </p>
        <label htmlFor={jsonId} className="visually-hidden">
          Workflow JSON
        </label>
        <textarea
          id={jsonId}
          className="starting-points__text mono"
          rows={5}
          value={text}
          placeholder='{ "format": "weft.workflow/1", "definition": { … } }  or  { "name": …, "steps": [ … ] }'
          onChange={(e) => setText(e.target.value)}
        />
        <div className="starting-points__actions">
          <button type="button" className="btn btn--small btn--primary" disabled={text.trim() === '' || importFile.isPending} onClick={() => takeJson(text)}>
            {importFile.isPending ? 'Importing…' : 'Load'}
          </button>
          <label className="btn btn--small">
            Upload a file
            <input type="file" accept="application/json,.json" className="visually-hidden" onChange={(e) => void onUpload(e)} />
          </label>
        </div>
        {problem !== null && (
          <p className="field__error" role="alert">
            {problem}
          </p>
        )}
        {importFile.isError && (
          <div className="alert alert--error" role="alert">
            <div className="alert__body">
              {errorHeadline(importFile.error, issuesOf(importFile.error), 'Not imported')}
              <IssueList issues={issuesOf(importFile.error)} />
            </div>
          </div>
        )}
        {importFile.isSuccess && <Imported result={importFile.data} />}
      </section>
    </div>
  );
}

function Imported({ result }: { result: WorkflowImportResponse }) {
  const name = definitionName(result.definition, result.id);
  const trigger = result.trigger;
  const secret = trigger?.webhook?.secret;
  return (
    <div className={`alert ${result.warnings.length > 0 || trigger !== undefined ? 'alert--warn' : 'alert--info'}`} role="status">
      <div className="alert__body">
        Imported <Link to={`/automation/workflows/${encodeURIComponent(result.id)}`}>“{name}”</Link>
        {trigger !== undefined && ` with its ${trigger.type} trigger${trigger.enabled ? '' : ' (disabled)'}`}.
        {trigger !== undefined && !trigger.enabled && (
          <p className="starting-points__trigger-off" data-testid="imported-trigger-off">
            <strong>The {trigger.type === 'schedule' ? 'schedule' : 'webhook'} is off:</strong> an imported workflow never runs on its own until you turn it on.
            Read its steps first, then turn it on with the switch in <Link to="/automation/schedules-and-hooks">Schedules &amp; hooks</Link>.
          </p>
        )}
        {secret !== undefined && (
          <div className="starting-points__secret">
            New signing secret for <code>{trigger?.webhook?.url}</code> (the file's sender does not know it). Copy it now: it is not shown again.
            <div className="copy-row">
              <code className="copy-row__text" data-testid="imported-secret">
                {secret}
              </code>
              <CopyButton text={secret} className="btn btn--small copy-btn" />
            </div>
          </div>
        )}
        {result.warnings.length > 0 && (
          <ul className="starting-points__warnings">
            {result.warnings.map((warning) => (
              <li key={warning.code}>{`${warning.message.charAt(0).toUpperCase()}${warning.message.slice(1)}.`}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
