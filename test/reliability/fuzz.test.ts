/** Fuzzing, long: 10,000 adversarial inputs per format (seed: GWCTL_RELIABILITY_SEED). */
import { describe, expect, it } from 'vitest';
import { fuzzFormat } from './lib/fuzz.ts';
import { figure } from './lib/common.ts';

const RUNS = Number(process.env.GWCTL_FUZZ_RUNS) || 10_000;
const SEED = Number(process.env.GWCTL_RELIABILITY_SEED) || undefined;

describe('editor fuzzing', () => {
  it.each(['json', 'jsonc', 'json5', 'toml', 'dotenv', 'yaml'] as const)(
    `%s: ${RUNS} adversarial inputs`,
    (format) => {
      const s = fuzzFormat(format, RUNS, SEED);
      figure({
        row: `fuzz ${format}`,
        tried: `adversarial ${format} inputs × real slot edits (parse, get/set/delete, applyEdits, revertRecords; checked with an independent parser)`,
        count: s.runs,
        lost: `${s.failures.length} unexpected; known bugs: ${s.knownBugs.deepNestingRangeError} RangeError on deep nesting, ${s.knownBugs.nonObjectParentLost} non-object parents not restored`,
        detail: { ...s, failures: s.failures.slice(0, 10) },
        command: `npm run test:reliability -- test/reliability/fuzz.test.ts -t ${format}`,
      });
      expect(s.failures).toEqual([]);
      expect(s.runs).toBeGreaterThanOrEqual(10_000);
    },
    600_000,
  );
});
