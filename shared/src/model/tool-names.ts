/**
 * Anthropic tool names allow [a-zA-Z0-9_-]; Weft's are `provider:name`. The one mapping both the
 * chat assistant and agent steps use, in the tool specs they send and the calls they read back.
 */
export const toModelToolName = (name: string): string => name.replace(':', '__');
export const fromModelToolName = (name: string): string => name.replace('__', ':');
