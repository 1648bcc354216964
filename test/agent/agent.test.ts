/**
 * The agent end to end: a real `gwctl agent run` process per test (temp HOME), its real socket,
 * real chokidar, a fake gateway on 127.0.0.1, and `gwctl` (main) talking to it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allAdapters } from '../../src/adapters/index.ts';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { gwctlPaths } from '../../src/home/paths.ts';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { AgentConnection, probeAgent } from '../../src/ipc/client.ts';
import { socketLocation } from '../../src/home/paths.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { adapter, configPointingAt, ensureBuilt, Events, sleep, spawnGwctl, startAgentProc, writeFiles, writeSettings, type AgentProc } from './helpers.ts';
import { BROKEN_SETTLE_MS } from '../../src/agent/tool-state.ts';

const ELSEWHERE = 'https://llm.example.com';
const ORIGINAL = '{\n  "model": "opus",\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n';

let gw: FakeLiteLLM;
let h: TempHome;
let env: Record<string, string>;
let agents: AgentProc[];
let subs: Events[];

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  // A fresh gateway per test: LiteLLM key aliases are unique, and tests leave keys behind.
  gw = await startLiteLLM();
  h = tempHome('gwctl-agent-');
  env = {
    ...h.env,
    GWCTL_GATEWAY_KIND: 'litellm',
    GWCTL_GATEWAY_URL: gw.url,
    GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey,
  };
  agents = [];
  subs = [];
  writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 } });
});
afterEach(async () => {
  for (const s of subs) s.close();
  for (const a of agents) await a.stop('SIGTERM');
  // One a test started through autostart, if the test failed before stopping it.
  if (await probeAgent(socketLocation({ home: h.home, env })).catch(() => null)) await gwctl(['agent', 'stop'], env);
  await gw.close();
  h.cleanup();
});

async function agent(): Promise<AgentProc> {
  const a = await startAgentProc(env);
  agents.push(a);
  return a;
}
async function subscribe(): Promise<Events> {
  const s = await Events.subscribe(env);
  subs.push(s);
  return s;
}
const claudeSettings = () => join(h.home, '.claude', 'settings.json');
const ctx = () => ({ home: h.home, env });

describe('watching', () => {
  it("an edit to each tool's file produces the right status-changed", async () => {
    for (const a of allAdapters()) mkdirSync(a.locate(ctx()).dir, { recursive: true });
    await agent();
    const ev = await subscribe();
    // Launch-only tools (Copilot CLI) have no config file to edit.
    const editable = TOOL_IDS.filter((id) => !adapter(id).launchOnly);
    for (const id of editable) {
      const a = adapter(id);
      writeFiles(configPointingAt(a, ctx(), ELSEWHERE));
      const other = await ev.waitFor((e) => e.type === 'status-changed' && e.tool === id);
      expect(other).toMatchObject({ status: 'other-address', previous: 'not-taken-over', cause: 'file-change' });
      const n = ev.length;
      writeFiles(configPointingAt(a, ctx(), gw.url));
      const here = await ev.waitFor((e) => e.type === 'status-changed' && e.tool === id, 3000, n);
      expect(here).toMatchObject({ status: 'taken-over', previous: 'other-address', address: expect.stringContaining(gw.url) });
    }
    // One event per edit: nothing doubled, nothing for other tools.
    expect(ev.all.filter((e) => e.type === 'status-changed')).toHaveLength(2 * editable.length);
  });

  it('mkdir of a new tool dir produces tool-detected (dirs that did not exist at start)', async () => {
    await agent();
    const ev = await subscribe();
    for (const id of TOOL_IDS) {
      mkdirSync(adapter(id).locate(ctx()).dir, { recursive: true });
      const e = await ev.waitFor((x) => x.type === 'tool-detected' && x.tool === id);
      expect(e.status).toBe('not-taken-over');
    }
    // Honours the env override: a CODEX_HOME agent watches that dir instead.
  });

  it("honours a tool's env override (CODEX_HOME) for the dir it watches", async () => {
    env.CODEX_HOME = join(h.home, 'work', 'codex-home');
    const a = await agent();
    expect(a.hello.watching.codex).toBe(env.CODEX_HOME);
    const ev = await subscribe();
    mkdirSync(env.CODEX_HOME, { recursive: true });
    await ev.waitFor((x) => x.type === 'tool-detected' && x.tool === 'codex');
    mkdirSync(join(h.home, '.codex'));
    await sleep(150);
    expect(ev.all.filter((x) => x.tool === 'codex')).toHaveLength(2); // tool-detected + status-changed
  });

  it("a burst of writes to one file is coalesced, and the last status published is the file's", async () => {
    mkdirSync(adapter('codex').locate(ctx()).dir, { recursive: true });
    await agent();
    const ev = await subscribe();
    const texts = [configPointingAt(adapter('codex'), ctx(), 'https://a.example.com'), configPointingAt(adapter('codex'), ctx(), 'https://b.example.com')];
    // Two bursts of 800 alternating writes, one a millisecond: the agent checks several times
    // while the file keeps changing under it, and must still end on the last content.
    for (const last of [1, 0]) {
      const t0 = performance.now();
      for (let i = 0; i < 800; i++) {
        while (performance.now() - t0 < i) await new Promise((r) => setImmediate(r));
        writeFiles(texts[(i + last + 1) % 2]!);
      }
      await sleep(500);
      const changes = ev.all.filter((e) => e.type === 'status-changed' && e.tool === 'codex');
      expect(changes.length).toBeGreaterThan(0);
      expect(changes.length).toBeLessThan(40);
      expect(changes.at(-1)!.address).toContain(last ? 'b.example.com' : 'a.example.com');
    }
    expect(ev.all.filter((e) => e.error)).toEqual([]);
  });

  it('a half-written file is retried, not reported; a file that stays broken is reported once', async () => {
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(claudeSettings(), ORIGINAL);
    await agent();
    const ev = await subscribe();
    const full = configPointingAt(adapter('claude-code'), ctx(), ELSEWHERE, { settings: ORIGINAL })[0]!.text;
    writeFileSync(claudeSettings(), full.slice(0, 20));
    await sleep(5);
    writeFileSync(claudeSettings(), full);
    const e = await ev.waitFor((x) => x.type === 'status-changed');
    expect(e.status).toBe('other-address');
    await sleep(400);
    expect(ev.all.filter((x) => x.error)).toEqual([]);

    writeFileSync(claudeSettings(), '{"env": {');
    const broken = await ev.waitFor((x) => x.type === 'status-changed' && x.status === null);
    expect(broken.error).toContain(claudeSettings());
    expect(broken.error).not.toContain('{"env"');
  });
});

describe('drift and re-apply', () => {
  async function takenOver(settings: Record<string, unknown>) {
    writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 }, ...settings });
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(claudeSettings(), ORIGINAL);
    await agent();
    const ev = await subscribe();
    const r = await gwctl(['takeover', 'claude-code', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // through the running agent: nothing started
    return ev;
  }
  const keyInFile = () => /"ANTHROPIC_AUTH_TOKEN": "([^"]+)"/.exec(readFileSync(claudeSettings(), 'utf8'))?.[1];

  it("the agent's own writes produce no file events (takeover and restore through it)", async () => {
    const ev = await takenOver({});
    await ev.waitFor((e) => e.type === 'status-changed' && e.cause === 'takeover');
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    await ev.waitFor((e) => e.type === 'status-changed' && e.cause === 'restore');
    await sleep(300);
    expect(ev.all.map((e) => [e.type, e.cause])).toEqual([
      ['status-changed', 'takeover'],
      ['status-changed', 'restore'],
    ]);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
  });

  it('a tool rewriting its file without our slot produces drift; with autoReapply the slot is back and the old key revoked', async () => {
    const ev = await takenOver({ autoReapply: true });
    const oldKey = keyInFile();
    const deletedBefore = gw.deleted.length;
    expect(oldKey).toMatch(/^sk-/);
    expect([...gw.keys.values()].map((k) => k.key)).toContain(oldKey);
    const n = ev.length;

    writeFileSync(claudeSettings(), ORIGINAL); // the tool rewrote its settings without ours
    const drift = await ev.waitFor((e) => e.type === 'drift', 3000, n);
    expect(drift).toMatchObject({ tool: 'claude-code', status: 'not-taken-over' });
    await ev.waitFor((e) => e.type === 'reapplied', 5000, n);

    const newKey = keyInFile();
    expect(newKey).toMatch(/^sk-/);
    expect(newKey).not.toBe(oldKey);
    const live = [...gw.keys.values()].map((k) => k.key);
    expect(live).toContain(newKey);
    expect(live).not.toContain(oldKey); // revoked
    expect(gw.deleted.length).toBe(deletedBefore + 1);
    expect((await gwctl(['status', 'claude-code', '--json'], env)).json().tools[0]!.status).toBe('taken-over');
    // The re-apply's own write is not seen as another change.
    await sleep(300);
    expect(ev.all.slice(n).map((e) => e.type)).toEqual(['status-changed', 'drift', 'reapplied', 'status-changed']);
    expect(ev.all.at(-1)).toMatchObject({ cause: 'reapply', status: 'taken-over' });
    // Keys never reach the agent's log.
    const log = readFileSync(join(gwctlPaths(ctx()).logDir, 'agent.log'), 'utf8');
    expect(log).toMatch(/"type":"reapplied"/);
    for (const secret of [oldKey!, newKey!, gw.masterKey]) expect(log).not.toContain(secret);
  });

  it('autoReapply turned on with `gwctl config set` while the agent runs takes effect at the next drift', async () => {
    const ev = await takenOver({});
    const set = await gwctl(['config', 'set', 'autoReapply', 'claude-code'], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('autoReapply = claude-code');
    const n = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL);
    await ev.waitFor((e) => e.type === 'reapplied', 5000, n);
    expect(readFileSync(claudeSettings(), 'utf8')).toContain(gw.url);
    // And off again: the next drift stays.
    expect((await gwctl(['config', 'unset', 'autoReapply'], env)).stdout).toMatch(/autoReapply removed/);
    await sleep(300);
    const m = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL);
    await ev.waitFor((e) => e.type === 'drift', 3000, m);
    await sleep(400);
    expect(ev.all.slice(m).some((e) => e.type === 'reapplied')).toBe(false);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
  });

  it('autoTakeoverNew takes over a tool that appears while the agent runs', async () => {
    writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 }, autoTakeoverNew: ['claude-code'] });
    await agent();
    const ev = await subscribe();
    mkdirSync(join(h.home, '.codex'));
    mkdirSync(join(h.home, '.claude'));
    const e = await ev.waitFor((x) => x.type === 'reapplied' && x.tool === 'claude-code', 5000);
    expect(e).toMatchObject({ cause: 'auto-takeover', status: 'taken-over' });
    expect(readFileSync(claudeSettings(), 'utf8')).toContain(gw.url);
    await sleep(200);
    // Only the chosen tool.
    expect(ev.all.filter((x) => x.tool === 'codex').map((x) => x.type)).toEqual(['tool-detected', 'status-changed']);
  });

  it('without autoReapply: drift, and the file is left as the tool wrote it', async () => {
    const ev = await takenOver({});
    const n = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL);
    await ev.waitFor((e) => e.type === 'drift', 3000, n);
    await sleep(300);
    expect(ev.all.slice(n).some((e) => e.type === 'reapplied')).toBe(false);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
  });

  it('pointing it elsewhere produces drift and no re-apply, even with autoReapply', async () => {
    const ev = await takenOver({ autoReapply: true });
    const n = ev.length;
    const elsewhere = configPointingAt(adapter('claude-code'), ctx(), ELSEWHERE, { settings: ORIGINAL });
    writeFiles(elsewhere);
    const drift = await ev.waitFor((e) => e.type === 'drift', 3000, n);
    expect(drift).toMatchObject({ status: 'other-address', address: expect.stringContaining('llm.example.com') });
    await sleep(400);
    expect(ev.all.slice(n).map((e) => e.type)).toEqual(['status-changed', 'drift']);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(elsewhere[0]!.text);
  });

  it('a rewrite in place (truncate, a pause, then the text) is one change, not a pass through "empty"', async () => {
    const ev = await takenOver({ autoReapply: true });
    const n = ev.length;
    const elsewhere = configPointingAt(adapter('claude-code'), ctx(), ELSEWHERE, { settings: ORIGINAL });
    // What writeFileSync does, with the two steps far enough apart for the watcher to settle between.
    writeFileSync(claudeSettings(), '');
    await sleep(120);
    writeFiles(elsewhere);
    const drift = await ev.waitFor((e) => e.type === 'drift', 3000, n);
    expect(drift).toMatchObject({ status: 'other-address', address: expect.stringContaining('llm.example.com') });
    await sleep(500);
    expect(ev.all.slice(n).map((e) => e.type)).toEqual(['status-changed', 'drift']);
  });

  it('a file emptied and left empty is reported once the settle time has passed', async () => {
    const ev = await takenOver({});
    const n = ev.length;
    const t0 = Date.now();
    writeFileSync(claudeSettings(), '');
    const drift = await ev.waitFor((e) => e.type === 'drift', 3000, n);
    expect(drift).toMatchObject({ status: 'not-taken-over' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(BROKEN_SETTLE_MS - 20);
  });

  it('10 edits a second, each a rewrite in place (truncate, then write): every one is reported, in order, and nothing in between', async () => {
    writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 } });
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(claudeSettings(), ORIGINAL);
    await agent();
    const ev = await subscribe();
    await sleep(200);
    const a = adapter('claude-code');
    const roots = ['https://one.example.com', 'https://two.example.com'];
    const texts = roots.map((r) => configPointingAt(a, ctx(), r, { settings: ORIGINAL })[0]!.text);
    const n = ev.length;
    const EDITS = 60;
    for (let i = 0; i < EDITS; i++) {
      writeFileSync(claudeSettings(), texts[i % 2]!); // open(O_TRUNC), then write: what most tools do
      await sleep(100);
    }
    await sleep(500);
    const changes = ev.all.slice(n).filter((e) => e.type === 'status-changed' && e.tool === 'claude-code');
    expect(changes.map((e) => `${e.status} ${e.address}`)).toEqual(Array.from({ length: EDITS }, (_, i) => `other-address ${roots[i % 2]}`));
  });

  it('the loop guard stops re-applying after reapplyPerMinute and says so', async () => {
    const ev = await takenOver({ autoReapply: ['claude-code'], agent: { gatewayCheckSeconds: 0, reapplyPerMinute: 2 } });
    for (let i = 0; i < 2; i++) {
      const n = ev.length;
      writeFileSync(claudeSettings(), ORIGINAL);
      await ev.waitFor((e) => e.type === 'reapplied', 5000, n);
    }
    const n = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL);
    const stop = await ev.waitFor((e) => e.type === 'reapply-failed', 3000, n);
    expect(stop.message).toMatch(/2 times within a minute; re-applying stopped/);
    await sleep(200);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
    // What gwctl ui shows: drifted (ledger applied, not pointing here), suspended, auto re-apply on.
    const conn = await AgentConnection.open(socketLocation({ home: h.home, env }));
    try {
      expect((await conn.request('marks', {})).tools['claude-code']).toEqual({ ledger: 'applied', suspended: true, autoReapply: true });
      expect((await conn.request('marks', {})).tools.codex).toEqual({ ledger: null, suspended: false, autoReapply: false });
      const detail = await conn.request('detail', { tool: 'claude-code' });
      expect(detail.report.status).toBe('not-taken-over');
      expect(detail.ledger?.state).toBe('applied');
      expect(detail.plan?.files[0]?.diff.some((l) => l.kind === '+' && l.text.includes('ANTHROPIC_BASE_URL'))).toBe(true);
      const json = JSON.stringify(detail);
      for (const k of gw.keys.values()) expect(json).not.toContain(k.key);
      await expect(conn.request('detail', { tool: 'vim' as never })).rejects.toThrow(/tool must be one of/);
    } finally {
      conn.close();
    }
    // A takeover by the user resumes it.
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    const m = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL);
    await ev.waitFor((e) => e.type === 'reapplied', 5000, m);
  });

  it('gateway-down and gateway-up while a tool is taken over', async () => {
    const ev = await takenOver({ agent: { gatewayCheckSeconds: 1 } });
    gw.fault('liveliness', { status: 503 });
    const down = await ev.waitFor((e) => e.type === 'gateway-down', 4000);
    expect(down.message).toMatch(/not answering/);
    gw.clearFaults();
    await ev.waitFor((e) => e.type === 'gateway-up', 4000);
  });
});

describe('lifecycle', () => {
  it("a second agent refuses to start and leaves the first one's socket alone", async () => {
    const first = await agent();
    const second = spawnGwctl(['agent', 'run'], env);
    expect(await second.exited).toBe(1);
    expect(second.err()).toMatch(new RegExp(`already running \\(pid ${first.hello.pid}, socket .*agent\\.sock\\)`));
    const loc = socketLocation({ home: h.home, env });
    expect((await probeAgent(loc))?.pid).toBe(first.hello.pid);
    // `agent start` is idempotent and says so.
    const start = await gwctl(['agent', 'start'], env);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(`already running (pid ${first.hello.pid}`);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: clean shutdown, socket removed, log flushed', async (signal) => {
    const a = await agent();
    const loc = socketLocation({ home: h.home, env });
    expect(await a.stop(signal)).toBe(0);
    expect(existsSync(loc.path)).toBe(false);
    const lines = readFileSync(join(gwctlPaths(ctx()).logDir, 'agent.log'), 'utf8').split('\n');
    expect(lines.filter((l) => l.includes('agent stopped') && l.includes(`"reason":"${signal}"`))).toHaveLength(1);
  });

  it('after SIGKILL a new agent starts (stale socket handled) with the ledger intact', async () => {
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(claudeSettings(), ORIGINAL);
    const a = await agent();
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    const ledgerPath = new LedgerStore(gwctlPaths(ctx()).stateDir).path;
    const ledger = readFileSync(ledgerPath, 'utf8');
    expect(await a.stop('SIGKILL')).toBe(null);
    const loc = socketLocation({ home: h.home, env });
    expect(statSync(loc.path).isSocket()).toBe(true); // left behind
    const b = await agent();
    expect(b.hello.pid).not.toBe(a.hello.pid);
    expect(readFileSync(ledgerPath, 'utf8')).toBe(ledger);
    const r = await gwctl(['status', 'claude-code', '--json'], env);
    expect(r.json().tools[0]!.status).toBe('taken-over');
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
  });

  it('an agent whose socket is removed (its HOME deleted) stops instead of running on unreachable', async () => {
    const a = await agent();
    rmSync(socketLocation({ home: h.home, env }).path);
    expect(await a.exited).toBe(0);
    expect(readFileSync(join(gwctlPaths(ctx()).logDir, 'agent.log'), 'utf8')).toMatch(/socket was removed or replaced; stopping/);
  });

  it('agent status / stop', async () => {
    const a = await agent();
    const s = await gwctl(['agent', 'status', '--json'], env);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ running: true, pid: a.hello.pid, home: h.home });
    const stop = await gwctl(['agent', 'stop'], env);
    expect(stop.stdout).toMatch(`stopped (pid ${a.hello.pid})`);
    expect(await a.exited).toBe(0);
    const after = await gwctl(['agent', 'status'], env);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/not running/);
  });
});

describe('settings', () => {
  it('one writer: `gwctl config set` while the agent runs takes effect at its next decision; the socket has no config.set', async () => {
    const ev = await (async () => {
      mkdirSync(join(h.home, '.claude'));
      writeFileSync(claudeSettings(), ORIGINAL);
      await agent();
      const e = await subscribe();
      expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
      return e;
    })();
    const set = await gwctl(['config', 'set', 'autoReapply', 'claude-code'], env);
    expect(set.code, set.stderr).toBe(0);
    const file = join(gwctlPaths(ctx()).configDir, 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).autoReapply).toEqual(['claude-code']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const n = ev.length;
    writeFileSync(claudeSettings(), ORIGINAL); // drift
    await ev.waitFor((e) => e.type === 'reapplied', 5000, n);

    const conn = await AgentConnection.open(socketLocation({ home: h.home, env }));
    try {
      await expect(conn.request('config.set' as never, { key: 'autoReapply', value: false } as never)).rejects.toThrow(/unknown method 'config\.set'/);
    } finally {
      conn.close();
    }
  });

  it('a settings file that is not JSON: the agent refuses to start and says which file', async () => {
    const file = join(gwctlPaths(ctx()).configDir, 'config.json');
    writeFileSync(file, '{"autoReapply": tru');
    const p = spawnGwctl(['agent', 'run'], env);
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain(`${file}: gwctl's settings are not valid JSON`);
    expect(existsSync(socketLocation({ home: h.home, env }).path)).toBe(false);
  });
});

describe('gwctl through the agent', () => {
  it('the status path loads no chokidar, pino, conf, notifier, node-ipc, Ink/React (gwctl ui), or fs.promises', async () => {
    await agent();
    const hook = join(h.home, 'hook.mjs');
    writeFileSync(
      hook,
      `const { registerHooks } = process.getBuiltinModule('node:module');
const seen = [];
const internalBefore = new Set(process.moduleLoadList);
registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify({ seen, internal: process.moduleLoadList.filter((m) => !internalBefore.has(m)) }) + '\\n'));
`,
    );
    const p = spawnGwctl(['status', '--json'], env, ['--import', hook]);
    expect(await p.exited).toBe(0);
    const loaded: { seen: string[]; internal: string[] } = JSON.parse(/LOADED (.*)/.exec(p.err())![1]!);
    expect(loaded.seen.some((u) => u.includes('/dist/ipc/client.js'))).toBe(true); // it did go through the socket
    for (const heavy of [
      '/chokidar/',
      '/pino/',
      '/conf/',
      '/node-notifier/',
      '/node-ipc/',
      '/dist/agent/agent.js',
      '/dist/watchers/',
      '/dist/engine/',
      '/node_modules/ink/',
      '/node_modules/react/',
      '/dist/ui/',
    ]) {
      expect(loaded.seen.filter((u) => u.includes(heavy))).toEqual([]);
    }
    // Node's own modules: an ES import of node:fs would load fs.promises, readline and fs streams;
    // one of node:util, worker_threads.
    expect(loaded.internal).toContain('NativeModule net'); // the list is live: the socket's module is in it
    for (const heavy of [
      'NativeModule internal/fs/promises',
      'NativeModule internal/readline/interface',
      'NativeModule internal/fs/streams',
      'NativeModule child_process',
      'NativeModule worker_threads',
      'NativeModule crypto',
    ]) {
      expect(loaded.internal).not.toContain(heavy);
    }
  });

  it("the agent loads neither conf, fetch, node:http, node-ipc's TLS transport nor an unused parser; it still serves, logs and takes over", async () => {
    const hook = join(h.home, 'hook.mjs');
    const out = join(h.home, 'loaded.json');
    writeFileSync(
      hook,
      `const { registerHooks } = process.getBuiltinModule('node:module');
const { writeFileSync } = process.getBuiltinModule('node:fs');
const seen = [];
// load, not resolve: the agent's own resolve hook, registered later, answers first for what it leans.
registerHooks({ load(url, c, next) { seen.push(url); return next(url, c); } });
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify({ seen, internal: process.moduleLoadList })));
`,
    );
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(claudeSettings(), ORIGINAL);
    const a = await startAgentProc(env, ['--import', hook]);
    agents.push(a);
    const ev = await subscribe();
    const r = await gwctl(['takeover', 'claude-code', '--json'], env); // health, key mint, model list: the gateway client
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(claudeSettings(), ORIGINAL);
    await ev.waitFor((e) => e.type === 'drift');
    expect(await a.stop('SIGTERM')).toBe(0);
    const loaded: { seen: string[]; internal: string[] } = JSON.parse(readFileSync(out, 'utf8'));
    expect(loaded.seen.some((u) => u.endsWith('/dist/agent/unused-module.js'))).toBe(true);
    expect(loaded.seen.some((u) => u.includes('/node_modules/node-ipc/'))).toBe(true);
    expect(loaded.seen.some((u) => u.includes('/node_modules/pino/'))).toBe(true);
    for (const unused of ['/node_modules/conf/', '/node_modules/ajv/', '/node_modules/yaml/', '/node_modules/js-yaml/', '/node_modules/json5/', '/momoa/'])
      expect(loaded.seen.filter((u) => u.includes(unused))).toEqual([]);
    expect(loaded.internal).toContain('NativeModule net');
    // (dgram, child_process and worker_threads are loaded by Node itself when a server listens.)
    for (const unused of [
      'NativeModule tls',
      'NativeModule _tls_wrap',
      'NativeModule http',
      'NativeModule _http_client',
      'NativeModule internal/deps/undici/undici',
    ])
      expect(loaded.internal).not.toContain(unused);
    // pino still writes the log through its file destination.
    const log = readFileSync(join(gwctlPaths({ home: h.home, env }).logDir, 'agent.log'), 'utf8');
    expect(log).toMatch(/"msg":"agent started"/);
  });

  it('status with no agent starts one in the background, says so, and answers like --no-agent', async () => {
    mkdirSync(join(h.home, '.claude'));
    mkdirSync(join(h.home, '.codex'));
    const inProcess = await gwctl(['status', '--json', '--no-agent'], env);
    const r = await gwctl(['status', '--json'], env);
    expect(r.code).toBe(0);
    const pid = Number(/started one in the background \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(r.stdout).toBe(inProcess.stdout);
    // The next call finds it and says nothing.
    const again = await gwctl(['status'], env);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/Claude Code\s+Not Taken Over/);
    expect((await gwctl(['agent', 'stop'], env)).stdout).toMatch(`stopped (pid ${pid})`);
  });

  it('--no-autostart and the autostart setting run in-process when no agent runs', async () => {
    const r = await gwctl(['status', '--json', '--no-autostart'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    writeSettings(h.home, env, { autostart: false, notify: false });
    expect((await gwctl(['status'], env)).stderr).toBe('');
    expect(await probeAgent(socketLocation({ home: h.home, env }))).toBeNull();
  });

  it('--no-agent (and GWCTL_NO_AGENT=1) refuse to write while an agent runs', async () => {
    mkdirSync(join(h.home, '.claude'));
    const a = await agent();
    for (const [args, e] of [
      [['takeover', 'claude-code', '--no-agent'], { ...env, GWCTL_NO_AGENT: '' }],
      [['takeover', 'claude-code'], { ...env, GWCTL_NO_AGENT: '1' }],
    ] as const) {
      const r = await gwctl([...args], e);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`agent is running \\(pid ${a.hello.pid}\\).*gwctl agent stop`));
    }
    expect(existsSync(claudeSettings())).toBe(false);
    // Reading in-process is harmless and allowed.
    expect((await gwctl(['status', '--no-agent'], env)).code).toBe(0);
  });

  it('servbay with a key saved by `config set` (stdin): takeover, rotate (nothing to rotate) and restore through the agent', async () => {
    const servbay = await startGateway();
    try {
      const e = { ...env, GWCTL_GATEWAY_KIND: 'servbay', GWCTL_GATEWAY_URL: servbay.url, GWCTL_GATEWAY_ADMIN_KEY: '' };
      const key = 'sk-servbay-saved-5e1f0a';
      expect((await gwctl(['config', 'set', 'gateway.key'], e, key + '\n')).code).toBe(0);
      mkdirSync(join(h.home, '.claude'));
      writeFileSync(claudeSettings(), ORIGINAL);
      await agent();
      const take = await gwctl(['takeover', 'claude-code', '--json'], e);
      expect(take.code, take.stderr).toBe(0);
      expect(take.json().tools[0]!.status).toBe('taken-over');
      expect(JSON.parse(readFileSync(claudeSettings(), 'utf8')).env.ANTHROPIC_AUTH_TOKEN).toBe(key);
      // ServBay has no key API: nothing to rotate (it used to print "key rotated", changing nothing).
      const rot = await gwctl(['rotate', 'claude-code', '--json'], e);
      expect(rot.code).toBe(1);
      expect(rot.json().tools[0]!.action).toBe('refused');
      expect(rot.json().tools[0]!.error).toMatch(/this gateway kind has no key API: nothing to rotate/);
      expect(rot.stdout + rot.stderr).not.toContain(key);
      const back = await gwctl(['restore', 'claude-code', '--json'], e);
      expect(back.code, back.stderr).toBe(0);
      expect(readFileSync(claudeSettings(), 'utf8')).toBe(ORIGINAL);
      expect(back.json().tools[0]!.notes!.join('\n')).toMatch(/configured key was kept/);
    } finally {
      await servbay.close();
    }
  });

  it('gwctl watch --json streams one JSON event per line', async () => {
    mkdirSync(join(h.home, '.claude'));
    await agent();
    const w = spawnGwctl(['watch', '--json'], env);
    const end = Date.now() + 5000;
    // Wait until it has subscribed (the agent counts it).
    while ((await probeAgent(socketLocation({ home: h.home, env })))?.subscribers !== 1) {
      if (Date.now() > end) throw new Error(w.err());
      await sleep(20);
    }
    writeFiles(configPointingAt(adapter('claude-code'), ctx(), ELSEWHERE));
    while (!w.out().includes('\n')) {
      if (Date.now() > end) throw new Error(w.err());
      await sleep(10);
    }
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
    const lines = w
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'status-changed', tool: 'claude-code', status: 'other-address', seq: expect.any(Number) });
  });
});
