import type { ReactNode } from 'react';

/** The 16-unit line-icon frame every icon here and in the diagram (`diagram/nodes/icons`) is drawn in. */
export function Icon({ children, size = 16, className = 'wf-icon' }: { children: ReactNode; size?: number; className?: string }) {
  return (
    <svg
      className={className}
      viewBox="0 0 16 16"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export const ChatIcon = () => (
  <Icon>
    <path d="M2.5 3.75A1.25 1.25 0 0 1 3.75 2.5h8.5a1.25 1.25 0 0 1 1.25 1.25v6a1.25 1.25 0 0 1-1.25 1.25H7l-3 2.5V11H3.75A1.25 1.25 0 0 1 2.5 9.75z" />
  </Icon>
);
export const WorkflowsIcon = () => (
  <Icon>
    <rect x="2" y="2" width="5" height="4" rx="1" />
    <rect x="9" y="10" width="5" height="4" rx="1" />
    <path d="M4.5 6v2.5a1.5 1.5 0 0 0 1.5 1.5h3" />
  </Icon>
);
export const ExecutionsIcon = () => (
  <Icon>
    <circle cx="8" cy="8" r="6.25" />
    <path d="m6.5 5.5 4 2.5-4 2.5z" />
  </Icon>
);
export const ApprovalsIcon = () => (
  <Icon>
    <rect x="3" y="7" width="10" height="7.25" rx="1.5" />
    <path d="M5.25 7V5a2.75 2.75 0 0 1 5.5 0v2" />
  </Icon>
);
export const BellIcon = () => (
  <Icon>
    <path d="M4 11.25V7a4 4 0 0 1 8 0v4.25l1.25 1.25H2.75z" />
    <path d="M6.5 13.75a1.6 1.6 0 0 0 3 0" />
  </Icon>
);
export const SchedulesIcon = () => (
  <Icon>
    <rect x="2.25" y="3" width="11.5" height="11" rx="1.5" />
    <path d="M2.25 6.5h11.5M5.5 1.75v2.5M10.5 1.75v2.5M8 8.75v2l1.25 1" />
  </Icon>
);
export const PlusIcon = () => (
  <Icon>
    <path d="M8 3v10M3 8h10" />
  </Icon>
);
export const AlertIcon = () => (
  <Icon>
    <circle cx="8" cy="8" r="6.25" />
    <path d="M8 4.75v4M8 11.25v.01" />
  </Icon>
);
export const ClockIcon = () => (
  <Icon>
    <circle cx="8" cy="8" r="6.25" />
    <path d="M8 4.5V8l2.5 1.5" />
  </Icon>
);
export const SignOutIcon = () => (
  <Icon>
    <path d="M6 2.75H3.75a1 1 0 0 0-1 1v8.5a1 1 0 0 0 1 1H6M10.5 11l3-3-3-3M13.25 8H6" />
  </Icon>
);
export const MenuIcon = () => (
  <Icon>
    <path d="M2.75 4.25h10.5M2.75 8h10.5M2.75 11.75h10.5" />
  </Icon>
);
export const LogoMark = () => (
  <Icon>
    <path d="M2.5 4.5c2 0 2 7 4 7s2-7 4-7 2 7 3 7" />
  </Icon>
);
