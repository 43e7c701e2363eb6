import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch } from '../../../test/fetch-mock';
import { createQueryClient } from '../../api/query-client';
import { ExportButton, exportFileName } from './ExportButton';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const file = { format: 'weft.workflow/1', definition: { name: 'Disk check', steps: [{ id: 'a', type: 'bash', command: 'df -h' }] } };

describe('Export', () => {
  it('names the file after the workflow', () => {
    expect(exportFileName('Disk check: nightly!')).toBe('disk-check-nightly.weft.json');
    expect(exportFileName('✓✓')).toBe('workflow.weft.json');
  });

  it('downloads the export as a JSON file', async () => {
    const { requests } = mockFetch({ 'GET /api/workflows/wf_1/export': json(200, file) });
    const blobs: Blob[] = [];
    // jsdom has no object URLs: a URL class that records the blob it is given.
    vi.stubGlobal(
      'URL',
      class extends URL {
        static override createObjectURL(blob: Blob) {
          blobs.push(blob);
          return 'blob:x';
        }
        static override revokeObjectURL() {}
      },
    );
    const clicked: { download: string; href: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ download: this.download, href: this.href });
    });
    render(
      <QueryClientProvider client={createQueryClient()}>
        <ExportButton workflowId="wf_1" name="Disk check" />
      </QueryClientProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(clicked).toEqual([{ download: 'disk-check.weft.json', href: 'blob:x' }]));
    expect(requests.map((r) => r.path)).toEqual(['/api/workflows/wf_1/export']);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blobs[0]!);
    });
    expect(JSON.parse(text)).toEqual(file);
  });

  it('says why an export failed', async () => {
    mockFetch({ 'GET /api/workflows/wf_1/export': json(404, { error: { code: 'not_found', message: 'workflow wf_1 not found' } }) });
    render(
      <QueryClientProvider client={createQueryClient()}>
        <ExportButton workflowId="wf_1" name="Disk check" />
      </QueryClientProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/not found/i);
  });
});
