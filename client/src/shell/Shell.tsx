import { useQuery, useQueryClient } from '@tanstack/react-query';
import './shell.css';
import { Suspense, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { fetchHealth, signOut } from '../api/auth';
import { ApprovalsIcon, BellIcon, ChatIcon, ExecutionsIcon, LogoMark, MenuIcon, SchedulesIcon, SignOutIcon, WorkflowsIcon } from '../components/icons';
import { SkeletonLine } from '../components/Skeleton';
import { ApprovalsBadge } from './ApprovalsBadge';
import { NotificationsBadge } from './NotificationsBadge';
import { useCan } from '../auth/use-can';
import { AuditIcon, PeopleIcon, PersonIcon } from '../people/icons';

function NavItem({
  to,
  icon,
  label,
  badge,
  activeWhen,
}: {
  to: string;
  icon: ReactNode;
  label: string;
  badge?: ReactNode;
  activeWhen?: (pathname: string) => boolean;
}) {
  const { pathname } = useLocation();
  const content = (
    <>
      {icon}
      <span className="nav__label">{label}</span>
      {badge}
    </>
  );
  if (!activeWhen) {
    return (
      <NavLink to={to} className="nav__link">
        {content}
      </NavLink>
    );
  }
  const active = activeWhen(pathname);
  return (
    <Link to={to} className={active ? 'nav__link active' : 'nav__link'} aria-current={active ? 'page' : undefined}>
      {content}
    </Link>
  );
}

/**
 * On a narrow screen (768 px and below, shell.css) the navigation folds behind a menu button:
 * open while `open`, closed by Escape (focus back on the button), by following a link, or by the
 * button again. On wider screens the button is hidden and the sidebar always shows.
 */
function useNavMenu() {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const { pathname } = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page (a followed link) is what closes the menu.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  return { open, toggle: () => setOpen((o) => !o), buttonRef };
}

/** Left navigation (a menu button on narrow screens) and the routed page. */
export function Shell() {
  const queryClient = useQueryClient();
  const menu = useNavMenu();
  const navId = useId();
  const canAdmin = useCan('admin').allowed;
  const health = useQuery({ queryKey: ['health'], queryFn: ({ signal }) => fetchHealth(signal), staleTime: Number.POSITIVE_INFINITY });

  // signOut() sets the auth store to `signed-out`: the auth gate then drops the person's live state
  // (person-state.ts), as for any other sign-out.
  const onSignOut = async () => {
    try {
      await signOut();
    } finally {
      queryClient.clear();
    }
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className={menu.open ? 'sidebar is-open' : 'sidebar'}>
        <div className="sidebar__bar">
          <NavLink to="/automation/workflows" className="brand" aria-label="Weft home">
            <span className="brand__mark">
              <LogoMark />
            </span>
            Weft
          </NavLink>
          <button
            ref={menu.buttonRef}
            type="button"
            className="btn btn--ghost menu-button"
            aria-expanded={menu.open}
            aria-controls={navId}
            onClick={menu.toggle}
          >
            <MenuIcon />
            Menu
          </button>
        </div>
        <nav id={navId} className="nav" aria-label="Main">
          <NavItem to="/chat" icon={<ChatIcon />} label="Chat" />
          <span className="nav__section">Automation</span>
          <NavItem to="/automation/workflows" icon={<WorkflowsIcon />} label="Workflows" />
          <NavItem to="/automation/executions" icon={<ExecutionsIcon />} label="Executions" />
          <NavItem to="/automation/schedules-and-hooks" icon={<SchedulesIcon />} label="Schedules & hooks" />
          <span className="nav__section">Review</span>
          <NavItem to="/approvals" icon={<ApprovalsIcon />} label="Approvals" badge={<ApprovalsBadge />} />
          <NavItem to="/notifications" icon={<BellIcon />} label="Notifications" badge={<NotificationsBadge />} />
          <span className="nav__section">Connections</span>
          <NavItem
            to="/integrations"
            icon={<SchedulesIcon />}
            label="Integrations"
            // Its own pages, not the Conversations section that lives under the same path.
            activeWhen={(p) => p.startsWith('/integrations') && !p.startsWith('/integrations/conversations')}
          />
          <NavItem to="/integrations/conversations" icon={<ChatIcon />} label="Conversations" />
          <span className="nav__section">You</span>
          {canAdmin && <NavItem to="/settings/people" icon={<PeopleIcon />} label="People" />}
          {canAdmin && <NavItem to="/settings/audit" icon={<AuditIcon />} label="Audit log" />}
          <NavItem to="/account" icon={<PersonIcon />} label="Account" />
        </nav>
        <div className="sidebar__footer">
          <span title="Server version">{health.data?.version ? `v${health.data.version}` : ''}</span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void onSignOut()}>
            <SignOutIcon />
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<PageFallback />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}

function PageFallback() {
  return (
    <div className="page" aria-busy="true">
      <SkeletonLine width={220} height={24} />
      <SkeletonLine width="60%" />
    </div>
  );
}
