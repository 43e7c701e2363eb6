import type { DraftTrigger } from '@weft/shared';

/** Worked examples for the drafting prompt; each definition is checked by the validator in tests. */
export interface DraftingExample {
  readonly request: string;
  readonly answer: { readonly definition: Record<string, unknown>; readonly trigger?: DraftTrigger };
}

export const DRAFTING_EXAMPLES: readonly DraftingExample[] = [
  {
    request: 'Every weekday at 9, list the open GitHub issues, summarise them and post the summary here.',
    answer: {
      definition: {
        name: 'Weekday issue summary',
        description: 'Every weekday at 9, list the open GitHub issues, summarise them and post the summary here.',
        steps: [
          { id: 'list_issues', name: 'List open issues', type: 'bash', command: 'gh issue list --state open --limit 50' },
          {
            id: 'summarize',
            name: 'Summarise the issues',
            type: 'agent_prompt',
            prompt: 'Summarise these open issues in five bullet points, most urgent first:\n\n{{ steps.list_issues.output.stdout }}',
          },
          { id: 'post_summary', name: 'Post summary', type: 'notify', message: '{{ steps.summarize.output.text }}' },
        ],
      },
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'UTC' } },
    },
  },
  {
    request: 'Every 15 minutes fetch https://status.example.com/api/health; if its status is not "ok", ask Claude to explain the response and alert me.',
    answer: {
      definition: {
        name: 'Health check',
        steps: [
          {
            id: 'fetch_health',
            name: 'Fetch health',
            type: 'http',
            method: 'GET',
            url: 'https://status.example.com/api/health',
            retry: { maxAttempts: 3, backoffSeconds: 10 },
          },
          {
            id: 'check_health',
            name: 'Unhealthy?',
            type: 'conditional',
            condition: 'steps.fetch_health.output.body.status != "ok"',
            then: [
              {
                id: 'explain',
                name: 'Explain the failure',
                type: 'agent_prompt',
                prompt: 'The health check answered:\n{{ steps.fetch_health.output.body }}\n\nExplain in two sentences what is wrong.',
              },
              { id: 'alert', name: 'Alert me', type: 'notify', message: 'Health check failed: {{ steps.explain.output.text }}' },
            ],
          },
        ],
      },
      trigger: { type: 'schedule', schedule: { cron: '*/15 * * * *', timezone: 'UTC' } },
    },
  },
  {
    request: 'Deploy a version I give to eu-west-1 and us-east-1 with ./deploy.sh, but only after I approve, then tell me it is done.',
    answer: {
      definition: {
        name: 'Deploy to all regions',
        inputs: { version: { type: 'string', required: true, description: 'The version to deploy' } },
        steps: [
          { id: 'confirm_deploy', name: 'Confirm deploy', type: 'approval', message: 'Deploy {{ inputs.version }} to eu-west-1 and us-east-1?' },
          {
            id: 'each_region',
            name: 'For each region',
            type: 'loop',
            over: ['eu-west-1', 'us-east-1'],
            as: 'region',
            steps: [{ id: 'deploy_region', name: 'Deploy', type: 'bash', command: './deploy.sh {{ inputs.version }} {{ region }}', timeoutSeconds: 600 }],
          },
          { id: 'announce', name: 'Announce', type: 'notify', message: 'Deployed {{ inputs.version }} to {{ steps.each_region.output.count }} regions.' },
        ],
      },
      trigger: { type: 'manual' },
    },
  },
];
