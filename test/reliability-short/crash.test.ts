/** Short crash-safety run (the long one: test/reliability/crash.test.ts, 200+ cycles). */
import { describe, expect, it } from 'vitest';
import { crashCycles } from '../reliability/lib/crash.ts';
import { figure } from '../reliability/lib/common.ts';

describe('crash safety (short)', () => {
  it('SIGKILL at random points and at writes loses nothing', async () => {
    const s = await crashCycles({ cycles: 5 });
    figure({
      row: 'crash (short)',
      tried: 'takeover/re-apply/restore steps SIGKILLed',
      count: s.steps,
      lost: `${s.violations.length} violations`,
      detail: { ...s, violations: s.violations.slice(0, 5) },
      command: 'npx vitest run test/reliability-short/crash.test.ts',
    });
    expect(s.violations).toEqual([]);
    expect(s.childErrors).toEqual([]);
  }, 120_000);
});
