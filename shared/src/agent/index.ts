export * from './ask';
export * from './builtin-tools';
export * from './limits';
export * from './pricing';
export * from './tool-policy';
