import { DraftTrigger } from '@weft/shared';
import { z } from 'zod';

/**
 * What a model answers when drafting: the definition (checked separately by
 * `validateWorkflowDefinition`, which gives far better messages than a schema
 * here could), an optional trigger and what the definition does not cover.
 */
export const DraftAnswer = z.strictObject({
  definition: z.unknown().refine((value) => value !== undefined, { error: 'required' }),
  trigger: DraftTrigger.optional(),
  /** The parts of the request no step represents; optional so an older answer still parses. */
  unhandled: z.array(z.string()).optional(),
  /** False: the request could not be read at all (the offline drafter's placeholder). */
  understood: z.boolean().optional(),
});
export type DraftAnswer = z.infer<typeof DraftAnswer>;

/**
 * `DraftAnswer` as JSON Schema, for native structured outputs. The definition
 * is left open: it is recursive (loops and conditionals nest steps), which
 * structured-output grammars do not support, and the validator is what
 * decides whether it is right. A server that refuses this schema makes the
 * provider fall back to asking for JSON in the prompt.
 */
export const DRAFT_ANSWER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    definition: { type: 'object', description: 'The complete workflow definition: { name, description?, inputs?, requires?, steps }.' },
    unhandled: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Every part of the request that no step of the definition carries out, quoted briefly (e.g. "if any disk is over 80%"). Empty only when every part is drafted.',
    },
    trigger: {
      description: 'The suggested trigger; leave it out for a workflow started by hand.',
      anyOf: [
        {
          type: 'object',
          properties: {
            type: { type: 'string', const: 'schedule' },
            schedule: {
              type: 'object',
              properties: {
                cron: { type: 'string', description: 'Five-field cron: minute hour day-of-month month day-of-week.' },
                timezone: { type: 'string', description: 'IANA timezone, e.g. Europe/Paris.' },
              },
              required: ['cron'],
              additionalProperties: false,
            },
          },
          required: ['type', 'schedule'],
          additionalProperties: false,
        },
        { type: 'object', properties: { type: { type: 'string', const: 'webhook' } }, required: ['type'], additionalProperties: false },
        { type: 'object', properties: { type: { type: 'string', const: 'manual' } }, required: ['type'], additionalProperties: false },
      ],
    },
  },
  required: ['definition', 'unhandled'],
  additionalProperties: false,
} as const;
