export * from './inputs';
export * from './status';
export * from './api';
export * from './step-log';
export * from './usage';
