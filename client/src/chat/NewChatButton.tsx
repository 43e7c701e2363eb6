import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { sessionKeys, sessionsApi } from '../api/sessions';
import { PlusIcon } from '../components/icons';

export function NewChatButton({ primary = false }: { primary?: boolean }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => sessionsApi.create(),
    onSuccess: (session) => {
      void queryClient.invalidateQueries({ queryKey: sessionKeys.list() });
      void navigate(`/chat/${encodeURIComponent(session.id)}`);
    },
  });
  return (
    <button
      type="button"
      className={primary ? 'btn btn--primary' : 'btn'}
      disabled={create.isPending}
      onClick={() => create.mutate()}
      title={create.isError ? 'Could not start a chat' : undefined}
    >
      <PlusIcon />
      {create.isPending ? 'Starting…' : 'New chat'}
    </button>
  );
}
