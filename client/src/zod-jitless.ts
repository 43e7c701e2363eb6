import { z } from 'zod';

/**
 * The server's Content-Security-Policy forbids eval, and zod probes for it (`new Function`) when
 * each object schema is built: its JIT is only a speed-up, so turn it off. Imported first by
 * main.tsx, before any module builds a schema.
 */
z.config({ jitless: true });
