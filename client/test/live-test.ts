import { cleanup } from '@testing-library/react';
import { vi } from 'vitest';
import { resetLiveSocket } from '../src/api/live-socket';
import { approvalsStore } from '../src/approvals/approvals-store';
import { authStore } from '../src/store/auth-store';
import { installFakeLive, type FakeLive } from './fake-live';

/** Before each test of a page on the live socket: auth not yet checked, no approvals, a fresh fake `/ws`. */
export function startLiveTest(): FakeLive {
  authStore.setStatus('unknown');
  approvalsStore.clear();
  return installFakeLive();
}

/** After each: unmount, drop the app's socket and the stubbed globals (`fetch`, `WebSocket`). */
export function endLiveTest(): void {
  cleanup();
  resetLiveSocket();
  vi.unstubAllGlobals();
}
