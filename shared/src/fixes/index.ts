export * from './fix';
export * from './rerun-from';
