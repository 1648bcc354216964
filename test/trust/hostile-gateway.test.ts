/**
 * A hostile gateway (issue 18 §1): the key it mints and the model ids it lists are written into
 * configs that the tools EXPAND (opencode `{file:…}`, Crush `$(…)`, CodeBuddy `${…}`), and a line
 * break in a key becomes a second `.env` setting. Every adapter, every hostile value: nothing is
 * written, the minted key is revoked, and no output (text or --json) holds the value.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adapterFor } from '../../src/adapters/index.ts';
import { STATUS_FILE } from '../../src/ipc/schema.ts';
import { TOOL_IDS, type ToolId } from '../../src/adapters/index.ts';
import { isSafeKey, isSafeName } from '../../src/shared/validate.ts';
import { clearSecrets } from '../../src/shared/redact.ts';
import { bearer, modelList, ok, reply, serve, type FakeServer } from '../helpers/gateways/server.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const MASTER = 'sk-master-hostile-0001';

/** A LiteLLM that mints whatever `nextKey` says and lists `models`. */
interface Hostile {
  fake: FakeServer;
  nextKey: string;
  models: string[];
  deleted: string[];
  minted: number;
}

async function startHostile(): Promise<Hostile> {
  const h = { nextKey: '', models: ['gpt-4o'], deleted: [] as string[], minted: 0 } as Hostile;
  h.fake = await serve([
    { name: 'liveliness', method: 'GET', path: /^\/health\/liveliness$/, handle: () => ok("I'm alive!") },
    { name: 'readiness', method: 'GET', path: /^\/health\/readiness$/, handle: () => ok({ status: 'connected', db: 'connected' }) },
    {
      name: 'generate',
      method: 'POST',
      path: /^\/key\/generate$/,
      handle: (req) => {
        if (bearer(req) !== MASTER) return reply(401, { error: { message: 'bad master key' } });
        h.minted++;
        return ok({ key: h.nextKey, key_alias: (req.json as { key_alias: string }).key_alias });
      },
    },
    {
      name: 'delete',
      method: 'POST',
      path: /^\/key\/delete$/,
      handle: (req) => {
        h.deleted.push(...((req.json as { key_aliases?: string[] }).key_aliases ?? []));
        return ok({ deleted_keys: [] });
      },
    },
    // Error messages quote what they were sent, as real gateways do ("Received API Key = …").
    {
      name: 'models',
      method: 'GET',
      path: /^\/v1\/models$/,
      handle: (req) => (bearer(req) ? ok(modelList(h.models)) : reply(401, { error: { message: 'no key' } })),
    },
  ]);
  return h;
}

/** Every file under HOME with its bytes (symlinks as their target). */
function tree(dir: string, out: Record<string, string> = {}, base = dir): Record<string, string> {
  for (const name of readdirSync(dir)) {
    // The agent's status file (and its temp) is its cache of `status --json`, rewritten as it likes.
    if (name.startsWith(STATUS_FILE)) continue;
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) tree(p, out, base);
    else if (st.isFile()) out[p.slice(base.length)] = readFileSync(p, 'latin1');
  }
  return out;
}

/** Hostile keys: each one something a tool would expand, run or split. */
const HOSTILE_KEYS = [
  '{file:/etc/hostname}',
  '{env:HOME}',
  'sk-$(touch /tmp/gwctl-pwned)',
  'sk-`id`-abcdef',
  'sk-${HOME}-abcdef',
  'sk-$HOME-abcdefgh',
  'sk-abcdef123\r\n',
  'sk-abc\nOPENAI_BASE_URL=http://evil',
  'sk-abcdef"quote',
  'sk-abcdef\\back',
  'sk abcdef ghijk',
  'sk-\u001b]0;pwned\u0007',
  'sk-\u202eabcdef',
  'short',
  'sk-' + 'a'.repeat(600),
];

const HOSTILE_IDS = [
  '{file:/etc/hostname}',
  '{env:HOME}',
  '$(id)',
  'gpt-${HOME}',
  'm`id`',
  'a"b',
  'x\\y',
  ' padded',
  'trailing ',
  'm\u001b[2J',
  'line\nbreak',
  'tab\tid',
  'rtl\u202e',
  ''.padEnd(300, 'm'),
];

// Copilot is launch-only: a takeover refuses it before any gateway call (test/engine/launch.test.ts).
const TOOLS = TOOL_IDS.filter((id) => !adapterFor(id).launchOnly);

describe('a hostile gateway writes nothing into any tool', () => {
  let g: Hostile;
  let h: TempHome;
  let env: Record<string, string>;
  beforeAll(async () => {
    g = await startHostile();
  });
  afterAll(() => g.fake.close());
  beforeEach(() => {
    clearSecrets();
    h = tempHome();
    env = { ...h.env, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: g.fake.url, GWCTL_GATEWAY_ADMIN_KEY: MASTER };
    for (const id of TOOLS) mkdirSync(adapterFor(id).locate({ home: h.home, env }).dir, { recursive: true });
    g.models = ['gpt-4o', 'qwen3-coder'];
    g.deleted.length = 0;
    g.minted = 0;
  });
  afterEach(() => h.cleanup());

  async function refused(value: string, tool: ToolId): Promise<void> {
    const before = tree(h.home);
    for (const json of [true, false]) {
      const r = await gwctl(['takeover', tool, ...(json ? ['--json'] : [])], env);
      expect(r.code).toBe(1);
      const out = r.stdout + r.stderr;
      expect(out).toContain(g.fake.url);
      expect(out).toMatch(/will not write into a tool's config/);
      // Not the value, and not its JSON spelling either.
      expect(out).not.toContain(value);
      expect(out).not.toContain(JSON.stringify(value).slice(1, -1));
      if (json) expect(r.json().tools[0]!.action).toBe('failed');
    }
    const after = tree(h.home);
    // gwctl's own state and socket dirs (the agent the command went through) may change; no tool file did.
    const toolFiles = (t: Record<string, string>) =>
      Object.fromEntries(Object.entries(t).filter(([p]) => !p.includes('/.local/state/gwctl/') && !p.includes('/.run/gwctl/')));
    expect(toolFiles(after)).toEqual(toolFiles(before));
  }

  it.each(TOOLS)('%s: every hostile minted key is refused, and revoked', async (tool) => {
    for (const key of HOSTILE_KEYS) {
      expect(isSafeKey(key)).toBe(false);
      g.nextKey = key;
      g.deleted.length = 0;
      g.minted = 0;
      await refused(key, tool);
      // Each of the two runs minted one key and revoked it.
      expect(g.deleted).toHaveLength(g.minted);
    }
  });

  it.each(TOOLS)('%s: every hostile model id is refused (health already fails on the list)', async (tool) => {
    g.nextKey = 'sk-good-key-0123456789';
    for (const id of HOSTILE_IDS) {
      expect(isSafeName(id)).toBe(false);
      g.models = ['gpt-4o', id];
      await refused(id, tool);
      // Refused before a key was minted.
      expect(g.minted).toBe(0);
    }
  });

  it('fuzzed keys and ids: nothing unsafe is ever written, whatever the tool', async () => {
    const forbidden = fc.constantFrom(
      '{',
      '}',
      '$',
      '`',
      '\\',
      '"',
      '\n',
      '\r',
      '\t',
      ' ',
      '\u0000',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u2028',
      '\u202e',
      "'",
      '(',
      ')',
    );
    const hostile = fc.tuple(fc.string({ maxLength: 12 }), forbidden, fc.string({ maxLength: 12 })).map(([a, c, b]) => `sk-${a}${c}${b}`);
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom(...TOOLS), fc.boolean(), async (value, tool, asKey) => {
        if (asKey ? isSafeKey(value) : isSafeName(value)) return; // e.g. a quote alone is fine in a name
        g.nextKey = asKey ? value : 'sk-good-key-0123456789';
        g.models = asKey ? ['gpt-4o'] : ['gpt-4o', value];
        const before = tree(h.home);
        const r = await gwctl(['takeover', tool, '--json'], env);
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).not.toContain(value);
        const strip = (t: Record<string, string>) =>
          Object.fromEntries(Object.entries(t).filter(([p]) => !p.includes('/.local/state/gwctl/') && !p.includes('/.run/gwctl/')));
        expect(strip(tree(h.home))).toEqual(strip(before));
      }),
      { numRuns: 60 },
    );
  });
});
