export * from './fix';
export * from './feeders';
export * from './fix-value';
export * from './rerun-from';
