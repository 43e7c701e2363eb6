import { DraftRequest, DraftStepRequest, type DraftResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { abortOnClose } from '../http/abort-on-close';
import { parseRequest } from '../http/parse';

const draftingRoutes: FastifyPluginAsync = async (app) => {
  const drafting = app.drafting;

  // A client that goes away stops the model request it started.
  app.post('/api/workflows/draft', async (request, reply): Promise<DraftResponse> => {
    const body = parseRequest(DraftRequest, request.body, 'body');
    return drafting.draft({ prompt: body.prompt, baseDraft: body.baseDraft, timezone: body.timezone, signal: abortOnClose(reply.raw) });
  });

  app.post('/api/workflows/draft/step', async (request, reply): Promise<DraftResponse> => {
    const body = parseRequest(DraftStepRequest, request.body, 'body');
    return drafting.draftStep({ definition: body.definition, stepId: body.stepId, prompt: body.prompt, signal: abortOnClose(reply.raw) });
  });
};

export default draftingRoutes;
