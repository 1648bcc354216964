/**
 * Issue 17 §5–§8 through the CLI (in-process, `--no-agent`), against the fake LiteLLM.
 *
 * FIXED BUG (§5, Engine.takeoverOnce): with the ledger moved aside, a takeover of a taken-over tool
 * recorded gwctl's own values as the original, moved the real .bak to .bak.1 and put a live key
 * in the new .bak; restore then left the tool on the gateway.
 * FIXED BUG (§6, Engine.restoreOnce / KeySource.release): restore with the gateway failing dropped
 * the ledger entry (release never threw), so the key stayed live and forgotten; after five such
 * restores every takeover failed (aliases -2 … -5 all taken); restore after a gateway.url change
 * revoked at the new gateway ("already gone") and left the old key live.
 * FIXED BUG (§7, Engine.rotateOnce): after the key was deleted in the gateway, rotate minted the new
 * key under the same alias and deleted by that alias: a dead key, "key rotated", exit 0.
 * FIXED BUG (§8, Engine.takeoverOnce / qwen-code adapter): the refusal named ~/.qwen/.env for an
 * address set in settings.json, and --force reported "taken over" while the status stayed
 * "Connected (Other Address)".
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { seedHome, tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { holdWriterLock } from '../agent/helpers.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures');
let gw: FakeLiteLLM;
let h: TempHome;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(async () => {
  gw.keys.clear();
  gw.clearFaults();
  h = tempHome();
  await seedHome(h.home, join(FIX, 'codex', 'daily-driver', 'home'));
  await seedHome(h.home, join(FIX, 'claude-code', 'api-key-helper-tabs', 'home'));
  Object.assign(h.env, { GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey });
});
afterEach(() => h.cleanup());

const codex = () => join(h.home, '.codex', 'config.toml');
const ledgerPath = () => join(gwctlPaths({ home: h.home, env: h.env }).stateDir, 'ledger.json');
const liveKeys = () => [...gw.keys.values()].map((k) => k.key);

describe('§4 one writer per HOME', () => {
  it('while another process holds the writer lock: every tool fails with "another gwctl is writing (pid N)", nothing written, no key minted', async () => {
    const holder = await holdWriterLock(join(gwctlPaths({ home: h.home, env: h.env }).stateDir, 'writer.lock'));
    try {
      const before = readFileSync(codex());
      const t0 = Date.now();
      const r = await gwctl(['takeover', '--all', '--json'], { ...h.env, GWCTL_LOCK_TIMEOUT_MS: '300' });
      expect(Date.now() - t0).toBeLessThan(5000); // one wait, not one per tool
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const tools = r.json().tools.filter((t) => t.status !== 'not-detected');
      expect(tools.length).toBeGreaterThan(1);
      for (const t of tools) expect(t.error).toBe(`another gwctl is writing (pid ${holder.pid}); run the command again`);
      expect(readFileSync(codex()).equals(before)).toBe(true);
      expect(existsSync(`${codex()}.bak`)).toBe(false);
      expect(gw.keys.size).toBe(0);
    } finally {
      holder.release();
    }
    // The holder died: the lock is free at once.
    expect((await gwctl(['takeover', 'codex'], h.env)).code).toBe(0);
    expect((await gwctl(['restore', 'codex'], h.env)).code).toBe(0);
  });
});

describe('§5 the ledger lost, then a takeover', () => {
  it('a tool already pointing here is recognised; nothing of gwctl becomes "the original"; restore puts the clean .bak back', async () => {
    const original = readFileSync(codex());
    expect((await gwctl(['takeover', 'codex'], h.env)).code).toBe(0);
    expect(readFileSync(`${codex()}.bak`).equals(original)).toBe(true);
    renameSync(ledgerPath(), `${ledgerPath()}.aside`); // as LEDGER_CORRUPT tells the user
    const taken = readFileSync(codex());

    const again = await gwctl(['takeover', 'codex'], h.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already points at this gateway.*no record of that takeover.*gwctl restore codex.*config\.toml\.bak/s);
    expect(readFileSync(codex()).equals(taken)).toBe(true); // nothing written
    expect(readFileSync(`${codex()}.bak`).equals(original)).toBe(true);
    expect(existsSync(`${codex()}.bak.1`)).toBe(false);
    expect(liveKeys().length).toBe(1); // no new key minted

    const back = await gwctl(['restore', 'codex'], h.env);
    expect(back.code).toBe(0);
    expect(readFileSync(codex()).equals(original)).toBe(true);
    expect(back.stdout).toMatch(/put back .*config\.toml\.bak/);
    // And from there, a normal takeover/restore cycle.
    expect((await gwctl(['takeover', 'codex'], h.env)).code).toBe(0);
    expect((await gwctl(['restore', 'codex'], h.env)).code).toBe(0);
    expect(readFileSync(codex()).equals(original)).toBe(true);
  });
});

describe('§6 a key that could not be revoked is not forgotten', () => {
  it('restore with the gateway failing keeps revoke-pending (no plaintext), keys lists it, the next command revokes it', async () => {
    expect((await gwctl(['takeover', 'codex', 'claude-code'], h.env)).code).toBe(0);
    const minted = liveKeys();
    expect(minted.length).toBe(2);
    gw.fault('delete', { status: 503, body: { error: { message: 'database unavailable' } } });
    const r = await gwctl(['restore', 'codex', 'claude-code'], h.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/revoke-pending/);
    const ledgerText = readFileSync(ledgerPath(), 'utf8');
    for (const k of minted) expect(ledgerText).not.toContain(k);
    const keys = await gwctl(['keys', '--json'], h.env);
    const listed = JSON.parse(keys.stdout).keys as Array<{ tool: string; state: string; gateway: string }>;
    expect(listed.map((k) => [k.tool, k.state, k.gateway]).sort()).toEqual([
      ['claude-code', 'revoke-pending', gw.url],
      ['codex', 'revoke-pending', gw.url],
    ]);
    for (const k of minted) expect(keys.stdout).not.toContain(k);

    gw.clearFaults();
    // Any later command that reaches the gateway retries.
    const t = await gwctl(['takeover', 'codex'], h.env);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/revoke-pending key of codex: revoked/);
    expect(liveKeys().filter((k) => minted.includes(k))).toEqual([]);
    expect(JSON.parse((await gwctl(['keys', '--json'], h.env)).stdout).keys.filter((k: { state: string }) => k.state === 'revoke-pending')).toEqual([]);
    expect((await gwctl(['restore', 'codex'], h.env)).code).toBe(0);
    expect(liveKeys()).toEqual([]);
  });

  it('keys revoke --pending / ALIAS retries by hand; an unknown alias is refused', async () => {
    expect((await gwctl(['takeover', 'codex', 'claude-code'], h.env)).code).toBe(0);
    gw.fault('delete', { status: 500 });
    expect((await gwctl(['restore', 'codex', 'claude-code'], h.env)).code).toBe(0);
    expect((await gwctl(['keys', 'revoke', '--pending'], h.env)).code).toBe(1); // still failing: still pending
    gw.clearFaults();
    const pending = JSON.parse((await gwctl(['keys', '--json'], h.env)).stdout).keys as Array<{ alias: string; tool: string }>;
    const codexAlias = pending.find((k) => k.tool === 'codex')!.alias;
    const one = await gwctl(['keys', 'revoke', codexAlias], h.env);
    expect(one.code).toBe(0);
    expect(gw.keys.size).toBe(1);
    expect((await gwctl(['keys', 'revoke', 'gwctl-nope'], h.env)).code).toBe(1);
    expect((await gwctl(['keys', 'revoke', '--pending'], h.env)).code).toBe(0);
    expect(gw.keys.size).toBe(0);
  });

  it('aliases never run out: seven restores with revocation failing, each takeover still succeeds', async () => {
    gw.fault('delete', { status: 500 });
    for (let i = 0; i < 7; i++) {
      const t = await gwctl(['takeover', 'codex'], h.env);
      expect(t.stderr.replace(/^gwctl: no agent was running; started one.*\n/m, '')).toBe('');
      expect(t.code).toBe(0);
      expect((await gwctl(['restore', 'codex'], h.env)).code).toBe(0);
    }
    expect(gw.keys.size).toBe(7);
    gw.clearFaults();
    expect((await gwctl(['keys', 'revoke', '--pending'], h.env)).code).toBe(0);
    expect(gw.keys.size).toBe(0);
  });

  it('restore revokes at the gateway that minted the key, not the one configured now', async () => {
    const other = await startLiteLLM({ masterKey: gw.masterKey });
    try {
      expect((await gwctl(['takeover', 'codex'], h.env)).code).toBe(0);
      expect(gw.keys.size).toBe(1);
      const r = await gwctl(['restore', 'codex'], { ...h.env, GWCTL_GATEWAY_URL: other.url });
      expect(r.code).toBe(0);
      expect(gw.keys.size).toBe(0);
      expect(other.calls('delete')).toEqual([]);
      expect(r.stdout).toContain(`revoked key 'gwctl-codex-`);
    } finally {
      await other.close();
    }
  });
});

describe('§7 rotate', () => {
  it('after the key was deleted in the gateway: a new name, the old revoked by its own id, the config key accepted', async () => {
    expect((await gwctl(['takeover', 'codex'], h.env)).code).toBe(0);
    const [oldAlias] = [...gw.keys.keys()];
    gw.keys.clear(); // deleted in the gateway's UI
    const deletedBefore = gw.deleted.length;
    const r = await gwctl(['rotate', 'codex'], h.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already gone/);
    expect(gw.keys.size).toBe(1);
    const [live] = [...gw.keys.values()];
    expect(live!.key_alias).not.toBe(oldAlias); // never the old key's name
    expect(gw.deleted.length).toBe(deletedBefore); // the revocation of the old key deleted nothing (it was gone)
    expect(readFileSync(codex(), 'utf8')).toContain(live!.key);
    expect((await gwctl(['restore', 'codex'], h.env)).code).toBe(0);
    expect(gw.keys.size).toBe(0);
  });

  it('rotate --all rotates every taken-over tool', async () => {
    expect((await gwctl(['takeover', 'codex', 'claude-code'], h.env)).code).toBe(0);
    const before = liveKeys();
    const r = await gwctl(['rotate', '--all', '--json'], h.env);
    expect(r.code).toBe(0);
    expect(
      r
        .json()
        .tools.filter((t) => t.action === 'rotated')
        .map((t) => t.id)
        .sort(),
    ).toEqual(['claude-code', 'codex']);
    expect(liveKeys().filter((k) => before.includes(k))).toEqual([]);
    expect(gw.keys.size).toBe(2);
  });

  it('a gateway kind without a key API: "nothing to rotate", exit 1, nothing changed', async () => {
    const env = { ...h.env, GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_KEY: gw.masterKey };
    expect((await gwctl(['takeover', 'codex'], env)).code).toBe(0);
    const before = readFileSync(codex());
    const r = await gwctl(['rotate', 'codex'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/this gateway kind has no key API: nothing to rotate/);
    expect(readFileSync(codex()).equals(before)).toBe(true);
  });
});

describe('§8 a takeover that does not take over says so', () => {
  const QWEN = `{
  // my routes
  "modelProviders": {
    "openai": [
      { "id": "deepseek-chat", "baseUrl": "https://api.deepseek.com/v1", "envKey": "DEEPSEEK_API_KEY" }
    ]
  },
  "model": { "name": "deepseek-chat" }
}
`;
  const qwenDir = () => join(h.home, '.qwen');

  it('the refusal names settings.json; --force routes Qwen here (model.name), restore puts it back byte-identical', async () => {
    mkdirSync(qwenDir());
    writeFileSync(join(qwenDir(), 'settings.json'), QWEN);
    const refused = await gwctl(['takeover', 'qwen-code'], h.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(join(qwenDir(), 'settings.json'));
    expect(refused.stderr).not.toContain('.env');
    const forced = await gwctl(['takeover', 'qwen-code', '--force', '--json'], h.env);
    expect(forced.code).toBe(0);
    expect(forced.json().tools[0]).toMatchObject({ status: 'taken-over', action: 'taken-over' });
    expect((await gwctl(['restore', 'qwen-code'], h.env)).code).toBe(0);
    expect(readFileSync(join(qwenDir(), 'settings.json'), 'utf8')).toBe(QWEN);
    expect(existsSync(join(qwenDir(), '.env'))).toBe(false);
    expect(gw.keys.size).toBe(0);
  });

  it('when the write cannot make it taken-over, gwctl rolls its write back, revokes the key and fails', async () => {
    // The gateway's default model also has its own route elsewhere: selecting it changes nothing.
    mkdirSync(qwenDir());
    const text = QWEN.replace('"model": { "name": "deepseek-chat" }', '"model": { "name": "deepseek-chat" },\n  "other": 1').replace(
      '{ "id": "deepseek-chat"',
      '{ "id": "gpt-4o", "baseUrl": "https://api.openai.com/v1" },\n      { "id": "deepseek-chat"',
    );
    writeFileSync(join(qwenDir(), 'settings.json'), text);
    const r = await gwctl(['takeover', 'qwen-code', '--force', '--json'], { ...h.env });
    expect(r.code).toBe(1);
    const t = r.json().tools[0]!;
    expect(t.action).toBe('failed');
    expect(t.status).toBe('other-address');
    expect(t.error).toMatch(/still Connected \(Other Address\) after the takeover.*settings\.json.*rolled back/);
    expect(readFileSync(join(qwenDir(), 'settings.json'), 'utf8')).toBe(text);
    expect(existsSync(join(qwenDir(), '.env'))).toBe(false);
    expect(gw.keys.size).toBe(0);
  });
});
