import { Route, Routes } from 'react-router';
import { ConversationsPage } from './ConversationsPage';
import { IntegrationsPage } from './IntegrationsPage';

/** `/integrations` and `/integrations/conversations`, mounted by one route entry (`integrations/*`). */
export function IntegrationsSection() {
  return (
    <Routes>
      <Route index element={<IntegrationsPage />} />
      <Route path="conversations" element={<ConversationsPage />} />
    </Routes>
  );
}
