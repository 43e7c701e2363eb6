export * from './workflows';
export * from './sessions';
export * from './triggers';
