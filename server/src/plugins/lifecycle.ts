import fp from 'fastify-plugin';

/**
 * Starts and stops the capabilities' background work in one written-down order. Per-plugin hooks
 * cannot express it: Fastify runs onClose hooks in reverse registration order, but the engine
 * both starts first and stops first, and the journal closes only after the sessions flushed what
 * they hold and the integrations stopped. Registered after the capabilities, this onClose runs
 * before the db plugin's (which closes the database) and after the sockets' (registered later).
 */
export default fp(
  async (app) => {
    const { engine, triggers, integrations, assistant, sessions, journal } = app;
    app.addHook('onReady', async () => {
      engine.start();
      triggers.scheduler.start();
      integrations.start();
    });
    app.addHook('onClose', async () => {
      engine.stop();
      triggers.scheduler.stop();
      await assistant.cancelAll();
      sessions.flushAll();
      await integrations.stop();
      journal.close();
    });
  },
  { name: 'weft-lifecycle', dependencies: ['weft-journal', 'weft-sessions', 'weft-engine', 'weft-triggers', 'weft-chat', 'weft-integrations'] },
);
