import { Notification, NOTIFICATIONS_TOPIC, type JournalEventEnvelope } from '@weft/shared';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { topicHead } from '../api/events';
import { useTopic } from '../api/live-socket';
import { notificationKeys, notificationsApi } from '../api/notifications';
import { isMissingEndpoint } from '../components/Panels';

/** How many the page loads at once, and the badge (which reads only `unreadCount`). */
export const NOTIFICATIONS_PAGE = 50;

/**
 * The inbox, live: the newest notifications (all, or only unread) and the unread count, refetched
 * whenever the `notifications` topic says something changed. `onCreated` sees each notification
 * that arrives while mounted (not the ones already there), for the browser's notifications.
 */
export function useNotificationsFeed({ unread = false, onCreated }: { unread?: boolean; onCreated?: (n: Notification) => void } = {}) {
  const queryClient = useQueryClient();
  // The head is read once, before the first page: nothing committed after it can be missed.
  const head = useQuery({
    queryKey: notificationKeys.head(),
    queryFn: ({ signal }) =>
      topicHead(NOTIFICATIONS_TOPIC, signal).catch((error: unknown) => {
        if (isMissingEndpoint(error)) return null;
        throw error;
      }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  // Pages follow `before` (the last id of the page above); a refetch after an event reloads them in
  // order from the newest, so loaded older pages stay contiguous when new ones arrive.
  const list = useInfiniteQuery({
    queryKey: notificationKeys.list({ unread }),
    queryFn: ({ signal, pageParam }) => notificationsApi.list({ unread, limit: NOTIFICATIONS_PAGE, ...(pageParam ? { before: pageParam } : {}) }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.notifications.length === NOTIFICATIONS_PAGE ? last.notifications.at(-1)?.id : undefined),
    enabled: head.isSuccess,
  });
  const created = useRef(onCreated);
  created.current = onCreated;
  useTopic(
    NOTIFICATIONS_TOPIC,
    (event: JournalEventEnvelope) => {
      if (event.type === 'notification.created') {
        const parsed = Notification.safeParse(event.data);
        if (parsed.success) created.current?.(parsed.data);
      }
      void queryClient.invalidateQueries({ queryKey: [...notificationKeys.all, 'list'] });
    },
    { after: head.data ?? 0, enabled: typeof head.data === 'number' },
  );
  return {
    isPending: head.isPending || list.isPending,
    error: head.error ?? list.error,
    notifications: list.data?.pages.flatMap((page) => page.notifications) ?? [],
    unreadCount: list.data?.pages[0]?.unreadCount ?? 0,
    hasOlder: list.hasNextPage,
    loadingOlder: list.isFetchingNextPage,
    loadOlder: () => void list.fetchNextPage(),
  };
}
