import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** One registry dir for the whole run: minted keys and artifacts, scanned last by secrets.test.ts. */
const runDir = process.env.GWCTL_RELIABILITY_DIR ?? mkdtempSync(join(tmpdir(), 'gwctl-reliability-'));
process.env.GWCTL_RELIABILITY_DIR = runDir; // for the global teardown, in this process

/** Files run by name, so `zz-secrets.test.ts` runs after every other file. */
class ByName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    env: { GWCTL_RELIABILITY_DIR: runDir },
    globalSetup: ['test/reliability/lib/global-teardown.ts'],
    sequence: { sequencer: ByName },
  },
});
