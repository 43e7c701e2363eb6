import { useMutation } from '@tanstack/react-query';
import type { AskScope } from '@weft/shared';
import { useState } from 'react';
import { approvalsApi, type InboxApproval } from '../api/approvals';
import { isApiError } from '../api/http';
import { approvalsStore } from './approvals-store';
import { refusalOf } from './ApprovalTally';

export type DecisionChoice = { decision: 'approve' | 'deny'; comment?: string; scope?: AskScope };

/**
 * Deciding one approval from a card: the request, what stands after a 409 (someone decided first,
 * it expired, or its run ended: the card then shows that decision), and why this person may not
 * decide (`mayDecide`/`whyNot` from the server, or a 403 `not_an_approver` answered anyway).
 */
export function useDecision({
  approval,
  onLateDecision,
  whyNotFallback,
}: {
  approval: InboxApproval;
  onLateDecision?: ((id: string) => void) | undefined;
  whyNotFallback: string;
}) {
  const [conflict, setConflict] = useState(false);
  const decide = useMutation({
    mutationFn: async ({ decision, comment, scope }: DecisionChoice) => {
      const text = comment?.trim() ?? '';
      try {
        return await approvalsApi.decide({ id: approval.id, decision, ...(text !== '' ? { comment: text } : {}), ...(scope !== undefined ? { scope } : {}) });
      } catch (error) {
        if (isApiError(error) && error.status === 409) {
          setConflict(true);
          onLateDecision?.(approval.id);
          return approvalsApi.get(approval.id);
        }
        throw error;
      }
    },
    onSuccess: (result) => approvalsStore.upsert(result),
  });
  const whyNot = refusalOf(decide.error) ?? (approval.mayDecide === false ? (approval.whyNot ?? whyNotFallback) : null);
  return { decide, conflict, whyNot };
}
