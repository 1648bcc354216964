import { describe, expect, it } from 'vitest';
import { chosen, GUARD_WINDOW_MS, ReapplyGuard } from '../../src/agent/policy.ts';

describe('ReapplyGuard', () => {
  it('allows `limit` re-applies a minute, then trips once and stays paused', () => {
    const g = new ReapplyGuard(() => 3);
    expect([0, 1000, 2000].map((t) => g.attempt('codex', t))).toEqual(['allowed', 'allowed', 'allowed']);
    expect(g.attempt('codex', 3000)).toBe('tripped');
    expect(g.attempt('codex', 4000)).toBe('paused');
    // Still paused after the window: only the user resumes it.
    expect(g.attempt('codex', 3000 + GUARD_WINDOW_MS * 2)).toBe('paused');
    // Other tools are counted apart.
    expect(g.attempt('claude-code', 4000)).toBe('allowed');
  });

  it('attempts older than a minute do not count', () => {
    const g = new ReapplyGuard(() => 2);
    expect(g.attempt('codex', 0)).toBe('allowed');
    expect(g.attempt('codex', 10_000)).toBe('allowed');
    expect(g.attempt('codex', GUARD_WINDOW_MS + 1)).toBe('allowed');
    expect(g.attempt('codex', GUARD_WINDOW_MS + 2)).toBe('tripped');
  });

  it('reset (the user took over or restored) starts afresh', () => {
    const g = new ReapplyGuard(() => 1);
    g.attempt('crush', 0);
    expect(g.attempt('crush', 1)).toBe('tripped');
    g.reset('crush');
    expect(g.attempt('crush', 2)).toBe('allowed');
  });
});

describe('chosen (autoReapply / autoTakeoverNew)', () => {
  it('true = every tool, a list = those, false = none', () => {
    expect(chosen(true, 'codex')).toBe(true);
    expect(chosen(false, 'codex')).toBe(false);
    expect(chosen(['codex'], 'codex')).toBe(true);
    expect(chosen(['codex'], 'crush')).toBe(false);
  });
});
