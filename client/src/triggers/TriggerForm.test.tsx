import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { WorkflowInputs } from '@weft/shared';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InputDraft } from '../inputs/inputs-form';
import { TriggerForm } from './TriggerForm';
import { emptyTriggerForm, triggerErrors, triggerRequest, type TriggerForm as TriggerFormValue } from './trigger-form';

const NOW = Date.parse('2025-01-03T10:00:00Z'); // a Friday

function Harness({ initial, inputs, onValue }: { initial: TriggerFormValue; inputs?: WorkflowInputs; onValue?: (v: TriggerFormValue) => void }) {
  const [value, setValue] = useState(initial);
  const [draft, setDraft] = useState<InputDraft>({});
  return (
    <TriggerForm
      value={value}
      onChange={(next) => {
        setValue(next);
        onValue?.(next);
      }}
      errors={triggerErrors(value)}
      workflowName="Disk check"
      inputs={inputs}
      inputDraft={draft}
      onInputsChange={setDraft}
      now={NOW}
    />
  );
}

let writeText: ReturnType<typeof vi.fn>;
beforeEach(() => {
  writeText = vi.fn(async () => {});
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});
afterEach(cleanup);

describe('trigger form', () => {
  it('asks for a choice first: nothing is chosen and nothing can be saved yet', () => {
    const value = emptyTriggerForm('Disk check');
    expect(triggerErrors(value)).toEqual({ type: 'Choose how this workflow starts' });
    render(<Harness initial={value} />);
    expect(screen.getByText('Choose how this workflow starts')).toBeTruthy();
    expect(screen.getAllByRole('radio').every((r) => !(r as HTMLInputElement).checked)).toBe(true);
    expect(triggerRequest({ ...value, type: 'manual' })).toBeUndefined();
  });

  it('reads a schedule back in words, with the next runs in its timezone', () => {
    render(<Harness initial={{ ...emptyTriggerForm('Disk check'), type: 'schedule', timezone: 'Europe/Berlin' }} />);
    const cron = screen.getByTestId('cron-input');
    fireEvent.change(cron, { target: { value: '0 9 * * 1-5' } });
    expect(screen.getByTestId('cron-preview').textContent).toBe('At 09:00 AM, Monday through Friday');
    const runs = within(screen.getByTestId('next-runs')).getAllByRole('listitem');
    expect(runs.map((li) => li.querySelector('time')!.getAttribute('dateTime'))).toEqual([
      '2025-01-06T08:00:00.000Z',
      '2025-01-07T08:00:00.000Z',
      '2025-01-08T08:00:00.000Z',
    ]);
    expect((screen.getByLabelText('Timezone') as HTMLSelectElement).value).toBe('Europe/Berlin');

    fireEvent.change(cron, { target: { value: '0 25 * * *' } });
    expect(screen.getByTestId('cron-preview').textContent).toMatch(/hours part must be >= 0 and <= 23/);
    expect(cron.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('next-runs')).toBeNull();
  });

  it('defaults the timezone to the browser’s, and to UTC when the browser has none', () => {
    const resolved = (timeZone: string | undefined) =>
      vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockReturnValue({ timeZone } as Intl.ResolvedDateTimeFormatOptions);
    resolved('Asia/Kolkata');
    expect(emptyTriggerForm('x').timezone).toBe('Asia/Kolkata');
    resolved(undefined);
    expect(emptyTriggerForm('x').timezone).toBe('UTC');
    vi.restoreAllMocks();
  });

  it('gives a webhook a generated path, a copyable URL and a secret', async () => {
    let latest: TriggerFormValue | null = null;
    render(<Harness initial={emptyTriggerForm('Disk check')} onValue={(v) => (latest = v)} />);
    fireEvent.click(screen.getByRole('radio', { name: /Webhook/ }));
    const path = (screen.getByLabelText('Path') as HTMLInputElement).value;
    expect(path).toMatch(/^disk-check-[a-z0-9]{8}$/);
    const url = screen.getByTestId('webhook-url').textContent;
    expect(url).toBe(`${window.location.origin}/hooks/${path}`);
    fireEvent.click(screen.getByRole('button', { name: 'Copy URL' }));
    expect(writeText).toHaveBeenCalledWith(url);
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeTruthy();
    const secret = (screen.getByLabelText(/Signing secret/) as HTMLInputElement).value;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(triggerRequest(latest!)).toMatchObject({ type: 'webhook', webhook: { path, verify: 'weft', secret } });
    // How to sign, with this secret filled in while it is on screen.
    const example = screen.getByTestId('signing-example').textContent!;
    expect(example).toContain(`WEFT_HOOK_SECRET='${secret}'`);
    expect(example).toContain(`"$ts./hooks/${path}.$body"`);
    fireEvent.click(screen.getByRole('button', { name: 'Copy example' }));
    expect(writeText).toHaveBeenCalledWith(example);

    // Stripe issues its own secret: the generated one goes, the field asks for a paste.
    fireEvent.change(screen.getByLabelText('Signature'), { target: { value: 'stripe' } });
    expect((screen.getByLabelText(/Signing secret/) as HTMLInputElement).value).toBe('');
    expect(screen.getByText('Paste the signing secret Stripe shows for this endpoint')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Generate' })).toBeNull();
    expect(screen.getByText(/Developers → Webhooks → Add endpoint/)).toBeTruthy();
    // Unsigned: no secret field at all.
    fireEvent.change(screen.getByLabelText('Signature'), { target: { value: 'none' } });
    expect(screen.queryByLabelText(/Signing secret/)).toBeNull();
    expect(triggerRequest(latest!)).toMatchObject({ webhook: { verify: 'none' } });

    fireEvent.change(screen.getByLabelText('Path'), { target: { value: '../etc' } });
    expect(screen.getByText(/The path must be segments/)).toBeTruthy();
  });

  it('asks for the inputs every triggered run needs', () => {
    const inputs: WorkflowInputs = { region: { type: 'string', required: true, description: 'Where to look' }, limit: { type: 'number', default: 5 } };
    render(<Harness initial={{ ...emptyTriggerForm('Disk check'), type: 'schedule', cron: '@daily' }} inputs={inputs} />);
    const region = screen.getByLabelText(/region/);
    expect(region.getAttribute('aria-required')).toBe('true');
    expect(screen.getByText('Where to look')).toBeTruthy();
    expect((screen.getByLabelText(/limit/) as HTMLInputElement).value).toBe('');
  });
});
