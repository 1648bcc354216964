/**
 * The real-client proof: for each AI coding CLI that installs from the npm registry, in a
 * throw-away HOME holding a realistic config,
 *   1. `gwctl takeover <tool>` points it at a local recording gateway with a virtual key,
 *   2. the real client, started non-interactively, sends its model request there with that key
 *      (and no other credential),
 *   3. `gwctl restore <tool>` gives back every file gwctl touched, byte for byte (files the
 *      client rewrote itself: original + the client's changes, without our slot; gwctl's
 *      `<file>.bak` copies may stay when they equal the original).
 * takeover/restore go through the gwctl agent they start; it is stopped after each client.
 * Clients run one after another. Crush has no test: its npm package downloads a binary.
 * Processes a client leaves behind in its sandbox (Cline's hub daemon) are killed after its run.
 * GWCTL_CLIENTS_MANUAL=1 swaps gwctl for the hand-written takeover of manual-takeover.ts.
 */
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEBUG,
  PROMPT,
  changedFiles,
  summaryTable,
  describeRun,
  gwctl,
  headerValue,
  killStrays,
  makeSandbox,
  stopAgent,
  run,
  sameContent,
  snapshot,
  tail,
  text,
  type ClientCase,
  type GwctlResult,
  type Snapshot,
} from './harness.ts';
import { clientFor, installClient, type Installed } from './install.ts';
import { manualTakeover } from './manual-takeover.ts';
import { startRecorder, type RecordedRequest } from './recorder.ts';
import { restoredAroundClient } from './semantic.ts';

const MANUAL = process.env.GWCTL_CLIENTS_MANUAL === '1';
const CASES: ClientCase[] = [
  {
    tool: 'claude-code',
    // Claude rewrites ~/.claude/settings.json on its first run: it re-sorts the keys and migrates
    // `autoUpdates: false` from ~/.claude.json into env.DISABLE_AUTOUPDATER.
    args: ['-p', PROMPT],
    // A key exported in the shell must not reach the gateway as x-api-key (TOOLS.md: the
    // `ANTHROPIC_API_KEY: ""` trap). The fixture's apiKeyHelper is the same trap from settings.
    env: { ANTHROPIC_API_KEY: 'sk-ant-shell-leak' },
    path: /^\/v1\/messages$/,
    auth: ['authorization'],
  },
  {
    tool: 'codex',
    // The fixture's auth.json holds an OPENAI_API_KEY: it must not reach the gateway.
    args: ['exec', '--skip-git-repo-check', PROMPT],
    path: /^\/v1\/responses$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'gemini-cli',
    // Gemini migrates the deprecated general.disableAutoUpdate to general.enableAutoUpdate in
    // ~/.gemini/settings.json (and drops the final newline) on its first run.
    args: ['-p', PROMPT],
    env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    path: /^\/v1beta\/models\/[^/]+:(streamGenerateContent|generateContent)$/,
    auth: ['x-goog-api-key'],
  },
  {
    tool: 'qwen-code',
    args: ['-p', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'kimi-code',
    args: ['-p', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'opencode',
    args: ['run', '-m', 'litellm/gpt-4o', PROMPT], // the LiteLLM kind's provider id,
    env: { OPENCODE_PURE: '1' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'codebuddy',
    args: ['-p', '--model', 'gpt-4o', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization', 'x-api-key'],
    listsModels: true,
  },
  {
    tool: 'pi',
    // The model comes from settings.json defaultProvider/defaultModel, which the takeover sets.
    args: ['-p', PROMPT],
    env: { PI_SKIP_VERSION_CHECK: '1', PI_TELEMETRY: '0' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'kilo',
    // Kilo rewrites kilo.jsonc on its first run (adds permission defaults, drops comments).
    args: ['run', PROMPT],
    env: { KILO_DISABLE_AUTOUPDATE: '1' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'droid',
    // No Factory login: the selected custom model carries its own key.
    args: ['exec', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'cline',
    // Cline rewrites providers.json on every run (re-orders keys, stamps updatedAt) and starts a
    // hub daemon, which the test stops after the run.
    args: [PROMPT],
    env: { CLINE_NO_AUTO_UPDATE: '1' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'grok',
    // Grok appends [marketplace] to config.toml on its first run.
    args: ['-p', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'continue',
    // The fixture's index/globalContext.json selects the user's own model (it outranks the order
    // of config.yaml): the takeover must move that selection too.
    args: ['-p', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
  {
    tool: 'openclaw',
    // One embedded turn without an OpenClaw gateway, against the ordinary config (JSON5).
    args: ['agent', 'exec', PROMPT],
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
    listsModels: true,
  },
];

interface Row {
  client: string;
  version: string;
  install: string;
  size: string;
  path: string;
  auth: string;
  /** Model(s) the client asked for (the gateway offers gpt-4o, claude-sonnet-4-5, qwen3-coder). */
  model: string;
  client_exit: string;
  ms: string;
  result: string;
}
const rows: Row[] = [];
const suiteStart = performance.now();

/** gwctl's own files (ledger, settings, logs): not tool configs. */
const isGwctlOwn = (rel: string) => /(^|\/)gwctl(\/|$)/.test(rel);

function expectGwctlOk(r: GwctlResult, what: string, key: string): void {
  expect(r.code, `${what} failed: ${describeRun(r, [])}`).toBe(0);
  expect(r.stdout.includes(key) || r.stderr.includes(key), `${what} printed the virtual key`).toBe(false);
}

interface ToolJson {
  id: string;
  status: string;
  configPath?: string;
  address?: string;
}
function toolsOf(r: GwctlResult): ToolJson[] {
  const tools = (r.json as { tools?: ToolJson[] } | null)?.tools;
  expect(Array.isArray(tools), `--json output has no "tools" array: ${tail(r.stdout)}`).toBe(true);
  return tools as ToolJson[];
}

describe('real clients: takeover → model request → restore', () => {
  for (const c of CASES) {
    const client = clientFor(c.tool);
    it(`${c.tool} (${client.pkg}@${client.version})`, async () => {
      const row: Row = {
        client: c.tool,
        version: client.version,
        install: '-',
        size: '-',
        path: '-',
        auth: '-',
        model: '-',
        client_exit: '-',
        ms: '-',
        result: 'FAIL',
      };
      rows.push(row);
      const installed: Installed = await installClient(client);
      row.install = installed.cached ? `${installed.installSeconds}s (cached)` : `${installed.installSeconds}s`;
      row.size = `${installed.sizeMiB} MiB`;

      const sb = makeSandbox(c.tool);
      const gw = await startRecorder();
      // A LiteLLM-style gateway: gwctl mints a key for this tool (MANUAL: a key written by hand).
      let key = `sk-gwctl-test-${randomBytes(12).toString('hex')}`;
      const admin = { url: gw.url, adminKey: gw.masterKey };
      let agentNote = '';
      try {
        const s0: Snapshot = snapshot(sb.home);

        // a. takeover
        let configPath: string;
        if (MANUAL) {
          configPath = manualTakeover(c.tool, sb.home, gw.url, key);
        } else {
          const t = await gwctl(sb, ['takeover', c.tool], admin);
          expect(gw.minted.size, 'gwctl minted one key for the tool').toBe(1);
          const [alias, minted] = [...gw.minted.entries()][0]!;
          expect(alias).toMatch(new RegExp(`^gwctl-${c.tool}-`));
          key = minted;
          expectGwctlOk(t, `gwctl takeover ${c.tool}`, key);
          expectGwctlOk(t, `gwctl takeover ${c.tool}`, gw.masterKey);
          const tools = toolsOf(t);
          expect(tools).toHaveLength(1);
          const tool = tools[0] as ToolJson;
          expect(tool).toMatchObject({ id: c.tool, status: 'taken-over' });
          expect(typeof tool.configPath).toBe('string');
          expect(tool.address, 'takeover reports the address the tool now uses').toMatch(new RegExp(`^${gw.url.replaceAll('.', '\\.')}(/|$)`));
          configPath = tool.configPath as string;
          expect(
            gw.requests.some((r) => r.method === 'GET' && r.path === '/health/liveliness'),
            "gwctl checked the gateway's health",
          ).toBe(true);
          if (c.listsModels)
            expect(
              gw.requests.some((r) => r.method === 'GET' && r.path === '/v1/models'),
              'gwctl asked the gateway for its models',
            ).toBe(true);

          const st = await gwctl(sb, ['status', c.tool], admin);
          expectGwctlOk(st, `gwctl status ${c.tool}`, key);
          expect(toolsOf(st)[0]).toMatchObject({ id: c.tool, status: 'taken-over' });
        }
        const s1 = snapshot(sb.home);
        const touched = changedFiles(s0, s1).filter((f) => !isGwctlOwn(f));
        expect(touched, 'takeover wrote the config file it reported').toContain(relative(sb.home, configPath));
        expect(
          touched.some((f) => text(s1, f)?.includes(key)),
          'the virtual key is in a config file',
        ).toBe(true);
        const gatewayCallsBefore = gw.requests.length;

        // b. the real client
        const env = { ...sb.env, ...c.env };
        const r = await run(installed.bin, c.args, {
          cwd: sb.project,
          env,
          timeoutMs: 120_000,
          graceMs: 10_000,
          stopWhen: () => gw.modelRequests().length > 0,
        });
        const strays = killStrays(sb.home);
        if (DEBUG && strays.length) console.log(`${c.tool}: killed leftover processes ${strays.join(', ')}`);
        const requests = gw.requests.slice(gatewayCallsBefore);
        if (DEBUG) console.log(`--- ${c.tool}\n${describeRun(r, requests)}\n${JSON.stringify(requests, null, 1)}`);
        const model = requests.filter((q) => c.path.test(q.path.split('?')[0] ?? ''));
        row.client_exit = r.stopped ? 'stopped' : r.timedOut ? 'timeout' : `exit ${String(r.code)}`;
        row.ms = String(r.ms);
        row.path = model.length
          ? model
              .map((q) => `${q.method} ${q.path}`)
              .filter((v, i, a) => a.indexOf(v) === i)
              .join(', ')
          : requests.map((q) => q.path).join(' ') || 'none';
        expect(model.length, `no model request on ${String(c.path)}\n${describeRun(r, requests)}`).toBeGreaterThan(0);
        for (const q of model) {
          for (const h of c.auth) {
            const v = headerValue(q, h);
            expect(v, `${q.path}: ${h} must carry the virtual key`).toBe(h === 'authorization' ? `Bearer ${key}` : key);
          }
          // No other credential rides along (shell keys, helper output, auth.json, OAuth tokens).
          for (const h of ['authorization', 'x-api-key', 'x-goog-api-key'] as const) {
            const v = headerValue(q, h);
            if (v !== undefined) expect(v.includes(key), `${q.path}: ${h} carries a credential that is not the virtual key`).toBe(true);
          }
        }
        row.model = [...new Set(model.map((q) => q.model ?? /^\/v1beta\/models\/([^:]+)/.exec(q.path)?.[1] ?? '?'))].join(', ');
        row.auth = c.auth.map((h) => (h === 'authorization' ? 'Bearer' : h)).join(' + ');
        const s2 = snapshot(sb.home);
        if (DEBUG) {
          const byClient = changedFiles(s1, s2);
          console.log(
            `${c.tool} wrote ${byClient.length} files; of the takeover's: ${byClient.filter((f) => touched.includes(f)).join(', ') || 'none'}\n  ${byClient.slice(0, 40).join('\n  ')}`,
          );
        }

        // c. restore
        if (MANUAL) {
          row.result = 'ok (manual takeover, no restore)';
          return;
        }
        const rs = await gwctl(sb, ['restore', c.tool], admin);
        expectGwctlOk(rs, `gwctl restore ${c.tool}`, key);
        expect(gw.revoked.length, 'restore revoked the key gwctl minted for the tool').toBe(1);
        expect(gw.revoked[0]).toMatch(new RegExp(`^gwctl-${c.tool}-`));
        expect(gw.minted.size, 'no minted key is left live at the gateway').toBe(0);
        const restored = toolsOf(rs)[0];
        expect(restored?.id).toBe(c.tool);
        expect(restored?.status).not.toBe('taken-over');
        const s3 = snapshot(sb.home);

        const rewrittenByClient: string[] = [];
        const backups: string[] = [];
        for (const f of touched) {
          const original = f.endsWith('.bak') ? f.slice(0, -'.bak'.length) : undefined;
          if (original !== undefined && s0[f] === undefined && s0[original] !== undefined && s3[f] !== undefined) {
            // gwctl's safety copy `<file>.bak` of a file it edited outlives the restore by design;
            // it must be an exact copy of the original.
            expect(sameContent(s3[f], s0[original]), `${f} is not a copy of the original ${original}`).toBe(true);
            backups.push(f);
            continue;
          }
          if (sameContent(s1[f], s2[f])) {
            // Untouched by the client: must be exactly what it was before the takeover.
            expect(s3[f] === undefined ? 'absent' : 'present', `${f}: existence after restore`).toBe(s0[f] === undefined ? 'absent' : 'present');
            expect(sameContent(s0[f], s3[f]), `${f} is not byte-identical after restore`).toBe(true);
          } else {
            // The client rewrote a file gwctl had written (see the cases' comments): restore must
            // remove our slot and keep the client's own changes.
            rewrittenByClient.push(f);
            if (DEBUG)
              console.log(
                `--- ${f} after takeover:\n${text(s1, f) ?? ''}\n--- after the client:\n${text(s2, f) ?? ''}\n--- after restore:\n${text(s3, f) ?? ''}`,
              );
            expect(restoredAroundClient(f, text(s0, f), text(s1, f) ?? '', text(s2, f) ?? '', text(s3, f))).toBeNull();
          }
          expect(text(s3, f)?.includes(key) ?? false, `${f} still holds the virtual key after restore`).toBe(false);
          expect(text(s3, f)?.includes(gw.url) ?? false, `${f} still points at the gateway after restore`).toBe(false);
        }
        // Restore changed nothing gwctl had not touched.
        const collateral = changedFiles(s2, s3).filter((f) => !touched.includes(f) && !isGwctlOwn(f));
        expect(collateral, 'restore changed files the takeover never touched').toEqual([]);
        for (const f of Object.keys(s3).filter(isGwctlOwn)) {
          expect(text(s3, f)?.includes(key), `gwctl's own ${f} holds the virtual key`).toBe(false);
        }
        // The agent (takeover started it) lets the restored files be, also when it shuts down.
        agentNote = await stopAgent(sb, admin);
        const s4 = snapshot(sb.home);
        expect(
          changedFiles(s3, s4).filter((f) => !isGwctlOwn(f)),
          'files changed after restore, while the agent stopped',
        ).toEqual([]);
        const notes = [
          rewrittenByClient.length ? `client rewrote ${rewrittenByClient.join(', ')}` : '',
          backups.length ? `kept ${backups.join(', ')}` : '',
        ].filter(Boolean);
        row.result = notes.length ? `ok (${notes.join('; ')})` : 'ok';
      } catch (e) {
        row.result = `FAIL: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 100) ?? ''}`;
        throw e;
      } finally {
        killStrays(sb.home);
        if (!MANUAL && !agentNote) agentNote = await stopAgent(sb, admin).catch((e: Error) => `agent stop failed: ${e.message}`);
        if (DEBUG) console.log(`${c.tool}: ${agentNote}`);
        await gw.close();
        sb.cleanup();
      }
    }, 600_000);
  }
});

afterAll(() => {
  if (!rows.length) return;
  const title = `gwctl real-client proof${MANUAL ? ' (MANUAL takeover, gwctl not used)' : ''}`;
  console.log(summaryTable(title, rows as unknown as Record<string, string>[], [`total ${Math.round((performance.now() - suiteStart) / 1000)}s`]));
});
