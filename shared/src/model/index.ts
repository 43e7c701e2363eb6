export * from './stream-events';
export * from './turn-assembler';
export * from './failover';
export * from './provider';
