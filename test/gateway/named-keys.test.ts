/** Named keys (gateway/named-keys.ts): minted once per name and gateway, kept 0600, revoked by name. */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { resolveGateway, type KindId } from '../../src/gateway/index.ts';
import { listNamedKeys, namedKey, revokeNamedKey } from '../../src/gateway/named-keys.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { STATIC_KEY, startKind, type KindHarness } from './harness.ts';

let h: TempHome;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => h.cleanup());
const configDir = () => gwctlPaths({ home: h.home, env: h.env }).configDir;
const secretsText = () => readFileSync(`${configDir()}/secrets.json`, 'utf8');

describe.each(['litellm', 'new-api', 'bifrost', 'servbay'] as KindId[])('%s', (kind) => {
  let k: KindHarness;
  beforeAll(async () => {
    k = await startKind(kind);
  });
  afterAll(() => k.fake.close());
  beforeEach(() => k.reset());
  const gw = () => resolveGateway({ ...k.settings }, { ...h.env, ...k.env }, { hostname: 'Dev-Box.local', configDir: configDir() });

  it('mints once per name, reuses it, lists it without the key, revokes it by name', async () => {
    const first = await namedKey(gw(), configDir(), 'env');
    const again = await namedKey(gw(), configDir(), 'env');
    const other = await namedKey(gw(), configDir(), 'launch-codex');
    if (kind === 'servbay') {
      expect(first).toEqual({ key: STATIC_KEY, alias: 'gateway.key', minted: false });
      expect(other.key).toBe(STATIC_KEY);
      expect(listNamedKeys(configDir())).toEqual([]);
      await expect(revokeNamedKey(gw(), configDir(), 'env')).rejects.toThrow(/cannot mint keys: 'env' uses the configured key/);
      return;
    }
    expect(first.minted).toBe(true);
    expect(first.alias).toBe('gwctl-env-dev-box');
    expect(other.alias).toBe('gwctl-launch-codex-dev-box');
    expect(k.keyOf('gwctl-env-dev-box')).toBe(first.key);
    expect(again).toEqual({ key: first.key, alias: first.alias, minted: false });
    expect(k.live().sort()).toEqual(['gwctl-env-dev-box', 'gwctl-launch-codex-dev-box']);
    // Stored 0600, with the gateway that minted it; listed without the key.
    expect(statSync(`${configDir()}/secrets.json`).mode & 0o777).toBe(0o600);
    expect(secretsText()).toContain(first.key);
    const listed = listNamedKeys(configDir());
    expect(listed.map((e) => [e.name, e.alias, e.kind, e.url])).toEqual([
      ['env', 'gwctl-env-dev-box', kind, k.fake.url],
      ['launch-codex', 'gwctl-launch-codex-dev-box', kind, k.fake.url],
    ]);
    expect(JSON.stringify(listed)).not.toContain(first.key);

    const r = await revokeNamedKey(gw(), configDir(), 'env');
    expect(r.revoked.map((e) => e.alias)).toEqual(['gwctl-env-dev-box']);
    expect(k.revoked()).toEqual(['gwctl-env-dev-box']);
    expect(listNamedKeys(configDir()).map((e) => e.name)).toEqual(['launch-codex']);
    expect(secretsText()).not.toContain(first.key);
    // The next call mints a fresh one.
    const fresh = await namedKey(gw(), configDir(), 'env');
    expect(fresh.minted).toBe(true);
    expect(fresh.key).not.toBe(first.key);
  });
});

describe('litellm specifics', () => {
  let f: FakeLiteLLM;
  let f2: FakeLiteLLM;
  beforeAll(async () => {
    f = await startLiteLLM();
    f2 = await startLiteLLM({ masterKey: 'sk-master-second-9d2c' });
  });
  afterAll(async () => {
    await f.close();
    await f2.close();
  });
  beforeEach(() => {
    for (const x of [f, f2]) {
      x.keys.clear();
      x.deleted.length = 0;
      x.clearFaults();
    }
  });
  const gw = (fake: FakeLiteLLM, env: Record<string, string> = {}) =>
    resolveGateway(
      { kind: 'litellm', url: fake.url },
      { ...h.env, GWCTL_GATEWAY_ADMIN_KEY: fake.masterKey, GWCTL_GATEWAY_TIMEOUT_MS: '500', ...env },
      { hostname: 'box', configDir: configDir() },
    );

  it('concurrent callers in one process mint a name once', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => namedKey(gw(f), configDir(), 'env')));
    expect(new Set(all.map((a) => a.key)).size).toBe(1);
    expect(f.calls('generate')).toHaveLength(1);
    expect(all.filter((a) => a.minted)).toHaveLength(1);
  });

  it('another gateway mints its own key; the first stays recorded and is reused when it comes back', async () => {
    const a = await namedKey(gw(f), configDir(), 'env');
    const b = await namedKey(gw(f2), configDir(), 'env');
    expect(b.key).not.toBe(a.key);
    expect(listNamedKeys(configDir()).map((e) => e.url)).toEqual([f.url, f2.url]);
    expect((await namedKey(gw(f), configDir(), 'env')).key).toBe(a.key);
    // Revoking on f2 keeps f's key and says where it lives.
    const r = await revokeNamedKey(gw(f2), configDir(), 'env');
    expect(r.revoked.map((e) => e.url)).toEqual([f2.url]);
    expect(r.kept).toHaveLength(1);
    expect(r.kept[0]!.why).toContain(f.url);
    expect(f.keys.size).toBe(1);
  });

  it('a revoke that fails marks the key revoke-pending: not handed out again, retried next time', async () => {
    const a = await namedKey(gw(f), configDir(), 'env');
    f.fault('delete', { status: 500, body: { error: { message: `boom ${a.key}` } } });
    const r = await revokeNamedKey(gw(f), configDir(), 'env');
    expect(r.revoked).toEqual([]);
    expect(r.kept[0]!.revokePending).toBe(true);
    expect(r.kept[0]!.why).toContain('HTTP 500');
    expect(r.kept[0]!.why).not.toContain(a.key);
    expect(listNamedKeys(configDir())[0]!.revokePending).toBe(true);
    const b = await namedKey(gw(f), configDir(), 'env');
    expect(b.key).not.toBe(a.key);
    f.clearFaults();
    const again = await revokeNamedKey(gw(f), configDir(), 'env');
    expect(again.revoked).toHaveLength(2);
    expect(listNamedKeys(configDir())).toEqual([]);
  });

  it('takes the writer lock every writer of gwctl state takes: another process holding it makes minting wait, then refuse', async () => {
    // A second process (as `gwctl config set gateway.key`, a takeover or the agent would) holds
    // the writer lock. The named key used to take a lock of its own, so both wrote secrets.json at
    // once and one write could be lost.
    const stateDir = gwctlPaths({ home: h.home, env: h.env }).stateDir;
    const lockTs = new URL('../../src/home/lock.ts', import.meta.url).href;
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { withWriterLock } = await import(${JSON.stringify(lockTs)});
         await withWriterLock(${JSON.stringify(stateDir)}, {}, async () => { process.stdout.write('held\\n'); await new Promise((r) => setTimeout(r, 3000)); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', (code) => reject(new Error(`the lock holder ended (${code})`)));
      });
      const asked = f.calls('generate').length;
      const err = await namedKey(gw(f, { GWCTL_LOCK_TIMEOUT_MS: '300' }), configDir(), 'env').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(new RegExp(`another gwctl is writing \\(pid ${holder.pid}\\)`));
      expect(f.calls('generate')).toHaveLength(asked);
      expect(listNamedKeys(configDir())).toEqual([]);
      // Within the default wait it gets its turn once the holder lets go, and mints.
      const t = Date.now();
      const got = await namedKey(gw(f), configDir(), 'env');
      expect(got.minted).toBe(true);
      expect(Date.now() - t).toBeGreaterThan(500);
    } finally {
      holder.kill();
    }
  });

  it('refuses names that are not simple', async () => {
    await expect(namedKey(gw(f), configDir(), 'Env Key')).rejects.toThrow(/not valid/);
    await expect(namedKey(gw(f), configDir(), '../x')).rejects.toThrow(/not valid/);
  });

  it('keeps the admin key and configured key beside the named keys', async () => {
    const { writeSecret, readSecret } = await import('../../src/home/secrets.ts');
    writeSecret(configDir(), 'gateway.adminKey', f.masterKey);
    await namedKey(gw(f, { GWCTL_GATEWAY_ADMIN_KEY: '' }), configDir(), 'env');
    writeSecret(configDir(), 'gateway.key', 'sk-static-x');
    expect(readSecret(configDir(), 'gateway.adminKey')).toBe(f.masterKey);
    expect(listNamedKeys(configDir())).toHaveLength(1);
  });
});
