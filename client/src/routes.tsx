import { AuditPage } from './audit/AuditPage';
import './auth/sign-in.css';
import { DEFAULT_RETURN_PATH, safeReturnPath } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { lazy } from 'react';
import { probeSession } from './api/auth';
import { Navigate, useNavigate, useRouteError, useSearchParams, type RouteObject } from 'react-router';
import { ApprovalsPage } from './approvals/ApprovalsPage';
import { InvitePage } from './auth/InvitePage';
import { SignInPage } from './auth/SignInPage';
import { describeError } from './components/Panels';
import { ExecutionsPage } from './executions/ExecutionsPage';
import { AuthGate } from './shell/AuthGate';
import { NotificationsPage } from './notifications/NotificationsPage';
import { NotFoundPage } from './shell/NotFoundPage';
import { Shell } from './shell/Shell';
import { SchedulesPage } from './triggers/SchedulesPage';
import { WorkflowsPage } from './workflows/WorkflowsPage';

// Pages that draw diagrams load React Flow and dagre on demand.
const WorkflowPage = lazy(() => import('./workflows/WorkflowPage').then((m) => ({ default: m.WorkflowPage })));
const NewWorkflowPage = lazy(() => import('./workflows/NewWorkflowPage').then((m) => ({ default: m.NewWorkflowPage })));
const VersionComparePage = lazy(() => import('./workflows/compare/VersionComparePage').then((m) => ({ default: m.VersionComparePage })));
const EditWorkflowPage = lazy(() => import('./workflows/EditWorkflowPage').then((m) => ({ default: m.EditWorkflowPage })));
const ExecutionPage = lazy(() => import('./executions/ExecutionPage').then((m) => ({ default: m.ExecutionPage })));
const ChatSessionsPage = lazy(() => import('./chat/ChatSessionsPage').then((m) => ({ default: m.ChatSessionsPage })));
const AccountPage = lazy(() => import('./people/AccountPage').then((m) => ({ default: m.AccountPage })));
const PeoplePage = lazy(() => import('./people/PeoplePage').then((m) => ({ default: m.PeoplePage })));
const ChatSessionPage = lazy(() => import('./chat/ChatSessionPage').then((m) => ({ default: m.ChatSessionPage })));

function SignInRoute() {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const reason = search.get('reason') === 'link' ? 'link' : undefined;
  // Where the user was going, if it is a path here (never another site), else the chat.
  const next = safeReturnPath(search.get('next')) ?? DEFAULT_RETURN_PATH;
  // Already signed in (a second tab, the back button): the app, not the form again.
  const me = useQuery({ queryKey: ['session-probe'], queryFn: ({ signal }) => probeSession(signal), retry: false, gcTime: 0 });
  if (me.isSuccess) return <Navigate to={next} replace />;
  return <SignInPage reason={reason} onSignedIn={() => void navigate(next, { replace: true })} />;
}

function RouteError() {
  const error = useRouteError();
  return (
    <main className="signin">
      <div className="panel panel--error" role="alert" style={{ maxWidth: 520 }}>
        <p className="panel__title">This page failed to load</p>
        <p className="panel__text">{describeError(error)}</p>
        <div className="panel__actions">
          <button type="button" className="btn" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </div>
    </main>
  );
}

export const routes: RouteObject[] = [
  { path: '/signin', element: <SignInRoute /> },
  // Public: the invited person has no session yet.
  { path: '/invite/:code', element: <InvitePage /> },
  {
    path: '/',
    element: (
      <AuthGate>
        <Shell />
      </AuthGate>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/automation/workflows" replace /> },
      { path: 'chat', element: <ChatSessionsPage /> },
      { path: 'chat/:sessionId', element: <ChatSessionPage /> },
      { path: 'automation', element: <Navigate to="/automation/workflows" replace /> },
      { path: 'automation/workflows', element: <WorkflowsPage /> },
      { path: 'automation/workflows/new', element: <NewWorkflowPage /> },
      { path: 'automation/workflows/:id', element: <WorkflowPage /> },
      { path: 'automation/workflows/:id/edit', element: <EditWorkflowPage /> },
      { path: 'automation/workflows/:id/compare', element: <VersionComparePage /> },
      { path: 'automation/executions', element: <ExecutionsPage /> },
      { path: 'automation/executions/:id', element: <ExecutionPage /> },
      { path: 'automation/schedules-and-hooks', element: <SchedulesPage /> },
      { path: 'approvals', element: <ApprovalsPage /> },
      { path: 'notifications', element: <NotificationsPage /> },
      { path: 'account', element: <AccountPage /> },
      { path: 'settings/people', element: <PeoplePage /> },
      { path: 'settings/audit', element: <AuditPage /> },
      { path: 'integrations/*', lazy: () => import('./integrations/IntegrationsSection').then((m) => ({ Component: m.IntegrationsSection })) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
