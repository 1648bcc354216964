/**
 * Concurrent in-process writers (issue 17 §1, §4), short version (the long one is
 * test/reliability/writers.test.ts): N ∈ {2, 3, 5} `gwctl takeover --all --no-agent` at the same
 * moment, then N `restore --all --no-agent` at the same moment.
 *
 * FIXED BUG (src/engine/engine.ts, src/engine/ledger.ts): nothing serialised two processes: both
 * read the ledger, both minted keys, both wrote; the second took the first's written file for the
 * original (its `.bak` then held a live key, the ledger recorded gwctl's values as the user's),
 * restore said "restored" and left tools on the gateway, minted keys stayed live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { check, nineToolHome, statuses, together } from '../reliability/lib/writers.ts';

let gw: FakeLiteLLM;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(async () => {
  await gw.close();
});

const ROUNDS = 2;

describe.each([2, 3, 5])('%i concurrent --no-agent writers', (n) => {
  it(`takeover --all ×${n}, then restore --all ×${n}: .bak originals, byte-identical restore, no live key (${ROUNDS} rounds)`, async () => {
    const h = await nineToolHome(gw);
    for (let round = 0; round < ROUNDS; round++) {
      const t = await together(h, gw, n, ['takeover', '--all']);
      expect(t.otherFailures).toEqual([]);
      expect(check(h).badBak).toEqual([]);
      const st = await statuses(h);
      expect(Object.values(st).every((s) => s === 'taken-over')).toBe(true);
      const r = await together(h, gw, n, ['restore', '--all']);
      expect(r.otherFailures).toEqual([]);
      const c = check(h);
      expect(c.badBak).toEqual([]);
      expect(c.extraBak).toEqual([]);
      expect(c.changed).toEqual([]);
      expect([...gw.keys.keys()]).toEqual([]);
    }
  }, 240_000);
});
