import { afterAll } from 'vitest';
import { parseAllowList, parseNat64Prefixes } from '../../src/net/address-policy';
import { createOutboundClient, type OutboundClient } from '../../src/net/outbound-client';
import { createBashStep } from '../../src/steps/bash';
import { createHttpStep } from '../../src/steps/http';
import { createNotifyStep, type Notifier } from '../../src/steps/notify';
import type { NotifyDestination, NotifyRequest } from '@weft/shared';
import { builtinStepHandlers, createStepRegistry } from '../../src/steps/registry';
import type { LeafStepType, StepHandler } from '../../src/steps/types';

/** What a runner would pass to its step processes, from this test process's own PATH. */
export const TEST_STEP_ENVIRONMENT = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

const clients: OutboundClient[] = [];
// Registered on the importing test file (modules are evaluated per file).
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/**
 * An outbound client under `WEFT_HTTP_ALLOW=<allow>`, `WEFT_OUTBOUND_NAT64_PREFIXES=<nat64Prefixes>`
 * (and `WEFT_HTTP_DENY_PRIVATE=1` when asked).
 */
export function testOutbound({
  allow = '',
  denyPrivate = false,
  nat64Prefixes = '',
}: {
  allow?: string;
  denyPrivate?: boolean;
  nat64Prefixes?: string;
} = {}): OutboundClient {
  const parsed = parseAllowList(allow);
  const nat64 = parseNat64Prefixes(nat64Prefixes);
  if (parsed.problems.length + nat64.problems.length > 0) throw new Error([...parsed.problems, ...nat64.problems].join('; '));
  const client = createOutboundClient({ allow: parsed.entries, denyPrivate, nat64Prefixes: nat64.prefixes });
  clients.push(client);
  return client;
}

/** Tests serve HTTP on 127.0.0.1, which the default policy refuses. */
export const localOutbound = () => testOutbound({ allow: '127.0.0.1' });

export const testBashStep = () => createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'test-runner' });
export const testHttpStep = (outbound: OutboundClient = localOutbound()) => createHttpStep({ outbound });
/** A notifier that records what the step asked the server and answers like a server would (`answer`). */
export function recordingNotifier(
  answer: (request: Omit<NotifyRequest, 'attempt'>) => NotifyDestination[] | Promise<NotifyDestination[]> = (r) => [r.channel ?? 'inbox'],
) {
  const requests: Omit<NotifyRequest, 'attempt'>[] = [];
  const notifier: Notifier = async (request) => {
    requests.push(request);
    return answer(request);
  };
  return { notifier, requests };
}

export const testNotifyStep = (outbound: OutboundClient = localOutbound(), notifier: Notifier = recordingNotifier().notifier) =>
  createNotifyStep({ outbound, notifier });

/** A handler for a step type a test does not run: running one fails the step, loudly. */
export function notInThisTest<T extends LeafStepType>(type: T): StepHandler<T> {
  return { type, run: () => Promise.reject(new Error(`${type} steps are not set up in this test`)) };
}

/** The runner's built-in steps, as `main.ts` registers them, with local HTTP allowed; no model or tools. */
export const testRegistry = () =>
  createStepRegistry({
    ...builtinStepHandlers({
      environment: TEST_STEP_ENVIRONMENT,
      outbound: localOutbound(),
      runnerName: 'test-runner',
      notifier: recordingNotifier().notifier,
    }),
    agent_prompt: notInThisTest('agent_prompt'),
    tool: notInThisTest('tool'),
  });
