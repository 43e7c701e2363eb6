export * from './workflows';
export * from './sessions';
export * from './triggers';
export * from './integrations';
export * from './auth';
export * from './drafts';
export * from './tools';
export * from './workflow-transfer';
