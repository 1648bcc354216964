/**
 * Secrets, after the whole reliability suite (this file runs last: vitest.reliability.config.ts
 * sorts files by name). First every fixture case is taken over and left so (its config files
 * made 0644 first, as editors and installers leave them), so the mode check has files to look
 * at; then every key any test minted is searched in every temp HOME (outside the tools' config
 * files), gwctl's state and logs, and every CLI output (--json, tables, errors).
 */
import { chmodSync, existsSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { writeReliabilityDocs } from './lib/global-teardown.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { gwctl } from '../helpers/run.ts';
import { figure, fixtureCases, mintedKeys, recordOutput, registeredHomes, registerKeys, RUN_DIR, seedCase } from './lib/common.ts';
import { scanForSecrets } from './lib/secrets.ts';

let takenOver = 0;

beforeAll(async () => {
  for (const c of fixtureCases()) {
    // One gateway per case: LiteLLM aliases are unique, and each case is its own machine here.
    const gw: FakeLiteLLM = await startLiteLLM();
    registerKeys([gw.masterKey]);
    const h = await seedCase(c, { GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey });
    for (const s of h.specs) if (existsSync(s.path)) chmodSync(s.path, 0o644);
    const r = await gwctl(['takeover', c.tool, '--force', '--json'], h.env);
    recordOutput(r.stdout + r.stderr);
    if (r.code === 0) takenOver++;
    else console.log(`[reliability] secrets setup: ${c.tool}/${c.name} not taken over: ${r.json().tools[0]?.error ?? r.stderr}`);
    registerKeys([...gw.keys.values()].map((k) => k.key));
    await gw.close();
  }
}, 120_000);

// Last file of the run: remove every temp HOME the suite kept for this scan, and the registry.
afterAll(() => {
  writeReliabilityDocs(RUN_DIR);
  for (const { home } of registeredHomes()) rmSync(home, { recursive: true, force: true });
  rmSync(RUN_DIR, { recursive: true, force: true });
});

describe('secrets', () => {
  it('no minted key anywhere but in the tool configs; those are private', () => {
    const s = scanForSecrets(mintedKeys());
    figure({
      row: 'secrets',
      tried: `${s.keys} keys searched in every file and output of the whole run (${takenOver} fixture cases left taken over for the mode check)`,
      count: s.files,
      lost: `${s.hits.length} leaks; ${s.looseConfigs.length} of ${s.configsWithKey} configs holding a key readable by group/others`,
      detail: { ...s, hits: s.hits.slice(0, 20), looseConfigs: s.looseConfigs.slice(0, 20) },
      command: 'npm run test:reliability (the scan needs the whole run)',
    });
    expect(s.keys).toBeGreaterThanOrEqual(takenOver);
    expect(s.configsWithKey).toBeGreaterThanOrEqual(takenOver);
    expect(s.hits).toEqual([]);
    expect(s.looseConfigs).toEqual([]);
  });
});
