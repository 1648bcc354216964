/** Short concurrent-writer run (the long one: test/reliability/race.test.ts). */
import { describe, expect, it } from 'vitest';
import { races } from '../reliability/lib/race.ts';
import { figure } from '../reliability/lib/common.ts';

describe('concurrent writers (short)', () => {
  it('a file rewritten every few ms during takeover/restore: no write lost', async () => {
    const s = await races({ rounds: 10 });
    figure({
      row: 'race (short)',
      tried: 'takeover+restore while another process rewrites the file',
      count: s.ops,
      lost: `${s.writerLost + s.lastWriteLost} foreign writes`,
      detail: s as unknown as Record<string, unknown>,
      command: 'npx vitest run test/reliability-short/race.test.ts',
    });
    // A lost foreign write can only come from the check→rename window (known bug, pinned
    // deterministically by race-window.test.ts); hitting it here is chance, so it is reported,
    // not asserted. Every operation ends written or refused with the concurrent-change error.
    expect(s.otherErrors).toEqual({});
    expect(s.firstTry + s.afterRetry + s.gaveUp).toBe(s.ops);
    expect(s.races).toBeGreaterThan(0);
  }, 60_000);
});
