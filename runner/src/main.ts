import path from 'node:path';
import { ConfigError, loadConfig, type RunnerConfig } from './config';
import { environmentWithHandoff } from './connection/handoff';
import { RunnerSession } from './connection/session';
import { createSessionNotifier } from './connection/notifier';
import { Engine } from './engine/engine';
import { createLogger, type Logger } from './log';
import { createModelFromConfig } from './llm/model-client';
import { createToolClient } from './llm/tool-client';
import { createAgentPromptStep } from './steps/agent-prompt';
import { agentWorkspaces } from './agent/workspaces';
import { createOutboundClient } from './net/outbound-client';
import { builtinStepHandlers, createStepRegistry } from './steps/registry';
import { shellPath } from './steps/child-process';
import { resolveSandbox } from './steps/sandbox';
import { createToolStep } from './steps/tool';
import { loadStepTracer, type StepTracer } from './tracing/step-tracer';
import { createGitCredentialClient, createWorkspaceManager } from './workspace/index';

/**
 * The runner process: connects to a server (failing over between those WEFT_SERVER_URL lists),
 * runs leased executions, and on SIGINT/SIGTERM stops taking work, cancels running steps,
 * delivers what it can and exits 0.
 */
async function main(): Promise<void> {
  const env = await environmentWithHandoff();
  let config: RunnerConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`weft runner: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  // The data directory holds the runner token (and, beside a server, its database and key): hidden
  // even where a shown directory (`/opt`, a write path) contains it.
  const { sandbox, problem } = resolveSandbox({
    ...config.sandbox,
    hidePaths: [config.dataDir],
    environment: config.stepEnvironment,
    shell: shellPath(),
  });
  if (problem) {
    process.stderr.write(`weft runner: ${problem}\n`);
    process.exit(2);
  }
  if (sandbox.kind === 'none' && config.sandbox.mode === 'auto') {
    log.warn('step processes run without a sandbox: they can read and write whatever this OS user can', {
      reason: sandbox.reason,
      fix: 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or set WEFT_SANDBOX=off to accept this',
    });
  }
  const session = new RunnerSession({ servers: config.servers, token: config.token, name: config.name, capacity: config.capacity, log });
  // Reads the engine's leases when a step calls a tool, after the engine below exists.
  let engine: Engine | undefined;
  const leaseAttemptOf = (executionId: string) => engine?.leases().find((lease) => lease.executionId === executionId)?.attempt;
  const tools = createToolClient({
    serverUrl: session.serverUrl,
    token: config.token,
    runnerId: session.runnerId,
    leaseAttemptOf,
    listTools: () => session.listTools(),
  });
  const notifier = createSessionNotifier({ session, leaseAttemptOf });
  const model = createModelFromConfig(config.llm);
  const outbound = createOutboundClient(config.addressPolicy);
  const workspaces = createWorkspaceManager({
    sharedRoot: path.join(config.dataDir, 'workspaces'),
    roots: config.workspaceRoots,
    addressPolicy: config.addressPolicy,
    gitCredential: createGitCredentialClient({
      serverUrl: session.serverUrl,
      token: config.token,
      runnerId: session.runnerId,
      leaseAttemptOf,
      // Asks only once the server has stored the step's `step.started`, sent over the socket.
      whenAcked: (lease, signal) => session.outbox.whenAcked(lease, signal),
    }),
    logger: log,
    ...(config.stepEnvironment.PATH ? { gitPath: config.stepEnvironment.PATH } : {}),
  });
  const agentPrompt = createAgentPromptStep({
    model,
    tools,
    workspaces: agentWorkspaces({ manager: workspaces, environment: config.stepEnvironment, sandbox, runnerName: config.name }),
  });
  const builtins = builtinStepHandlers({ environment: config.stepEnvironment, sandbox, outbound, runnerName: config.name, notifier, workspaces });
  const registry = createStepRegistry({ ...builtins, agent_prompt: agentPrompt, tool: createToolStep({ tools }) });
  const tracer = await loadStepTracer(config.tracing);
  engine = new Engine({
    sink: session.outbox,
    registry,
    dataDir: config.dataDir,
    logger: log,
    holdBeforeStep: (signal) => session.holdWhileOffline(signal),
    tracer,
    onRunEnded: (executionId) => {
      workspaces.releaseExecution(executionId).catch((error: unknown) => {
        log.warn('could not remove the workspaces of an execution', { executionId, error: error instanceof Error ? error.message : String(error) });
      });
    },
  });
  log.info('runner starting', {
    servers: config.servers.map((server) => server.httpUrl),
    runnerName: config.name,
    capacity: config.capacity,
    runnerId: session.runnerId,
    model: model.model,
    traces: config.tracing?.url ?? 'off',
    sandbox: sandbox.kind === 'bwrap' ? sandbox.bwrap : `off (${sandbox.reason})`,
  });
  session.start(engine);
  installShutdown({ engine, session, tracer, log });
}

function installShutdown({ engine, session, tracer, log }: { engine: Engine; session: RunnerSession; tracer: StepTracer | undefined; log: Logger }): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(0);
    }
    stopping = true;
    log.info('stopping: no new work, canceling running steps', { signal, running: engine.size });
    void (async () => {
      try {
        await engine.shutdown('runner shutting down');
        await session.stop({ drainMs: 5_000 });
        // The spans of the steps just canceled, and any still batched; an unreachable collector gets 5 s.
        if (tracer) await Promise.race([tracer.shutdown(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      } catch (error) {
        log.error('error while stopping', { error: error instanceof Error ? error.message : String(error) });
      }
      process.exit(0);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`weft runner: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
