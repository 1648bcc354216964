/**
 * `gwctl status --json --no-agent`'s own cache (cli/status-cache.ts, read by cli/fast-status.ts):
 * the exact answer of the in-process road, printed without loading the CLI when nothing it was
 * computed from changed; never stale (a same-size rewrite in place, a rename into place, a tool
 * dir appearing, gwctl's settings); not written from files changed within the racy window, under
 * another writer's lock, or for a caller with gateway overrides; refused when not private.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RACY_MS, statusCachePath } from '../../src/cli/status-cache.ts';
import { gwctlPaths } from '../../src/home/paths.ts';
import { toolLocationEnv } from '../../src/shared/tool-env.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { ensureBuilt, gwctlRecordingMain, holdWriterLock, sleep, writeSettings } from '../agent/helpers.ts';

let h: TempHome;
let env: Record<string, string>;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  h = tempHome('gwctl-statuscache-');
  env = { ...h.env };
  writeSettings(h.home, env, { notify: false, gateway: { url: 'http://127.0.0.1:11580', kind: 'servbay' } });
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 }); // as after any takeover
  mkdirSync(join(h.home, '.claude'));
  writeFileSync(claude(), '{\n  "env": { "ANTHROPIC_BASE_URL": "https://a.example.com" }\n}\n');
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(codex(), 'model = "gpt-5"\n');
});
afterEach(() => h.cleanup());

const toolEnv = () => toolLocationEnv(env);
const stateDir = () => gwctlPaths({ home: h.home, env }).stateDir;
const cache = () => statusCachePath(stateDir());
const claude = () => join(h.home, '.claude', 'settings.json');
const codex = () => join(h.home, '.codex', 'config.toml');
/** Long enough that every file is out of the racy window: the next status may be cached. */
const settle = () => sleep(RACY_MS + 150);

/** The installed road: bin/gwctl.js in a process of its own, recording whether the CLI proper was loaded. */
async function status(
  extraEnv: Record<string, string> = {},
  args = ['status', '--json', '--no-agent'],
): Promise<{ code: number | null; out: string; viaCache: boolean }> {
  const r = await gwctlRecordingMain(args, { ...env, ...extraEnv }, h.home);
  return { code: r.code, out: r.out, viaCache: r.viaFile };
}

/** What the in-process road computes now (it may write the cache; the comparison is of answers). */
async function computed(): Promise<string> {
  const r = await gwctl(['status', '--json', '--no-agent'], env);
  return r.stdout;
}

describe("status --json --no-agent's cache", () => {
  it('answers with the same bytes without loading the CLI once the files are out of the racy window; 0600 in the private state dir', async () => {
    await settle();
    const first = await status();
    expect(first.viaCache).toBe(false);
    expect(first.code).toBe(0);
    expect(statSync(cache()).mode & 0o777).toBe(0o600);
    const second = await status();
    expect(second.viaCache).toBe(true);
    expect(second.out).toBe(first.out);
    expect(second.code).toBe(first.code);
    // The same answer for every spelling of "without the agent".
    expect(await status({}, ['status', '--no-agent', '--json'])).toEqual(second);
    expect(await status({ GWCTL_NO_AGENT: '1' }, ['status', '--json'])).toEqual(second);
    expect(first.out).toBe(await computed());
    expect(JSON.parse(first.out).tools.find((t: { id: string }) => t.id === 'claude-code').address).toBe('https://a.example.com');
  }, 30_000);

  it('is never stale: each change after a cached answer is seen (rewrite in place, rename into place, a tool appearing, the settings)', async () => {
    const changes: Array<[string, () => void]> = [
      ['a same-size rewrite in place', () => writeFileSync(claude(), readFileSync(claude(), 'utf8').replace('a.example.com', 'b.example.com'))],
      [
        'a rename into place',
        () => {
          writeFileSync(`${codex()}.tmp`, 'model = "gpt-5"\nmodel_provider = "x"\n[model_providers.x]\nname = "x"\nbase_url = "https://c.example.com/v1"\n');
          renameSync(`${codex()}.tmp`, codex());
        },
      ],
      ['a tool dir created', () => mkdirSync(join(h.home, '.gemini'))],
      ['a file removed', () => rmSync(claude())],
      ["gwctl's settings", () => writeSettings(h.home, env, { notify: false, gateway: { url: 'https://c.example.com', kind: 'servbay' } })],
    ];
    for (const [what, change] of changes) {
      await settle();
      await status(); // computes and caches
      const cached = await status();
      expect(cached.viaCache, what).toBe(true);
      change();
      const after = await status();
      expect(after.viaCache, what).toBe(false);
      expect(after.out, what).not.toBe(cached.out);
      expect(after.out, what).toBe(await computed());
    }
  }, 60_000);

  it('is not written from files changed within the racy window, so a same-size rewrite in the same clock tick cannot hide', async () => {
    writeFileSync(claude(), readFileSync(claude(), 'utf8').replace('a.example.com', 'd.example.com'));
    const r = await status();
    expect(r.code).toBe(0);
    expect(existsSync(cache())).toBe(false);
    writeFileSync(claude(), readFileSync(claude(), 'utf8').replace('d.example.com', 'e.example.com')); // same size, maybe the same mtime
    const again = await status();
    expect(again.viaCache).toBe(false);
    expect(JSON.parse(again.out).tools.find((t: { id: string }) => t.id === 'claude-code').address).toBe('https://e.example.com');
  }, 30_000);

  it('is not the answer for another caller (gateway overrides, other tool locations); not written for overrides', async () => {
    await settle();
    await status();
    const before = readFileSync(cache(), 'utf8');
    const overridden = await status({ GWCTL_GATEWAY_URL: 'http://127.0.0.1:11581' });
    expect(overridden.viaCache).toBe(false);
    expect(readFileSync(cache(), 'utf8')).toBe(before);
    mkdirSync(join(h.home, 'elsewhere'));
    const moved = await status({ CODEX_HOME: join(h.home, 'elsewhere') });
    expect(moved.viaCache).toBe(false);
    expect(JSON.parse(moved.out).tools.find((t: { id: string }) => t.id === 'codex').configPath).toBe(join(h.home, 'elsewhere', 'config.toml'));
    // One cache, the last full status's: now that caller's, so the first caller computes again.
    expect(JSON.parse(readFileSync(cache(), 'utf8')).toolEnv).toEqual({ ...toolEnv(), CODEX_HOME: join(h.home, 'elsewhere') });
    const back = await status();
    expect(back.viaCache).toBe(false);
    expect(back.out).toBe(JSON.parse(before).output + '\n');
    expect((await status()).viaCache).toBe(true);
  }, 30_000);

  it('is read only when private to the user: a world-readable cache (or state dir) is ignored', async () => {
    await settle();
    await status();
    // What makes the file trusted: its owner and mode (the stamps say when it still holds).
    const data = JSON.parse(readFileSync(cache(), 'utf8'));
    writeFileSync(cache(), JSON.stringify({ ...data, output: '{"tools":[]}' }), { mode: 0o600 });
    expect((await status()).out).toBe('{"tools":[]}\n');
    chmodSync(cache(), 0o644);
    const r = await status();
    expect(r.viaCache).toBe(false);
    expect(JSON.parse(r.out).tools.length).toBeGreaterThan(5);
    chmodSync(cache(), 0o600);
    chmodSync(stateDir(), 0o755);
    expect((await status()).viaCache).toBe(false);
  }, 30_000);

  it('another gwctl holding the writer lock: the status is printed all the same and no cache is written; once free it is', async () => {
    await settle();
    const holder = await holdWriterLock(join(stateDir(), 'writer.lock'));
    try {
      const t0 = Date.now();
      const r = await status();
      expect(Date.now() - t0).toBeLessThan(5000); // no wait for the lock
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).tools.length).toBeGreaterThan(5);
      expect(existsSync(cache())).toBe(false);
    } finally {
      holder.release();
    }
    await status();
    expect(existsSync(cache())).toBe(true);
  }, 30_000);

  it('creates no state: without a state dir (gwctl never wrote anything) nothing is cached', async () => {
    rmSync(stateDir(), { recursive: true });
    await settle();
    expect((await status()).code).toBe(0);
    expect(existsSync(stateDir())).toBe(false);
  }, 30_000);
});
