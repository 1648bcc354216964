/** Short fuzz run: 500 inputs per format (the long one: 10,000, test/reliability/fuzz.test.ts). */
import { describe, expect, it } from 'vitest';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { jsonEditor } from '../../src/formats/json.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { fuzzFormat } from '../reliability/lib/fuzz.ts';
import { figure } from '../reliability/lib/common.ts';

describe('editor fuzzing (short)', () => {
  it.each(['json', 'jsonc', 'json5', 'toml', 'dotenv', 'yaml'] as const)(
    '%s: 500 adversarial inputs',
    (format) => {
      const s = fuzzFormat(format, 500);
      figure({
        row: `fuzz ${format} (short)`,
        tried: 'adversarial inputs × real slot edits',
        count: s.runs,
        lost: `${s.failures.length} failures`,
        detail: { ...s, failures: s.failures.slice(0, 5) },
        command: `npx vitest run test/reliability-short/fuzz.test.ts -t ${format}`,
      });
      expect(s.failures).toEqual([]);
      // Fixed (the regression test below): a deeply nested file is refused by name, so no walk
      // overflows, neither gwctl's nor the checks' own. A count here means a reader let depth through.
      expect(s.knownBugs.deepNestingRangeError).toBe(0);
    },
    60_000,
  );
});

describe('editor bugs found by the fuzzer (fixed; kept as regression tests)', () => {
  // FIXED BUG (src/formats/json.ts valueOf, src/formats/path.ts deepEqual): both recurse per nesting
  // level, so ~3,000 nested arrays overflow the stack: RangeError "Maximum call stack size
  // exceeded" escapes instead of a ConfigFormatError naming the file (TOML refuses > 1,000 levels
  // cleanly via smol-toml). The CLI then prints only "Maximum call stack size exceeded".
  it('a JSON file nested 10,000 levels deep is refused with a ConfigFormatError', () => {
    const text = `{"a": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    let err: unknown;
    try {
      jsonEditor.parse(text, '/h/.claude/settings.json');
      applyEdits(text, 'json', [{ file: 'settings', path: ['env', 'X'], value: 'v' }], '/h/.claude/settings.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigFormatError);
  });

  // FIXED BUG (src/formats/apply.ts applyEdits / revertRecords): an edit below a parent that exists but
  // is not an object (here opencode's `"provider": null`; also a string or an array) replaces the
  // parent with an object; the record keeps only the slot's own `before` (undefined) and no
  // createdParent, so restore deletes the slot and leaves `"provider": {}`: the user's `null` is
  // lost. Expected: refuse (ConfigFormatError: provider is not an object) or restore `null`.
  it('restore gives back a non-object parent the takeover had to replace', () => {
    const text = '{"provider": null}\n';
    let back: string;
    try {
      const res = applyEdits(text, 'jsonc', [{ file: 'config', path: ['provider', 'servbay'], value: { name: 'x' } }], 'opencode.json');
      back = revertRecords(res.text, 'jsonc', toSlotRecords(res.applied), 'http://127.0.0.1:11580', 'opencode.json').text;
    } catch (e) {
      if (e instanceof ConfigFormatError) return; // refusing is a correct answer
      throw e;
    }
    expect(JSON.parse(back)).toEqual({ provider: null });
  });
});
