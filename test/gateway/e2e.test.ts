/**
 * End to end, per kind, through the CLI in-process: taking over two tools mints two distinct
 * keys (one per tool, named for tool and machine), `gwctl keys` lists them, restore revokes both
 * and the gateway's record shows it, the files come back byte-identical, and no key appears in
 * any output (table or --json) or in any file gwctl keeps for itself.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { shortHost } from '../../src/gateway/keyname.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { startKind, STATIC_KEY, writeSettings, type KindHarness } from './harness.ts';

const CLAUDE = `{
  "model": "opus",
  "permissions": { "allow": ["Bash(npm test)"] },
  "env": { "DISABLE_TELEMETRY": "1" }
}
`;
const CODEX = `model = "o3"\n\n[mcp_servers.docs]\ncommand = "npx"\n`;
const HOST = shortHost(hostname());

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe.each(['litellm', 'new-api', 'bifrost'] as const)('%s end to end', (kind) => {
  let k: KindHarness;
  let h: TempHome;
  let env: Record<string, string>;
  let claudePath: string;
  let codexPath: string;
  beforeAll(async () => {
    k = await startKind(kind);
  });
  afterAll(() => k.fake.close());
  beforeEach(() => {
    k.reset();
    h = tempHome();
    env = { ...h.env, ...k.env };
    writeSettings(h.home, h.env, k.settings);
    mkdirSync(join(h.home, '.claude'));
    mkdirSync(join(h.home, '.codex'));
    claudePath = join(h.home, '.claude', 'settings.json');
    codexPath = join(h.home, '.codex', 'config.toml');
    writeFileSync(claudePath, CLAUDE);
    writeFileSync(codexPath, CODEX);
  });
  afterEach(() => h.cleanup());

  it('two tools, two keys; restore revokes both; no key in any output', async () => {
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await gwctl(args, env);
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const take = await run(['takeover', 'claude-code', 'codex', '--json']);
    expect(take.code, take.stderr).toBe(0);
    expect(take.json().tools.map((t) => [t.id, t.action])).toEqual([
      ['claude-code', 'taken-over'],
      ['codex', 'taken-over'],
    ]);

    const names = [`gwctl-claude-code-${HOST}`.slice(0, 50), `gwctl-codex-${HOST}`.slice(0, 50)];
    expect(k.live().sort()).toEqual([...names].sort());
    const claudeKey = k.keyOf(names[0]!)!;
    const codexKey = k.keyOf(names[1]!)!;
    expect(claudeKey).not.toBe(codexKey);

    // Each tool holds its own key, at this kind's address for its protocol.
    const claude = JSON.parse(readFileSync(claudePath, 'utf8'));
    expect(claude.env.ANTHROPIC_AUTH_TOKEN).toBe(claudeKey);
    expect(claude.env.ANTHROPIC_BASE_URL).toBe(kind === 'bifrost' ? `${k.fake.url}/anthropic` : k.fake.url);
    const codex = parseToml(readFileSync(codexPath, 'utf8')) as {
      model_provider: string;
      model_providers: Record<string, { base_url: string; experimental_bearer_token: string }>;
    };
    const provider = codex.model_providers[codex.model_provider]!;
    expect(provider.base_url).toBe(`${k.fake.url}/v1`);
    expect(provider.experimental_bearer_token).toBe(codexKey);

    const keys = await run(['keys', '--json']);
    expect(keys.code).toBe(0);
    const listed = JSON.parse(keys.stdout).keys as Array<{ tool: string; kind: string; alias?: string; id?: string; created: string }>;
    expect(listed.map((x) => [x.tool, x.kind, x.alias])).toEqual([
      ['claude-code', kind, names[0]],
      ['codex', kind, names[1]],
    ]);
    for (const x of listed) expect(Date.parse(x.created)).not.toBeNaN();
    if (kind !== 'litellm') for (const x of listed) expect(x.id).toMatch(/\S/);
    const table = await run(['keys']);
    expect(table.stdout).toMatch(new RegExp(`^claude-code\\s+${kind}\\s+${names[0]}`, 'm'));

    await run(['status', '--json']);
    await run(['status']);

    const back = await run(['restore', 'claude-code', 'codex', '--json']);
    expect(back.code, back.stderr).toBe(0);
    const notes = back.json().tools.flatMap((t) => t.notes ?? []);
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^revoked key '${names[0]}'`)),
        expect.stringMatching(new RegExp(`^revoked key '${names[1]}'`)),
      ]),
    );
    expect(k.revoked().sort()).toEqual([...names].sort());
    expect(k.live()).toEqual([]);
    expect(readFileSync(claudePath, 'utf8')).toBe(CLAUDE);
    expect(readFileSync(codexPath, 'utf8')).toBe(CODEX);
    expect(JSON.parse((await run(['keys', '--json'])).stdout).keys).toEqual([]);

    for (const o of outputs) {
      expect(o).not.toContain(claudeKey);
      expect(o).not.toContain(codexKey);
      if (k.env.GWCTL_GATEWAY_ADMIN_KEY) expect(o).not.toContain(k.env.GWCTL_GATEWAY_ADMIN_KEY);
    }
    // gwctl's own files (ledger, settings, logs) never hold a key.
    const p = gwctlPaths({ home: h.home, env });
    for (const f of new Set([...filesUnder(p.stateDir), ...filesUnder(p.configDir), ...filesUnder(p.logDir)])) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(claudeKey);
      expect(text, f).not.toContain(codexKey);
    }
  });

  it('a tool that fails to write after its key was minted gets that key revoked; the other tool keeps its own', async () => {
    // A directory where Codex's backup must go: the key is minted, then the backup (before any
    // write) fails.
    mkdirSync(codexPath + '.bak');
    const r = await gwctl(['takeover', 'claude-code', 'codex', '--json'], env);
    expect(r.code).toBe(1);
    const [c, x] = r.json().tools;
    expect(c!.action).toBe('taken-over');
    expect(x!.action).toBe('failed');
    expect(x!.error).toMatch(/config\.toml\.bak/);
    expect(readFileSync(codexPath, 'utf8')).toBe(CODEX);
    expect(k.live()).toEqual([`gwctl-claude-code-${HOST}`.slice(0, 50)]);
    expect(k.revoked()).toEqual([`gwctl-codex-${HOST}`.slice(0, 50)]);
    expect(statSync(codexPath + '.bak').isDirectory()).toBe(true);
  });
});

describe('servbay end to end (cannot mint)', () => {
  let k: KindHarness;
  let h: TempHome;
  beforeAll(async () => {
    k = await startKind('servbay');
  });
  afterAll(() => k.fake.close());
  beforeEach(() => {
    h = tempHome();
    mkdirSync(join(h.home, '.claude'));
    mkdirSync(join(h.home, '.codex'));
  });
  afterEach(() => h.cleanup());

  it('uses the configured key for both tools, revokes nothing, and says so', async () => {
    const env = { ...h.env, ...k.env };
    expect((await gwctl(['takeover', 'claude-code', 'codex'], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_AUTH_TOKEN).toBe(STATIC_KEY);
    const keys = await gwctl(['keys'], env);
    expect(keys.stdout).toMatch(/gwctl has minted no keys/);
    expect(keys.stdout).toMatch(/using the configured key \(not minted, never revoked by gwctl\): claude-code, codex/);
    const back = await gwctl(['restore', 'claude-code', 'codex'], env);
    expect(back.code).toBe(0);
    // Said once for both tools (issue 16 §3), not once per tool.
    expect(back.stdout).toMatch(/Claude Code, Codex: the configured key was kept: gwctl did not mint it .*nothing was revoked/);
    expect(back.stdout.match(/the configured key was kept/g)).toHaveLength(1);
    expect(back.stdout + back.stderr + keys.stdout).not.toContain(STATIC_KEY);
  });
});
