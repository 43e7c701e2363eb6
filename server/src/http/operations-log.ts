import type { FastifyBaseLogger } from 'fastify';

/**
 * What services log through: the server's pino logger (one JSON line per event, or a readable
 * line with WEFT_LOG_FORMAT=pretty). Lines about a run carry `executionId`, and `stepId` when they
 * concern a step, so `grep ex_…` follows one run through server and runner logs.
 */
export type OperationsLog = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
