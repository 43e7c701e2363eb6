import { z } from 'zod';
import { defineTool, type ToolContext } from '../../src/tools/tool';

/**
 * `test:wipe`, a destructive tool a workflow may call: every call is held for a person's decision.
 * `onRun` sees what really ran (the target, and the context it ran with).
 */
export function wipeTool(onRun: (target: string, ctx: ToolContext) => void) {
  return defineTool({
    name: 'test:wipe',
    description: 'a destructive test tool',
    args: z.object({ target: z.string() }),
    effect: 'destructive',
    inWorkflows: 'allowed',
    run: (args: { target: string }, ctx) => {
      onRun(args.target, ctx);
      return { wiped: args.target };
    },
  });
}
