/** Engine behaviour on real files in a temp HOME, through the CLI entry point (in-process). */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { KeySource } from '../../src/gateway/types.ts';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { resolveGateway } from '../../src/gateway/index.ts';
import { deadPort, startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const KEY = 'sk-gwctl-engine-test-4d2c8e';
const SETTINGS = `{
  "model": "opus",
  "hooks": {
    "PostToolUse": [
      { "matcher": "Edit|Write", "hooks": [{ "type": "command", "command": "prettier --write \\"$FILE\\"" }] }
    ]
  },
  "enabledPlugins": { "formatter@team": true },
  "env": { "DISABLE_TELEMETRY": "1" }
}
`;

let gw: FakeGateway;
let h: TempHome;
let env: Record<string, string>;
let settingsPath: string;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
  mkdirSync(join(h.home, '.claude'));
  settingsPath = join(h.home, '.claude', 'settings.json');
  writeFileSync(settingsPath, SETTINGS, { mode: 0o644 });
  chmodSync(settingsPath, 0o644);
});
afterEach(() => h.cleanup());

const ledgerOf = () => new LedgerStore(gwctlPaths({ home: h.home, env }).stateDir).load();

describe('takeover and restore (Claude Code)', () => {
  it('asks the gateway each question once: its health, then one model list (the health check read it with the same key)', async () => {
    gw.requests.length = 0;
    const r = await gwctl(['takeover', 'claude-code', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const asked = gw.requests.map((q) => `${q.method} ${q.path}`);
    expect(asked.filter((q) => q === 'GET /v1/models')).toHaveLength(1);
    expect(asked.filter((q) => q === 'GET /')).toHaveLength(1);
  });

  it('writes the slot, backs up first, narrows the mode, and restore puts every byte and the mode back', async () => {
    const r = await gwctl(['takeover', 'claude-code', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().tools[0]).toMatchObject({ id: 'claude-code', status: 'taken-over', configPath: settingsPath, address: gw.url });
    expect(r.stdout).not.toContain(KEY);
    const doc = JSON.parse(readFileSync(settingsPath, 'utf8'));
    // "opus" is not a model the gateway lists: the one model rule points every Claude model
    // setting at the gateway's Claude model (issue 16 §2); restore takes them out again.
    const m = 'claude-sonnet-4-5';
    expect(doc.env).toEqual({
      DISABLE_TELEMETRY: '1',
      ANTHROPIC_BASE_URL: gw.url,
      ANTHROPIC_AUTH_TOKEN: KEY,
      ANTHROPIC_API_KEY: '',
      ANTHROPIC_MODEL: m,
      ANTHROPIC_DEFAULT_OPUS_MODEL: m,
      ANTHROPIC_DEFAULT_SONNET_MODEL: m,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: m,
      ANTHROPIC_DEFAULT_FABLE_MODEL: m,
    });
    expect(doc.model).toBe('opus');
    expect(doc.hooks.PostToolUse[0].matcher).toBe('Edit|Write');
    expect(readFileSync(settingsPath + '.bak', 'utf8')).toBe(SETTINGS);
    expect(statSync(settingsPath).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(await ledgerOf())).not.toContain(KEY);

    const back = await gwctl(['restore', 'claude-code', '--json'], env);
    expect(back.code, back.stderr).toBe(0);
    expect(back.json().tools[0]).toMatchObject({ status: 'not-taken-over', action: 'restored' });
    expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
    expect(statSync(settingsPath).mode & 0o777).toBe(0o644);
    expect((await ledgerOf()).tools['claude-code']).toBeUndefined();
  });

  it('sets apiKeyHelper aside during the takeover and puts it back on restore', async () => {
    const withHelper = SETTINGS.replace('"model": "opus",', '"model": "opus",\n  "apiKeyHelper": "~/bin/get-key.sh",');
    writeFileSync(settingsPath, withHelper);
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).apiKeyHelper).toBeUndefined();
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    expect(readFileSync(settingsPath, 'utf8')).toBe(withHelper);
  });

  it('restore keeps a value the user changed since the takeover, and removes the rest', async () => {
    await gwctl(['takeover', 'claude-code'], env);
    const doc = readFileSync(settingsPath, 'utf8').replace(gw.url, 'https://api.example.com');
    writeFileSync(settingsPath, doc);
    const back = await gwctl(['restore', 'claude-code', '--json'], env);
    expect(back.code).toBe(0);
    const after = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect(after.env.ANTHROPIC_BASE_URL).toBe('https://api.example.com');
    expect(after.env.ANTHROPIC_AUTH_TOKEN).toBeUndefined();
    expect(back.json().tools[0]!.notes!.join('\n')).toMatch(/kept env\.ANTHROPIC_BASE_URL/);
  });

  it('takes over through a symlinked settings.json: the link survives takeover and restore', async () => {
    mkdirSync(join(h.home, 'dotfiles'));
    const real = join(h.home, 'dotfiles', 'claude-settings.json');
    writeFileSync(real, SETTINGS);
    rmSync(settingsPath);
    symlinkSync(real, settingsPath);
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    expect(lstatSync(settingsPath).isSymbolicLink()).toBe(true);
    expect(readlinkSync(settingsPath)).toBe(real);
    expect(JSON.parse(readFileSync(real, 'utf8')).env.ANTHROPIC_AUTH_TOKEN).toBe(KEY);
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    expect(lstatSync(settingsPath).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe(SETTINGS);
  });

  it('keeps a .bak that is not its own (as .bak.1) and never overwrites the original on re-apply', async () => {
    writeFileSync(settingsPath + '.bak', "the user's own backup");
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    expect(readFileSync(settingsPath + '.bak.1', 'utf8')).toBe("the user's own backup");
    expect(readFileSync(settingsPath + '.bak', 'utf8')).toBe(SETTINGS);
    // Claude Code rewrites its settings without our slot (and with a change of its own) …
    const rewritten = SETTINGS.replace('"opus"', '"sonnet"');
    writeFileSync(settingsPath, rewritten);
    // … and the takeover is applied again: the .bak must still hold the pre-takeover original.
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    expect(readFileSync(settingsPath + '.bak', 'utf8')).toBe(SETTINGS);
    const back = await gwctl(['restore', 'claude-code'], env);
    expect(back.code).toBe(0);
    expect(readFileSync(settingsPath, 'utf8')).toBe(rewritten);
    // Issue 16 §4: the user's own .bak goes back where it was.
    expect(readFileSync(settingsPath + '.bak', 'utf8')).toBe("the user's own backup");
    expect(existsSync(settingsPath + '.bak.1')).toBe(false);
    expect(back.stdout).toMatch(/your own \.bak put back/);
  });

  it("restore leaves the user's .bak.1 alone when it changed since, and says so", async () => {
    writeFileSync(settingsPath + '.bak', "the user's own backup");
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    writeFileSync(settingsPath + '.bak.1', 'edited since');
    const back = await gwctl(['restore', 'claude-code'], env);
    expect(back.code).toBe(0);
    expect(readFileSync(settingsPath + '.bak.1', 'utf8')).toBe('edited since');
    expect(readFileSync(settingsPath + '.bak', 'utf8')).toBe(SETTINGS);
    expect(back.stdout).toMatch(/changed since: left as it is/);
  });

  it('restore puts the old mode back also when a value changed since the takeover is kept (issue 16 §4)', async () => {
    await gwctl(['takeover', 'claude-code'], env);
    expect(statSync(settingsPath).mode & 0o777).toBe(0o600);
    writeFileSync(settingsPath, readFileSync(settingsPath, 'utf8').replace(gw.url, 'https://api.example.com'));
    const back = await gwctl(['restore', 'claude-code'], env);
    expect(back.code).toBe(0);
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).env.ANTHROPIC_BASE_URL).toBe('https://api.example.com');
    expect(statSync(settingsPath).mode & 0o777).toBe(0o644);
    expect(back.stdout).toMatch(/mode 0?600 → 0?644 put back/);
  });

  it('restore without a ledger still removes what points at this gateway', async () => {
    await gwctl(['takeover', 'claude-code'], env);
    rmSync(join(gwctlPaths({ home: h.home, env }).stateDir, 'ledger.json'));
    const back = await gwctl(['restore', 'claude-code', '--json'], env);
    expect(back.code).toBe(0);
    const doc = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect(doc.env.ANTHROPIC_BASE_URL).toBeUndefined();
    expect(doc.env.ANTHROPIC_AUTH_TOKEN).toBeUndefined();
    expect(doc.env.DISABLE_TELEMETRY).toBe('1');
    expect(doc.hooks).toBeDefined();
  });
});

describe('refusals', () => {
  it('refuses a tool on another address without --force, and takes it with --force', async () => {
    const other = SETTINGS.replace('"DISABLE_TELEMETRY": "1"', '"DISABLE_TELEMETRY": "1", "ANTHROPIC_BASE_URL": "https://openrouter.ai/api"');
    writeFileSync(settingsPath, other);
    const r = await gwctl(['takeover', 'claude-code'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/points at https:\/\/openrouter\.ai\/api.*--force/);
    expect(readFileSync(settingsPath, 'utf8')).toBe(other);
    const f = await gwctl(['takeover', 'claude-code', '--force'], env);
    expect(f.code).toBe(0);
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    expect(readFileSync(settingsPath, 'utf8')).toBe(other);
  });

  it('never touches a tool that is not detected; --all skips it', async () => {
    const r = await gwctl(['takeover', 'codex', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json().tools[0]).toMatchObject({ status: 'not-detected', action: 'refused' });
    expect(r.json().tools[0]!.error).toMatch(/\.codex does not exist/);
    expect(existsSync(join(h.home, '.codex'))).toBe(false);
    const all = await gwctl(['takeover', '--all', '--json'], env);
    expect(all.code, all.stdout).toBe(0);
    expect(all.json().tools.find((t) => t.id === 'claude-code')!.status).toBe('taken-over');
    expect(existsSync(join(h.home, '.codex'))).toBe(false);
  });
});

describe('bad input: a clear error naming the file, and the file unchanged', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['malformed JSON', () => writeFileSync(settingsPath, '{ "model": "opus", \n  "env": { \n'), /settings\.json:\d+/],
    ['a directory where the file should be', () => (rmSync(settingsPath), mkdirSync(settingsPath)), /settings\.json: is a directory/],
    ['a read-only file', () => chmodSync(settingsPath, 0o444), /settings\.json: is read-only/],
    [
      'a dangling symlink',
      () => (rmSync(settingsPath), symlinkSync(join(h.home, 'gone.json'), settingsPath)),
      /settings\.json: is a symlink to .*gone\.json, which does not exist/,
    ],
  ];
  it.each(cases)('%s', async (_name, setup, message) => {
    setup();
    const snapshot = () => (lstatSync(settingsPath).isFile() ? readFileSync(settingsPath, 'utf8') : lstatSync(settingsPath).isSymbolicLink() ? 'link' : 'dir');
    const before = snapshot();
    const r = await gwctl(['takeover', 'claude-code', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json().tools[0]!.error).toMatch(message);
    expect(snapshot()).toBe(before);
    expect(existsSync(settingsPath + '.bak')).toBe(false);
    expect((await ledgerOf()).tools['claude-code']).toBeUndefined();
  });
});

describe('gateway problems write nothing', () => {
  it('gateway down', async () => {
    const r = await gwctl(['takeover', 'claude-code', '--json'], { ...env, GWCTL_GATEWAY_URL: `http://127.0.0.1:${await deadPort()}` });
    expect(r.code).toBe(1);
    expect(r.json().tools[0]!.error).toMatch(/connection refused .*start the gateway/);
    expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
    expect(existsSync(settingsPath + '.bak')).toBe(false);
  });

  it('gateway answers garbage to the model list (a tool that needs models)', async () => {
    mkdirSync(join(h.home, '.codex'));
    writeFileSync(join(h.home, '.codex', 'config.toml'), 'model = "o3"\n');
    gw.handlers.push((req, res) => {
      if (req.path !== '/v1/models') return false;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return true;
    });
    try {
      const r = await gwctl(['takeover', 'codex', '--json'], env);
      expect(r.code).toBe(1);
      expect(r.json().tools[0]!.error).toMatch(/this does not look like an AI gateway \(got text\/html from GET .*\/v1\/models/);
      expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toBe('model = "o3"\n');
    } finally {
      gw.handlers.pop();
    }
  });

  it('no key configured', async () => {
    const r = await gwctl(['takeover', 'claude-code'], { ...env, GWCTL_GATEWAY_KEY: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GWCTL_GATEWAY_KEY/);
    expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
  });
});

describe('a concurrent writer', () => {
  it("is detected: the takeover re-reads, retries, and keeps the other program's write", async () => {
    const { settings } = resolveGateway({ url: gw.url }, env);
    let writes = 0;
    const keys: KeySource = {
      health: async () => {},
      models: async () => ['gpt-4o'],
      // While gwctl prepares its edit, Claude Code saves its settings (twice).
      acquire: async () => {
        if (writes < 2) {
          writes++;
          writeFileSync(settingsPath, readFileSync(settingsPath, 'utf8').replace('"opus"', `"opus-${writes}"`));
        }
        return { key: KEY, ref: null };
      },
      release: async () => undefined,
    };
    const engine = new Engine({ home: h.home, env, stateDir: gwctlPaths({ home: h.home, env }).stateDir, gateway: settings, keys });
    // Each attempt reads, then the file changes before the write: compare-and-swap fails twice.
    const r = await engine.takeover('claude-code');
    expect(r.status).toBe('taken-over');
    const doc = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect(doc.model).toMatch(/^opus-\d$/);
    expect(doc.env.ANTHROPIC_AUTH_TOKEN).toBe(KEY);
  });
});
