/**
 * Issue 16 §3: say what changed, and show it before it changes. `takeover --dry-run` and
 * `restore --dry-run` print a diff per file and write, mint and revoke nothing; a takeover lists
 * per file what it wrote or set aside (`--json`: `changes`), keys always masked.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATUS_FILE } from '../../src/ipc/schema.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const CLAUDE = '{\n  "model": "opus",\n  "apiKeyHelper": "~/bin/key.sh"\n}\n';
let gw: FakeLiteLLM;
let h: TempHome;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startLiteLLM({ models: ['bar-model-a', 'claude-sonnet-4-5'] });
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey };
  mkdirSync(join(h.home, '.claude'));
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(join(h.home, '.claude', 'settings.json'), CLAUDE);
  writeFileSync(join(h.home, '.codex', 'config.toml'), 'model = "gpt-5-codex"\n');
});
afterEach(() => h.cleanup());

/** Every file under HOME with its bytes and mode: a dry run must leave this unchanged. */
function snapshot(dir = h.home): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    // The agent's status file is its cache of `gwctl status --json`, rewritten whenever it likes;
    // its log may still be receiving the events of the takeover before (they follow its answer).
    if (!e.isFile() || e.name.startsWith(STATUS_FILE) || /^agent(\.out)?\.log$/.test(e.name)) continue;
    const p = join(e.parentPath, e.name);
    out[p] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
  }
  return out;
}

const liveKeys = () => [...gw.keys.values()].map((k) => k.key);

describe('takeover --dry-run', () => {
  it('prints a diff per file, writes nothing, mints nothing', async () => {
    const before = snapshot();
    const generated = gw.keys.size;
    const r = await gwctl(['takeover', 'claude-code', 'codex', '--dry-run'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(gw.keys.size).toBe(generated);
    expect(r.stdout).toMatch(/nothing written, no key minted/);
    expect(r.stdout).toContain('--- ~/.claude/settings.json\n+++ ~/.claude/settings.json');
    expect(r.stdout).toMatch(/^- {2}"apiKeyHelper": "~\/bin\/key\.sh"$/m);
    expect(r.stdout).toMatch(/^\+.*"ANTHROPIC_BASE_URL": "http:\/\/127\.0\.0\.1:\d+"/m);
    expect(r.stdout).toMatch(/^ {3}"model": "opus",$/m); // context lines as in the file
    expect(r.stdout).toMatch(/^-model = "gpt-5-codex"$/m);
    expect(r.stdout).toMatch(/^\+model = "bar-model-a"$/m);
    const j = await gwctl(['takeover', 'codex', '--dry-run', '--json'], env);
    const tool = JSON.parse(j.stdout).tools[0];
    expect(JSON.parse(j.stdout).dryRun).toBe(true);
    expect(tool.files[0].path).toBe(join(h.home, '.codex', 'config.toml'));
    expect(tool.files[0].diff).toContain('+model_provider = "litellm"');
  });
});

describe('what a takeover changed', () => {
  it('per file: added, changed, set aside; --json changes; never a key', async () => {
    const r = await gwctl(['takeover', 'claude-code', 'codex'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const keys = liveKeys();
    expect(keys).toHaveLength(2);
    expect(r.stdout).toMatch(
      /^ {2}Claude Code: ~\/\.claude\/settings\.json: .*env\.ANTHROPIC_AUTH_TOKEN = …redacted.*; apiKeyHelper set aside; env\.ANTHROPIC_MODEL = "claude-sonnet-4-5"/m,
    );
    expect(r.stdout).toMatch(/^ {2}Codex: ~\/\.codex\/config\.toml: .*model "gpt-5-codex" → "bar-model-a"/m);
    for (const k of keys) expect(r.stdout + r.stderr).not.toContain(k);
    expect((await gwctl(['restore', 'claude-code', 'codex'], env)).code).toBe(0);

    const j = await gwctl(['takeover', 'claude-code', '--json'], env);
    const changes = JSON.parse(j.stdout).tools[0].changes as Array<Record<string, string>>;
    const file = join(h.home, '.claude', 'settings.json');
    expect(changes).toContainEqual({ file, path: 'apiKeyHelper', before: '"~/bin/key.sh"', action: 'set aside' });
    expect(changes).toContainEqual({ file, path: 'env.ANTHROPIC_AUTH_TOKEN', after: '…redacted', action: 'added' });
    for (const k of liveKeys()) expect(j.stdout).not.toContain(k);
  });
});

describe('restore --dry-run', () => {
  it('shows the way back, the key masked, and changes nothing: no file, no revocation', async () => {
    expect((await gwctl(['takeover', 'claude-code', 'codex'], env)).code).toBe(0);
    const before = snapshot();
    const keys = liveKeys();
    const r = await gwctl(['restore', '--all', '--dry-run'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(liveKeys()).toEqual(keys);
    expect(r.stdout).toMatch(/nothing written, no key revoked/);
    expect(r.stdout).toMatch(/^\+ {2}"apiKeyHelper": "~\/bin\/key\.sh"$/m);
    expect(r.stdout).toMatch(/^\+model = "gpt-5-codex"$/m);
    expect(r.stdout).toMatch(/the tool's virtual key would be revoked/);
    expect(r.stdout).not.toMatch(/Gemini CLI/); // --all: tools with nothing to restore stay quiet
    for (const k of keys) expect(r.stdout + r.stderr).not.toContain(k);
    // And the real restore then gives back the original bytes.
    expect((await gwctl(['restore', '--all'], env)).code).toBe(0);
    expect(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).toBe(CLAUDE);
  });
});

describe('takeover --model (issue 16 §2)', () => {
  it('sets the model in every tool named, through the agent; an id the gateway does not serve is refused with the list', async () => {
    const start = liveKeys(); // keys other tests of this file left on the shared gateway
    const r = await gwctl(['takeover', 'claude-code', 'codex', '--model', 'claude-sonnet-4-5'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toMatch(/^model = "claude-sonnet-4-5"$/m);
    expect(JSON.parse(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_MODEL).toBe('claude-sonnet-4-5');
    expect((await gwctl(['restore', '--all'], env)).code).toBe(0);
    expect(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).toBe(CLAUDE);
    expect(liveKeys()).toEqual(start);

    const before = snapshot();
    const bad = await gwctl(['takeover', 'claude-code', '--model', 'gpt-9-turbo'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--model gpt-9-turbo: the gateway at .* does not serve that model; it lists 2: bar-model-a, claude-sonnet-4-5/);
    expect(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).toBe(CLAUDE);
    expect(Object.keys(snapshot()).filter((f) => !f.includes('/gwctl/'))).toEqual(Object.keys(before).filter((f) => !f.includes('/gwctl/')));
    expect(liveKeys()).toEqual(start);
    expect((await gwctl(['takeover', 'codex', '--model', '$(rm -rf ~)'], env)).code).toBe(2);
  });
});
