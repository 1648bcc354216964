/**
 * The dry run behind `gwctl ui`'s detail pane (Engine.planTakeover) and its record of a takeover
 * (Engine.describe), on realistic fixtures and a LiteLLM gateway that mints keys: the dry run
 * mints nothing, writes nothing, and plans exactly what the takeover then writes (but the key).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { Engine, PLACEHOLDER_KEY } from '../../src/engine/engine.ts';
import { configuredGateway } from '../../src/gateway/index.ts';
import { MASK } from '../../src/shared/mask.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { seedHome, tempHome, type TempHome } from '../helpers/home.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

let gw: FakeLiteLLM;
let h: TempHome;
let env: Record<string, string>;

beforeEach(async () => {
  gw = await startLiteLLM();
  h = tempHome('gwctl-plan-');
  env = { ...h.env, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey };
});
afterEach(async () => {
  await gw.close();
  h.cleanup();
});

function engine(): Engine {
  const paths = gwctlPaths({ home: h.home, env });
  const { settings, keys } = configuredGateway(paths.configDir, env);
  return new Engine({ home: h.home, env, stateDir: paths.stateDir, gateway: settings, keys });
}

/** Every file below HOME with its bytes and mode. */
function tree(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(h.home, p), `${statSync(p).mode.toString(8)}:${readFileSync(p, 'base64')}`);
    }
  };
  walk(h.home);
  return out;
}

describe('planTakeover: a dry run', () => {
  it('mints no key, writes nothing, and plans byte for byte what the takeover writes (but the key)', async () => {
    await seedHome(h.home, join(FIXTURES, 'codex', 'daily-driver', 'home'));
    const before = tree();
    const plan = await engine().planTakeover('codex');
    expect(plan.refused).toBeUndefined();
    expect(plan.notes).toEqual([]);
    expect(gw.keys.size).toBe(0);
    expect(gw.requests.filter((r) => r.path.startsWith('/key/'))).toEqual([]);
    expect(tree()).toEqual(before); // no ledger, no .bak, no edit
    expect(existsSync(gwctlPaths({ home: h.home, env }).stateDir)).toBe(false);

    const file = join(h.home, '.codex', 'config.toml');
    expect(plan.files.map((f) => f.path)).toEqual([file]);
    expect(plan.files[0]!.before).toBe(readFileSync(file, 'utf8'));
    expect(plan.files[0]!.after).toContain(`experimental_bearer_token = "${PLACEHOLDER_KEY}"`);
    expect(plan.files[0]!.after).toContain(`model = "${gw.models[0]}"`); // from the gateway's own list (master key)

    const r = await engine().takeover('codex');
    expect(r.action).toBe('taken-over');
    const minted = [...gw.keys.values()][0]!.key;
    expect(readFileSync(file, 'utf8').replace(minted, PLACEHOLDER_KEY)).toBe(plan.files[0]!.after);
  });

  it('a tool on another address: planned as with --force, and the note says so; a file it would create has before = null', async () => {
    await seedHome(h.home, join(FIXTURES, 'qwen-code', 'other-address', 'home'));
    const plan = await engine().planTakeover('qwen-code');
    expect(plan.notes.join(' ')).toMatch(/points at https:\/\/openrouter\.ai.*needs --force/);
    expect(plan.files.some((f) => f.after.includes(`${gw.url}/v1`))).toBe(true);

    await seedHome(h.home, join(FIXTURES, 'gemini-cli', 'fresh-install', 'home'));
    const fresh = await engine().planTakeover('gemini-cli');
    expect(fresh.files.length).toBeGreaterThan(0);
    expect(fresh.files.every((f) => f.before === null)).toBe(true);
    expect(existsSync(join(h.home, '.gemini', '.env'))).toBe(false);
  });

  it('nothing to plan for a tool not installed or already taken over; a gateway that is down still gets a plan', async () => {
    expect((await engine().planTakeover('crush')).refused).toMatch(/not detected/);
    await seedHome(h.home, join(FIXTURES, 'claude-code', 'hooks-plugins', 'home'));
    await engine().takeover('claude-code');
    expect((await engine().planTakeover('claude-code')).refused).toMatch(/already points at this gateway/);

    await seedHome(h.home, join(FIXTURES, 'codex', 'daily-driver', 'home'));
    await gw.close();
    const plan = await engine().planTakeover('codex');
    expect(plan.notes.join(' ')).toMatch(/models: the gateway's list could not be read/);
    expect(plan.files[0]!.after).toContain(`model_provider = "litellm"`);
  });
});

describe('describe: what gwctl wrote', () => {
  it("the ledger's edits with the key masked, the value before and now, and gwctl's .bak", async () => {
    await seedHome(h.home, join(FIXTURES, 'codex', 'daily-driver', 'home'));
    expect(await engine().describe('codex')).toEqual({ ledger: null, backups: [] });
    await engine().takeover('codex');
    const minted = [...gw.keys.values()][0]!.key;
    const d = await engine().describe('codex');
    expect(JSON.stringify(d)).not.toContain(minted);
    expect(d.ledger).toMatchObject({ state: 'applied', gatewayRoot: gw.url, keyRef: { kind: 'litellm', alias: expect.stringMatching(/^gwctl-codex-/) } });
    const edits = d.ledger!.files[0]!.edits;
    expect(edits).toContainEqual({ slot: 'model_provider', before: '(absent)', now: '"litellm" (as written)' });
    const provider = edits.find((e) => e.slot === 'model_providers.litellm')!;
    expect(provider.now).toContain(`"experimental_bearer_token":"${MASK}"`);
    const file = join(h.home, '.codex', 'config.toml');
    expect(d.backups).toEqual([{ path: `${file}.bak`, bytes: statSync(`${file}.bak`).size, ours: true }]);
  });
});
