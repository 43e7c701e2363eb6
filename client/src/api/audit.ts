import { AuditListResponse } from '@weft/shared';
import { request } from './http';

/** The filters the Audit page sends; blank ones are left out. */
export type AuditFilters = { actor: string; action: string; target: string };

export const auditKeys = { list: (filters: AuditFilters) => ['audit', filters] as const };

/** `?actor=…&action=…&target=…` with the blank filters left out (and `before` when paging). */
export function auditSearch(filters: AuditFilters, before?: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value.trim() !== '') params.set(key, value.trim());
  if (before !== undefined) params.set('before', String(before));
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

export function fetchAuditPage(filters: AuditFilters, before: number | undefined, signal?: AbortSignal): Promise<AuditListResponse> {
  return request(`/api/audit${auditSearch(filters, before)}`, { schema: AuditListResponse, ...(signal ? { signal } : {}) });
}

/** The CSV export of the same filters (a download: the browser sends the session cookie). */
export const auditCsvHref = (filters: AuditFilters) => `/api/audit.csv${auditSearch(filters)}`;
