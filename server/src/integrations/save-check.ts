import { joinPath, toolIntegration, walkSteps, type WorkflowDefinition } from '@weft/shared';
import type { ToolRegistry } from '../tools/registry';
import type { IntegrationsRepository } from './integrations-repository';
import { templatedArgumentIssues } from './json-schema-args';

/**
 * Save-time check of `tool` steps, for tools whose integration is connected (or the built-in
 * `workflows:` tools): the tool must exist and be allowed in workflows (the registry's rule), and the arguments must fit
 * its JSON Schema wherever they are not templates. A tool of an integration that is not
 * connected, or whose tools are not known yet, is left to the run (and to the preflight). A tool
 * that cannot be called at all (`unusable`: its schema has a pattern RE2 cannot run) is refused.
 */
export function createSaveCheck({ repo, tools }: { repo: IntegrationsRepository; tools: ToolRegistry }) {
  return (definition: WorkflowDefinition): { path: string; message: string; code?: string }[] => {
    const issues: { path: string; message: string; code?: string }[] = [];
    walkSteps(definition.steps, ({ step, path }) => {
      if (step.type !== 'tool') return;
      const integration = toolIntegration(step.tool);
      if (integration !== 'workflows' && !repo.byName(integration)) return;
      const offered = tools.list({ patterns: [`${integration}:*`] });
      if (offered.length === 0) return; // an MCP server not synced yet
      const tool = offered.find((t) => t.name === step.tool);
      if (!tool) {
        const names = offered.map((t) => t.name);
        issues.push({
          path: joinPath(path, ['tool']),
          message: `unknown tool ${JSON.stringify(step.tool)}; "${integration}" offers ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`,
        });
        return;
      }
      const gate = tools.gate(tool.name, 'workflow');
      if (gate?.kind === 'refuse') {
        issues.push({ path: joinPath(path, ['tool']), message: gate.message });
        return;
      }
      if (tool.unusable) {
        issues.push({ path: joinPath(path, ['tool']), message: tool.unusable.message, code: tool.unusable.code });
        return;
      }
      for (const i of templatedArgumentIssues(tool.inputSchema, step.arguments ?? {})) {
        issues.push({ path: joinPath(path, ['arguments', ...i.path]), message: i.message });
      }
    });
    return issues;
  };
}
