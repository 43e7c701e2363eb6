import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine';
import type { LeaseRef } from '../../src/engine/types';
import { silentLogger } from '../../src/log';
import { fakeRegistry, tempDataDir } from '../helpers/engine-harness';
import { makeGrant, workflow } from '../helpers/grants';
import { MemorySink } from '../helpers/memory-sink';

describe('engine: leases', () => {
  it('knows a lease from the moment it starts: its first step sees it, synchronously', async () => {
    const seen: LeaseRef[][] = [];
    let engine!: Engine;
    // What a tool call does before its first await: look up the lease it must name.
    const { registry } = fakeRegistry({ first: async () => seen.push(engine.leases()) });
    engine = new Engine({ sink: new MemorySink(), registry, dataDir: tempDataDir(), logger: silentLogger });
    engine.start(makeGrant(workflow([{ id: 'first', type: 'bash', command: 'x' }]), { executionId: 'exe_sync', attempt: 4 }));
    await engine.whenIdle();
    expect(seen).toEqual([[{ executionId: 'exe_sync', attempt: 4 }]]);
    expect(engine.leases()).toEqual([]);
  });
});
