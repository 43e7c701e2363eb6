/**
 * Well-known things a request may ask to look at, and the shell command that
 * shows each. Small on purpose: a phrase not in this table is never guessed.
 */
export interface KnownCommand {
  readonly id: string;
  readonly name: string;
  readonly command: string;
  readonly pattern: RegExp;
}

export const KNOWN_COMMANDS: readonly KnownCommand[] = [
  { id: 'check_disk', name: 'Check disk space', command: 'df -h', pattern: /\b(?:disk\s+(?:space|usage)|free\s+space|storage\s+space)\b/i },
  { id: 'check_memory', name: 'Check memory usage', command: 'free -m', pattern: /\b(?:memory(?:\s+usage)?|free\s+memory|ram\s+usage)\b/i },
  { id: 'check_load', name: 'Check uptime and load', command: 'uptime', pattern: /\b(?:uptime|system\s+load|load\s+average|cpu\s+load)\b/i },
  {
    id: 'list_issues',
    name: 'List open issues',
    command: 'gh issue list --state open --limit 50',
    pattern: /\b(?:open|github|new|the|our|my)\s+issues\b|\bissue\s+list\b/i,
  },
  {
    id: 'list_prs',
    name: 'List open pull requests',
    command: 'gh pr list --state open --limit 50',
    pattern: /\b(?:(?:open|github|new|the|our|my)\s+)(?:pull\s+requests|prs)\b/i,
  },
  { id: 'list_containers', name: 'List running containers', command: 'docker ps', pattern: /\b(?:running\s+|docker\s+)+containers\b/i },
  {
    id: 'recent_commits',
    name: 'List recent commits',
    command: 'git log --since="24 hours ago" --oneline',
    pattern: /\b(?:today'?s|recent|latest|last|new|yesterday'?s)\s+commits\b|\bgit\s+log\b/i,
  },
  { id: 'git_status', name: 'Show git status', command: 'git status --short', pattern: /\bgit\s+status\b/i },
  { id: 'failed_services', name: 'List failed services', command: 'systemctl --failed --no-pager', pattern: /\bfailed\s+(?:systemd\s+)?(?:services|units)\b/i },
  {
    id: 'read_error_logs',
    name: 'Read recent error logs',
    command: 'journalctl -p err -n 100 --no-pager',
    pattern: /\berrors?\s+(?:in|from)\s+the\s+(?:system\s+)?logs?\b|\berror\s+logs?\b|\b(?:system|server)\s+logs?\b/i,
  },
  { id: 'list_files', name: 'List files', command: 'ls -la', pattern: /\blist\s+(?:the\s+|all\s+)?files\b|\bdirectory\s+listing\b/i },
  { id: 'outdated_packages', name: 'List outdated packages', command: 'npm outdated', pattern: /\boutdated\s+(?:npm\s+)?(?:packages|dependencies|deps)\b/i },
];

/** The first table entry the text mentions, with where it was said. */
export function findKnownCommand(text: string): { entry: KnownCommand; index: number } | null {
  let best: { entry: KnownCommand; index: number } | null = null;
  for (const entry of KNOWN_COMMANDS) {
    const match = entry.pattern.exec(text);
    if (match !== null && (best === null || match.index < best.index)) best = { entry, index: match.index };
  }
  return best;
}
