import type { ParsedChatCommand } from '@weft/shared';
import { DEFAULT_SESSION_TITLE } from '../sessions/sessions-service';
const MAX_TITLE = 60;

/**
 * A chat's title from its first request: the workflow a `/run` starts, else the request's first
 * line cut at a word. Null keeps the title: one the person chose, or a first message that names
 * nothing (`/help`, a refused command).
 */
export function titleFromRequest({ current, content, command }: { current: string; content: string; command: ParsedChatCommand | null }): string | null {
  if (current !== DEFAULT_SESSION_TITLE) return null;
  if (command) return command.ok && command.command.name === 'run' ? command.command.workflow.slice(0, MAX_TITLE) : null;
  const line = content.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  if (line.length <= MAX_TITLE) return line;
  const cut = line.slice(0, MAX_TITLE);
  const space = cut.lastIndexOf(' ');
  return `${space > MAX_TITLE / 2 ? cut.slice(0, space) : cut}…`;
}
