import { useMutation } from '@tanstack/react-query';
import { workflowsApi } from '../../api/workflows';
import { describeError } from '../../components/Panels';

/** `Disk check` -> `disk-check.weft.json`. */
export function exportFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'workflow'}.weft.json`;
}

/** Downloads the workflow and its trigger as a `weft.workflow/1` file (Import on the new-workflow page reads it back). */
export function ExportButton({ workflowId, name }: { workflowId: string; name: string }) {
  const download = useMutation({
    mutationFn: () => workflowsApi.exportFile(workflowId),
    onSuccess: (file) => {
      const url = URL.createObjectURL(new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = exportFileName(name);
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked on the next turn: the click has started the download by then.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    },
  });
  return (
    <>
      <button type="button" className="btn" onClick={() => download.mutate()} disabled={download.isPending} title="Download as a JSON file, with its trigger">
        {download.isPending ? 'Exporting…' : 'Export'}
      </button>
      {download.isError && (
        <span className="field__error" role="alert">
          {describeError(download.error)}
        </span>
      )}
    </>
  );
}
