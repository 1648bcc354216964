import { describe, expect, it } from 'vitest';
import unusedTls from '../../src/agent/unused-module.ts';

describe("node-ipc's TLS transport in the agent", () => {
  it('is refused in words if anything reaches for it', () => {
    expect(() => unusedTls.createServer()).toThrow(/not supported in gwctl's agent: node-ipc's TLS transport/);
    expect(() => unusedTls.connect()).toThrow(/not supported/);
  });
});
