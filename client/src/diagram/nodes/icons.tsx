import type { ReactNode } from 'react';
import type { StepStatus, StepType } from '@weft/shared';
import { Icon } from '../../components/icons';

const STEP_ICONS: { readonly [T in StepType]: ReactNode } = {
  tool: (
    <>
      <path d="M10.5 2.2a3.2 3.2 0 0 0-3.9 4.2L2.3 10.7a1.3 1.3 0 0 0 1.9 1.9l4.3-4.3a3.2 3.2 0 0 0 4.2-3.9l-1.9 1.9-1.6-.3-.3-1.6z" />
    </>
  ),
  agent_prompt: (
    <>
      <path d="M8 1.8 9.3 6.2 13.7 7.5 9.3 8.8 8 13.2 6.7 8.8 2.3 7.5 6.7 6.2Z" />
      <path d="M13 1.5v2.5M11.75 2.75h2.5" />
    </>
  ),
  bash: (
    <>
      <rect x="1.75" y="2.75" width="12.5" height="10.5" rx="1.5" />
      <path d="m4.5 6.25 2 1.75-2 1.75M8 10.25h3.5" />
    </>
  ),
  notify: (
    <>
      <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1 1H3z" />
      <path d="M6.75 14a1.4 1.4 0 0 0 2.5 0" />
    </>
  ),
  http: (
    <>
      <circle cx="8" cy="8" r="6.25" />
      <path d="M1.75 8h12.5M8 1.75c1.9 2 1.9 10.5 0 12.5M8 1.75c-1.9 2-1.9 10.5 0 12.5" />
    </>
  ),
  conditional: (
    <>
      <path d="M8 1.75v4.5M8 6.25 3.75 10.5v3.75M8 6.25l4.25 4.25v3.75" />
      <path d="m2 12.5 1.75 1.75L5.5 12.5M10.5 12.5l1.75 1.75L14 12.5" />
    </>
  ),
  loop: (
    <>
      <path d="M2.5 7.5V6a2.5 2.5 0 0 1 2.5-2.5h8.25M11 1.25l2.25 2.25L11 5.75" />
      <path d="M13.5 8.5V10a2.5 2.5 0 0 1-2.5 2.5H2.75M5 14.75 2.75 12.5 5 10.25" />
    </>
  ),
  approval: (
    <>
      <rect x="3" y="7" width="10" height="7.25" rx="1.5" />
      <path d="M5.25 7V5a2.75 2.75 0 0 1 5.5 0v2M8 9.75v1.75" />
    </>
  ),
  wait: (
    <>
      <circle cx="8" cy="8" r="6.25" />
      <path d="M8 4.5V8l2.5 1.5" />
    </>
  ),
};

export function StepIcon({ type }: { type: StepType }) {
  return <Icon>{STEP_ICONS[type] ?? STEP_ICONS.bash}</Icon>;
}

const STATUS_ICONS: { readonly [S in StepStatus]: ReactNode } = {
  pending: <circle cx="8" cy="8" r="5.5" strokeDasharray="2.5 2.5" />,
  running: <path d="M8 2.5a5.5 5.5 0 1 1-5.5 5.5" />,
  waiting: (
    <>
      <circle cx="8" cy="8" r="5.5" />
      <path d="M6.5 6v4M9.5 6v4" />
    </>
  ),
  succeeded: <path d="m3.5 8.5 3 3 6-7" />,
  failed: <path d="m4 4 8 8M12 4l-8 8" />,
  skipped: <path d="M3 8h7.5M8 5l3 3-3 3M13 4.5v7" />,
  canceled: (
    <>
      <circle cx="8" cy="8" r="5.5" />
      <path d="m4.25 11.75 7.5-7.5" />
    </>
  ),
};

export function StatusIcon({ status }: { status: StepStatus }) {
  return <Icon className={`wf-icon wf-status-icon wf-status-icon--${status}`}>{STATUS_ICONS[status]}</Icon>;
}
