/**
 * Crash safety, long: 240 cycles (takeover → drift → re-apply → restore) over every fixture
 * case, each of the 720 gwctl steps SIGKILLed at a random time or at its n-th write.
 * Seed: GWCTL_RELIABILITY_SEED (printed with the figures).
 */
import { describe, expect, it } from 'vitest';
import { crashCycles } from './lib/crash.ts';
import { figure } from './lib/common.ts';

describe('crash safety', () => {
  it('240 cycles of SIGKILLs lose nothing', async () => {
    const s = await crashCycles({ cycles: Number(process.env.GWCTL_CRASH_CYCLES) || 240 });
    const kills = s.kills.timer + s.kills.beforeRename + s.kills.afterRename;
    figure({
      row: 'crash',
      tried: `${s.cycles} takeover/drift/re-apply/restore cycles over ${s.cases} fixture cases, one SIGKILL attempt per step (${kills} kills: ${s.kills.timer} timer, ${s.kills.beforeRename} before rename, ${s.kills.afterRename} after rename)`,
      count: s.steps,
      lost: `${s.violations.length} files lost or torn; ${s.orphanKeys} keys left unrevoked without a note`,
      detail: { ...s, violations: s.violations.slice(0, 10), childErrors: s.childErrors.slice(0, 10) },
      command: 'npm run test:reliability -- test/reliability/crash.test.ts',
    });
    expect(s.violations).toEqual([]);
    expect(s.childErrors).toEqual([]);
    expect(s.cycles).toBeGreaterThanOrEqual(200);
  }, 900_000);
});
