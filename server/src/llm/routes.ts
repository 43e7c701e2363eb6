import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseRequest } from '../http/parse';

const DraftRequest = z.object({
  prompt: z.string().trim().min(1).max(20_000),
  baseDraft: z.unknown().optional(),
  timezone: z.string().min(1).max(100).optional(),
});
const DraftStepRequest = z.object({
  definition: z.unknown(),
  stepId: z.string().min(1).max(64),
  prompt: z.string().trim().min(1).max(20_000),
});

const draftingRoutes: FastifyPluginAsync = async (app) => {
  const drafting = app.services.drafting;

  // A client that goes away stops the model request it started.
  const abortOnClose = (raw: import('node:http').ServerResponse) => {
    const controller = new AbortController();
    raw.on('close', () => {
      if (!raw.writableEnded) controller.abort();
    });
    return controller.signal;
  };

  app.post('/api/workflows/draft', async (request, reply) => {
    const body = parseRequest(DraftRequest, request.body, 'body');
    return drafting.draft({ prompt: body.prompt, baseDraft: body.baseDraft, timezone: body.timezone, signal: abortOnClose(reply.raw) });
  });

  app.post('/api/workflows/draft/step', async (request, reply) => {
    const body = parseRequest(DraftStepRequest, request.body, 'body');
    return drafting.draftStep({ definition: body.definition, stepId: body.stepId, prompt: body.prompt, signal: abortOnClose(reply.raw) });
  });
};

export default draftingRoutes;
