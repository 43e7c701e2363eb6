import type { AuditEntry } from '@weft/shared';

const HEADER = ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target_kind', 'target_id', 'details'];

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A cell a
 * spreadsheet would read as a formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`
 * first: actor names, trigger keys and details are typed by people, and opening the export must
 * not run anything they wrote.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The entries as a CSV file: a header row, then one row per entry, CRLF line ends. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) =>
    [e.id, e.at, e.actor.kind, e.actor.id, e.actor.name, e.action, e.target.kind, e.target.id, JSON.stringify(e.details)].map(csvCell).join(','),
  );
  return `${[HEADER.join(','), ...rows].join('\r\n')}\r\n`;
}
