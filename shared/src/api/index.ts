export * from './workflows';
export * from './sessions';
