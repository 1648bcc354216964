/**
 * Concurrent in-process writers (issue 17 §1, §4), 50 rounds for each N ∈ {2, 3, 5}: N
 * `takeover --all --no-agent` at the same moment, then N `restore --all --no-agent`. After every
 * round: each .bak holds the original, every file is byte-identical, no minted key is live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { figure } from './lib/common.ts';
import { check, nineToolHome, statuses, together } from './lib/writers.ts';

const ROUNDS = Number(process.env.GWCTL_WRITER_ROUNDS ?? 50);
let gw: FakeLiteLLM;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(async () => {
  await gw.close();
});

describe.each([2, 3, 5])('%i concurrent --no-agent writers', (n) => {
  it(`takeover --all ×${n} then restore --all ×${n}, ${ROUNDS} rounds`, async () => {
    const h = await nineToolHome(gw);
    const problems: string[] = [];
    let runs = 0;
    let lockTimeouts = 0;
    let taken = 0;
    let already = 0;
    const t0 = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const t = await together(h, gw, n, ['takeover', '--all']);
      runs += n;
      lockTimeouts += t.lockTimeouts;
      problems.push(...t.otherFailures.map((f) => `round ${round} takeover: ${f}`));
      for (const r of t.runs) {
        if (r.code !== 0) continue;
        for (const tool of (JSON.parse(r.stdout) as { tools: Array<{ action?: string }> }).tools) {
          if (tool.action === 'taken-over') taken++;
          if (tool.action === 'already-taken-over') already++;
        }
      }
      problems.push(...check(h).badBak.map((b) => `round ${round}: ${b} is not the original`));
      for (const [tool, s] of Object.entries(await statuses(h))) if (s !== 'taken-over') problems.push(`round ${round}: ${tool} is ${s}`);
      const r = await together(h, gw, n, ['restore', '--all']);
      runs += n;
      lockTimeouts += r.lockTimeouts;
      problems.push(...r.otherFailures.map((f) => `round ${round} restore: ${f}`));
      const c = check(h);
      problems.push(
        ...c.badBak.map((b) => `round ${round}: ${b} is not the original`),
        ...c.extraBak.map((b) => `round ${round}: ${b}`),
        ...c.changed.map((f) => `round ${round}: ${f} not byte-identical`),
      );
      problems.push(...[...gw.keys.keys()].map((a) => `round ${round}: key ${a} live`));
    }
    figure({
      row: `concurrent in-process writers (N=${n})`,
      tried: `${n} × takeover --all --no-agent at once, then ${n} × restore --all --no-agent, nine tools, LiteLLM`,
      count: ROUNDS,
      lost: `${problems.length} problems (bad .bak, not byte-identical, live keys)`,
      detail: { runs, tookOver: taken, alreadyTakenOver: already, lockTimeouts, ms: Date.now() - t0, problems: problems.slice(0, 10) },
      command: 'npm run test:reliability -- test/reliability/writers.test.ts',
    });
    expect(problems).toEqual([]);
  });
});
