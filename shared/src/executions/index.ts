export * from './inputs';
export * from './status';
export * from './api';
