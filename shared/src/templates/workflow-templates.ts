import type { DraftTrigger } from '../api/drafts';
import type { WorkflowDefinition } from '../workflow/schema';

/**
 * Starting points for a new workflow, shipped in shared so the client offers them without a request
 * and a test can validate and run every one. Each is a complete, valid definition.
 */
export type WorkflowTemplate = {
  /** Stable, URL-safe. */
  id: string;
  title: string;
  /** One sentence for the gallery card. */
  summary: string;
  /** What a run needs beyond Weft itself (an integration, network access, a model); empty: runs as is, offline. */
  needs: string[];
  definition: WorkflowDefinition;
  /** The trigger the new-workflow page pre-fills; none: started by hand. */
  trigger?: DraftTrigger;
};

/** A blank workflow: the smallest valid one (a workflow needs at least one step). */
export const EMPTY_WORKFLOW: WorkflowDefinition = {
  name: 'Untitled workflow',
  steps: [{ id: 'first_step', name: 'First step', type: 'bash', command: 'echo "Replace me with what this workflow should do"' }],
};

export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
  {
    id: 'schedule-shell-notify',
    title: 'Scheduled check with a notification',
    summary: 'Every weekday at 9:00, run a shell command and send its output to your inbox.',
    needs: [],
    trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5' } },
    definition: {
      name: 'Disk space report',
      description: 'Runs `df -h` on the runner and sends the result as a notification.',
      steps: [
        { id: 'disk_usage', name: 'Check disk usage', type: 'bash', command: 'df -h /' },
        { id: 'report', name: 'Send the report', type: 'notify', message: 'Disk usage on the runner:\n{{ steps.disk_usage.output.stdout }}' },
      ],
    },
  },
  {
    id: 'webhook-agent-summary',
    title: 'Summarise a webhook delivery',
    summary: 'When a webhook is called, an agent summarises what was sent and the summary is posted to you.',
    needs: ['A language model (offline, the summary is an "[offline]" notice)'],
    trigger: { type: 'webhook' },
    definition: {
      name: 'Webhook summary',
      description: 'Summarises each webhook delivery in a few sentences.',
      steps: [
        {
          id: 'summarise',
          name: 'Summarise the delivery',
          type: 'agent_prompt',
          prompt: 'Summarise this webhook delivery in at most three sentences for a busy reader:\n\n{{ trigger.body }}',
        },
        { id: 'post', name: 'Post the summary', type: 'notify', message: '{{ steps.summarise.output.text }}' },
      ],
    },
  },
  {
    id: 'approval-before-destructive',
    title: 'Ask before deleting files',
    summary: 'List what would be deleted, wait for a person to approve, then delete it.',
    // In the runner's sandbox a step sees only what it is given, and /tmp is its own.
    needs: ['On a sandboxed runner, the directory in its WEFT_SANDBOX_WRITE_PATHS (docs/operations.md, "Step sandbox")'],
    definition: {
      name: 'Clean up temporary files',
      description: 'Deletes *.tmp files in a directory, only after someone approves the list.',
      inputs: { directory: { type: 'string', default: '/tmp/weft-cleanup', description: 'Directory to clean' } },
      steps: [
        // A directory that does not exist yet has nothing to clean: the run goes on to ask, not fail.
        {
          id: 'preview',
          name: 'List the files',
          type: 'bash',
          command: 'if [ -d {{ inputs.directory }} ]; then find {{ inputs.directory }} -type f -name "*.tmp"; fi',
        },
        {
          id: 'confirm',
          name: 'Approve the deletion',
          type: 'approval',
          message: 'Delete these files in {{ inputs.directory }}?\n{{ steps.preview.output.stdout }}',
          // A confirmation for whoever runs it, not a second pair of eyes.
          allowSelfApproval: true,
        },
        {
          id: 'delete',
          name: 'Delete the files',
          type: 'bash',
          command: 'if [ -d {{ inputs.directory }} ]; then find {{ inputs.directory }} -type f -name "*.tmp" -delete; fi',
        },
      ],
    },
  },
  {
    id: 'http-health-check',
    title: 'HTTP health check',
    summary: 'Every 15 minutes, call a URL and tell you when it does not answer 200.',
    needs: ['Network access from the runner to the URL'],
    trigger: { type: 'schedule', schedule: { cron: '*/15 * * * *' } },
    definition: {
      name: 'Health check',
      description: 'Calls the URL; a status other than 200 (or no answer) is reported. Private and loopback addresses need WEFT_HTTP_ALLOW on the runner.',
      inputs: { url: { type: 'string', default: 'https://example.com/', description: 'The URL to check' } },
      steps: [
        {
          id: 'check',
          name: 'Call the URL',
          type: 'http',
          method: 'GET',
          url: '{{ inputs.url }}',
          timeoutSeconds: 10,
          retry: { maxAttempts: 2, backoffSeconds: 5 },
        },
        {
          id: 'healthy',
          name: 'Is it healthy?',
          type: 'conditional',
          condition: 'steps.check.output.status == 200',
          then: [{ id: 'ok', name: 'Note it', type: 'bash', command: 'echo "{{ inputs.url }} is healthy"' }],
          else: [{ id: 'alert', name: 'Alert', type: 'notify', message: '{{ inputs.url }} answered {{ steps.check.output.status }}' }],
        },
      ],
    },
  },
  {
    id: 'loop-over-items',
    title: 'Loop over a list',
    summary: 'Run the same command once per item of a list and report the results.',
    needs: [],
    definition: {
      name: 'Per-item task',
      description: 'Runs one command for every item of the `items` input.',
      inputs: { items: { type: 'array', default: ['alpha', 'beta', 'gamma'], description: 'What to loop over' } },
      steps: [
        {
          id: 'each_item',
          name: 'For each item',
          type: 'loop',
          over: 'inputs.items',
          as: 'entry',
          steps: [{ id: 'handle', name: 'Handle the item', type: 'bash', command: 'echo "handled {{ entry }} ({{ loop.index }})"' }],
        },
        { id: 'done', name: 'Report', type: 'notify', message: 'Handled {{ steps.each_item.output.count }} items.' },
      ],
    },
  },
  {
    id: 'github-issues-digest',
    title: 'GitHub issues digest',
    summary: 'Every Monday, list the open issues of a repository and send a short digest.',
    needs: ['The GitHub integration "github" (Integrations page)', 'A language model'],
    trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1' } },
    definition: {
      name: 'Issues digest',
      description: 'Lists open issues through the "github" integration and summarises them.',
      requires: ['github'],
      inputs: {
        owner: { type: 'string', description: 'Repository owner', required: true },
        repo: { type: 'string', description: 'Repository name', required: true },
      },
      steps: [
        {
          id: 'open_issues',
          name: 'List open issues',
          type: 'tool',
          tool: 'github:list_issues',
          arguments: { owner: '{{ inputs.owner }}', repo: '{{ inputs.repo }}', state: 'open', limit: 50 },
        },
        {
          id: 'digest',
          name: 'Write the digest',
          type: 'agent_prompt',
          prompt: 'Write a five-bullet digest of these open issues, most urgent first:\n\n{{ steps.open_issues.output.issues }}',
        },
        { id: 'send', name: 'Send the digest', type: 'notify', message: '{{ steps.digest.output.text }}' },
      ],
    },
  },
  {
    id: 'mcp-tool-call',
    title: 'Call an MCP tool',
    summary: 'Call one tool of a connected MCP server and send you what it answered.',
    needs: ['An MCP integration "docs" with a "search" tool (rename both to yours)'],
    definition: {
      name: 'MCP search',
      description: 'Calls the "search" tool of the MCP integration "docs".',
      requires: ['docs'],
      inputs: { query: { type: 'string', default: 'getting started', description: 'What to search for' } },
      steps: [
        { id: 'search', name: 'Search', type: 'tool', tool: 'docs:search', arguments: { query: '{{ inputs.query }}' } },
        { id: 'tell', name: 'Send the result', type: 'notify', message: 'Search results for "{{ inputs.query }}":\n{{ steps.search.output }}' },
      ],
    },
  },
  {
    id: 'retry-with-backoff',
    title: 'Retry with backoff',
    summary: 'A command that may fail at first is retried up to 5 times, waiting longer each time.',
    needs: [],
    definition: {
      name: 'Retry until ready',
      description:
        'The first step stands for a flaky command: it fails on its first two attempts ($WEFT_ATTEMPT) and succeeds on the third. Replace it with yours.',
      steps: [
        {
          id: 'flaky',
          name: 'Flaky command',
          type: 'bash',
          command: 'if [ "$WEFT_ATTEMPT" -lt 3 ]; then echo "not ready (attempt $WEFT_ATTEMPT)" >&2; exit 1; fi; echo "ready after $WEFT_ATTEMPT attempts"',
          retry: { maxAttempts: 5, backoffSeconds: 1 },
        },
        { id: 'tell', name: 'Report', type: 'notify', message: '{{ steps.flaky.output.stdout }}' },
      ],
    },
  },
];

export const workflowTemplateById = (id: string): WorkflowTemplate | null => WORKFLOW_TEMPLATES.find((t) => t.id === id) ?? null;
