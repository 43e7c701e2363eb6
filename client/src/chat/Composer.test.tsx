import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch } from '../../test/fetch-mock';
import { MAX_TEXT_INPUT } from '../lib/input-limits';
import { createChatStore } from './chat-store';
import { Composer } from './Composer';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Composer', () => {
  it('refuses a message over the limit before sending it, and says by how much', () => {
    const { requests } = mockFetch({});
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Composer sessionId="ses_1" store={createChatStore()} />
      </QueryClientProvider>,
    );
    const input = screen.getByLabelText('Message the assistant');
    fireEvent.change(input, { target: { value: 'x'.repeat(MAX_TEXT_INPUT + 1) } });
    expect(screen.getByRole('alert').textContent).toBe(
      'This is 20,001 characters; the limit is 20,000. Shorten it, or put the long part in a file the workflow reads.',
    );
    const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(requests).toHaveLength(0);
  });
});
