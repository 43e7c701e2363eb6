/** Anthropic tool names allow [a-zA-Z0-9_-]; Weft's use `provider:name`. */
export const toModelToolName = (name: string) => name.replace(':', '__');
export const fromModelToolName = (name: string) => name.replace('__', ':');
