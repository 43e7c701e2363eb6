import { messageText } from '@weft/shared';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyPluginCallback } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import approvalsPlugin from '../src/approvals/plugin';
import auditPlugin from '../src/audit/plugin';
import chatPlugin from '../src/chat/plugin';
import clusterPlugin from '../src/cluster/plugin';
import { loadConfig } from '../src/config';
import draftingPlugin from '../src/drafting/plugin';
import enginePlugin from '../src/engine/plugin';
import executionsPlugin from '../src/executions/plugin';
import fixesPlugin from '../src/fixes/plugin';
import integrationsPlugin from '../src/integrations/plugin';
import livePlugin from '../src/live/plugin';
import metricsPlugin from '../src/metrics/plugin';
import modelsPlugin from '../src/model/plugin';
import clockPlugin from '../src/plugins/clock';
import configPlugin from '../src/plugins/config';
import dbPlugin from '../src/plugins/db';
import journalPlugin from '../src/plugins/journal';
import lifecyclePlugin from '../src/plugins/lifecycle';
import storagePlugin from '../src/plugins/storage';
import sessionsPlugin from '../src/sessions/plugin';
import toolsPlugin from '../src/tools/plugin';
import triggersPlugin from '../src/triggers/plugin';
import workflowsPlugin from '../src/workflows/plugin';
import tracingPlugin from '../src/tracing/plugin';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

type Plugin = FastifyPluginAsync<any> | FastifyPluginCallback<any>;
type Meta = { name: string; dependencies?: string[] };
const meta = (plugin: Plugin): Meta => (plugin as unknown as Record<symbol, Meta>)[Symbol.for('plugin-meta')]!;

/** Every plugin the capabilities stand on, with the decorators each one promises. */
const PLUGINS: { plugin: Plugin; decorates: string[] }[] = [
  { plugin: configPlugin, decorates: ['config'] },
  { plugin: metricsPlugin, decorates: ['metrics'] },
  { plugin: tracingPlugin, decorates: ['tracing'] },
  { plugin: dbPlugin, decorates: ['db', 'checkpointer'] },
  { plugin: clockPlugin, decorates: ['clock'] },
  { plugin: storagePlugin, decorates: ['storage'] },
  { plugin: journalPlugin, decorates: ['journal', 'topics'] },
  { plugin: clusterPlugin, decorates: ['cluster'] },
  { plugin: auditPlugin, decorates: ['audit', 'auditRetention'] },
  { plugin: workflowsPlugin, decorates: ['workflows', 'proposals'] },
  { plugin: sessionsPlugin, decorates: ['sessions'] },
  { plugin: executionsPlugin, decorates: ['executions'] },
  { plugin: approvalsPlugin, decorates: ['approvals', 'toolApprovals'] },
  { plugin: enginePlugin, decorates: ['engine'] },
  { plugin: modelsPlugin, decorates: ['models'] },
  { plugin: draftingPlugin, decorates: ['drafting'] },
  { plugin: fixesPlugin, decorates: ['fixes'] },
  { plugin: triggersPlugin, decorates: ['triggers', 'triggerTools'] },
  { plugin: toolsPlugin, decorates: ['tools'] },
  { plugin: chatPlugin, decorates: ['assistant'] },
  { plugin: integrationsPlugin, decorates: ['integrations'] },
  { plugin: livePlugin, decorates: ['live'] },
  { plugin: lifecyclePlugin, decorates: [] },
];
const byName = new Map(PLUGINS.map((p) => [meta(p.plugin).name, p]));
const CAPABILITIES = PLUGINS.filter((p) => !['weft-config', 'weft-db'].includes(meta(p.plugin).name));

/** `name` and everything it declares, dependencies before dependents, ordered by the declarations alone. */
function withDependencies(name: string, into: string[] = []): string[] {
  if (into.includes(name)) return into;
  const entry = byName.get(name);
  if (!entry) throw new Error(`no plugin named ${name}`);
  for (const dependency of meta(entry.plugin).dependencies ?? []) withDependencies(dependency, into);
  into.push(name);
  return into;
}

let instance: FastifyInstance | null = null;
let server: TestServer | null = null;
afterEach(async () => {
  await instance?.close();
  await server?.close();
  instance = null;
  server = null;
});

function bare(): FastifyInstance {
  instance = Fastify({ logger: false });
  return instance;
}

async function register(app: FastifyInstance, names: string[]): Promise<void> {
  const config = loadConfig({ PORT: '0', WEFT_LOG_LEVEL: 'silent', WEFT_DATA_DIR: makeDataDir(), WEFT_SYNCHRONOUS: 'NORMAL' });
  for (const name of names) await app.register(byName.get(name)!.plugin, name === 'weft-config' ? { config } : {});
}

describe('capability plugins', () => {
  const dependent = CAPABILITIES.filter((p) => (meta(p.plugin).dependencies ?? []).length > 0);
  it.each(dependent.map((p) => [meta(p.plugin).name, p] as const))('%s refuses to load without a dependency it declares', async (name, { plugin }) => {
    const dependencies = meta(plugin).dependencies!;
    // One no other dependency needs in turn, so the plugin itself is the first to miss it.
    const missing = dependencies.findLast((d) => !dependencies.some((other) => other !== d && withDependencies(other).includes(d)))!;
    const app = bare();
    // Everything else it needs.
    const present = dependencies.filter((d) => d !== missing).flatMap((d) => withDependencies(d));
    const loadable = [...new Set(present)].filter((d) => !withDependencies(d).includes(missing));
    await register(app, loadable);
    await expect(app.register(plugin).ready()).rejects.toThrow(`The dependency '${missing}' of plugin '${name}' is not registered`);
  });

  it.each(CAPABILITIES.map((p) => [meta(p.plugin).name, p] as const))(
    '%s loads from its declared dependencies alone and decorates what it promises',
    async (name, { decorates }) => {
      const app = bare();
      await register(app, withDependencies(name));
      await app.ready();
      for (const decorator of decorates) expect(app[decorator as keyof FastifyInstance], decorator).toBeDefined();
    },
  );

  it('the full app registers every capability and exposes each decorator', async () => {
    server = await startServer();
    for (const { plugin, decorates } of PLUGINS) {
      expect(server.app.hasPlugin(meta(plugin).name), meta(plugin).name).toBe(true);
      for (const decorator of decorates) expect(server.app.hasDecorator(decorator), decorator).toBe(true);
    }
    expect(server.app.hasDecorator('services')).toBe(false);
  });
});

describe('closing', () => {
  it('stops the engine first and closes the journal last, after sessions flushed and integrations stopped, before the database', async () => {
    server = await startServer();
    const { app } = server;
    const calls: string[] = [];
    const record = <T extends object, K extends keyof T>(target: T, key: K, label: string) => {
      const original = target[key] as (...args: unknown[]) => unknown;
      target[key] = ((...args: unknown[]) => {
        calls.push(label);
        return original.apply(target, args);
      }) as T[K];
    };
    record(app.engine, 'stop', 'engine.stop');
    record(app.triggers.scheduler, 'stop', 'scheduler.stop');
    record(app.assistant, 'cancelAll', 'assistant.cancelAll');
    record(app.sessions, 'flushAll', 'sessions.flushAll');
    record(app.integrations, 'stop', 'integrations.stop');
    record(app.journal, 'close', 'journal.close');
    record(app.db, 'close', 'db.close');
    await server.close();
    expect(calls).toEqual(['engine.stop', 'scheduler.stop', 'assistant.cancelAll', 'sessions.flushAll', 'integrations.stop', 'journal.close', 'db.close']);
  });

  it('writes the text sessions still hold, so it is in the journal and the message after a restart', async () => {
    server = await startServer();
    const { sessions } = server.app;
    const session = sessions.createSession({});
    const message = sessions.createMessage({ sessionId: session.id, role: 'assistant', status: 'streaming' });
    // Streamed text is held up to 40 ms before it is written. Its timer is a fake one that never
    // fires, so only the close can write the text.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      sessions.appendDelta({ messageId: message.id, deltaSeq: 1, partIndex: 0, op: { kind: 'append_text', text: 'said just before the close' } });
    } finally {
      vi.useRealTimers();
    }
    const { dataDir } = server;
    await server.close();

    server = await startServer({ dataDir });
    expect(messageText(server.app.sessions.getMessage(message.id))).toBe('said just before the close');
    const events = server.app.journal.read(`session:${session.id}`, 0, 100);
    expect(events.filter((e) => e.type === 'message.delta').map((e) => JSON.stringify(e.data))).toEqual([
      expect.stringContaining('said just before the close'),
    ]);
  });
});
