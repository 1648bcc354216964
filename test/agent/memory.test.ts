/** The agent's memory keeper (agent/memory.ts): a full collection when edits leave memory outside the heap. */
import { describe, expect, it } from 'vitest';
import { HELD_BYTES, LOOK_EVERY_MS, MemoryKeeper } from '../../src/agent/memory.ts';

const log = { debug: () => undefined };

describe('MemoryKeeper', () => {
  it('collects when more than HELD_BYTES of ArrayBuffers are held, at most once per LOOK_EVERY_MS', async () => {
    const held = new Uint8Array(HELD_BYTES * 2).fill(1); // what edits leave behind
    const calls: unknown[] = [];
    let t = 100_000;
    const m = new MemoryKeeper(
      log,
      (opts) => void calls.push(opts),
      () => t,
    );
    m.activity();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([{ type: 'major', execution: 'async' }]);
    expect(m.collections).toBe(1);
    t += LOOK_EVERY_MS - 1;
    m.activity();
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    t += 1;
    m.activity();
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(2);
    expect(held[0]).toBe(1);
  });

  it('does nothing without --expose-gc', () => {
    expect(() => new MemoryKeeper(log, undefined).activity()).not.toThrow();
  });

  it('the agent is started with --expose-gc (its flags, as autostart and the service units run it)', async () => {
    const { AGENT_NODE_FLAGS } = await import('../../src/home/paths.ts');
    expect(AGENT_NODE_FLAGS).toContain('--expose-gc');
  });
});
