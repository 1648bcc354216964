/**
 * Secrets (short): take over and restore one case of every tool with minted keys, print every
 * kind of output (--json, tables, errors from a gateway that echoes the key back), then scan
 * this process's homes, gwctl state and outputs for every key. The long run scans everything the
 * whole reliability suite produced (test/reliability/zz-secrets.test.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startLiteLLM } from '../helpers/gateways/litellm.ts';
import { gwctl } from '../helpers/run.ts';
import { figure, fixtureCases, mintedKeys, recordOutput, registerKeys, runChild, seedCase } from '../reliability/lib/common.ts';
import { scanForSecrets } from '../reliability/lib/secrets.ts';

describe('secrets (short)', () => {
  it('no minted key outside the tool configs; configs holding a key are private', async () => {
    const gw = await startLiteLLM();
    registerKeys([gw.masterKey]);
    const env = { GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey };
    const minted = () => registerKeys([...gw.keys.values()].map((k) => k.key));
    let scanHome = '';
    try {
      for (const tool of TOOL_IDS) {
        const c = fixtureCases().find((k) => k.tool === tool);
        if (!c) continue;
        const h = await seedCase(c, env);
        scanHome = h.home;
        for (const args of [
          ['takeover', tool, '--force', '--json'],
          ['status', '--json'],
          ['status'],
          ['keys', '--json'],
          ['keys'],
          ['usage', '--json'],
          ['usage'],
          ['test', '--json'],
          ['test'],
          ['gateway', 'status', '--json'],
        ]) {
          const r = await gwctl(args, h.env);
          recordOutput(r.stdout + r.stderr);
          minted();
        }
        const child = await runChild(['takeover', tool, '--json'], h.env);
        expect(child.code).toBe(0);
        minted();
        const back = await gwctl(['restore', tool], h.env);
        recordOutput(back.stdout + back.stderr);
        // Taken over again and left so: the config holds a key, and must be private.
        const again = await gwctl(['takeover', tool, '--force'], h.env);
        recordOutput(again.stdout + again.stderr);
        minted();
      }
    } finally {
      await gw.close();
    }

    // A gateway that echoes the key it was sent in its error messages.
    const echo = await startGateway();
    const KEY = 'sk-echo-9b1f4e7d2c6a0835';
    registerKeys([KEY]);
    echo.handlers.push((req, res) => {
      if (req.path !== '/v1/models') return false;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Invalid API key: ${req.headers.authorization}` } }));
      return true;
    });
    try {
      const h = await seedCase(
        fixtureCases().find((k) => k.tool === 'codex')!,
        { GWCTL_GATEWAY_URL: echo.url, GWCTL_GATEWAY_KEY: KEY },
      );
      for (const args of [
        ['takeover', 'codex', '--json'],
        ['takeover', 'codex'],
        ['gateway', 'status', '--json'],
      ]) {
        const r = await gwctl(args, h.env);
        recordOutput(r.stdout + r.stderr);
      }
      const child = await runChild(['takeover', 'codex'], h.env);
      expect(child.code).toBe(1);
    } finally {
      await echo.close();
    }

    const s = scanForSecrets(mintedKeys());
    figure({
      row: 'secrets (short)',
      tried: 'keys × files and outputs scanned',
      count: s.files,
      lost: `${s.hits.length} leaks, ${s.looseConfigs.length} group/world-readable configs holding a key`,
      detail: { ...s, hits: s.hits.slice(0, 10) },
      command: 'npx vitest run test/reliability-short/secrets.test.ts',
    });
    // The scan sees a leak when there is one: plant a key in gwctl's state dir.
    const planted = join(scanHome, '.local', 'state', 'gwctl', 'planted.log');
    mkdirSync(dirname(planted), { recursive: true });
    writeFileSync(planted, `oops ${mintedKeys()[0]}\n`);
    const s2 = scanForSecrets(mintedKeys());
    rmSync(planted);
    expect(s2.hits.length).toBe(1);
    expect(s.keys).toBeGreaterThan(10);
    expect(s.configsWithKey).toBeGreaterThan(0);
    expect(s.hits).toEqual([]);
    expect(s.looseConfigs).toEqual([]);
  }, 60_000);
});
