/**
 * The real-client proof of `gwctl launch`: for each AI coding CLI that installs from the npm
 * registry (and Copilot CLI, launch-only), in a throw-away HOME holding a realistic config,
 *   1. `gwctl launch <tool> --bin <client> -- <non-interactive prompt>` starts the real client,
 *      whose model request reaches a local recording gateway (LiteLLM-style) with the tool's
 *      launch key `gwctl-launch-<tool>-<host>` (minted once: a second launch reuses it) and no
 *      other credential;
 *   2. a second launch leaves every config file under HOME byte-identical with the same mtime
 *      (the first run is where a client makes its own one-time migrations, e.g. Claude re-sorting
 *      settings.json; those are the client's, and listed in the summary);
 *   3. the key is in no file under HOME but gwctl's own secrets store, and the run's temp dir is
 *      gone afterwards (the client is stopped with SIGTERM to the process group once its request
 *      is recorded, so this is the signal path).
 * Crush has no test: its npm package downloads a binary.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterFor } from '../../src/adapters/index.ts';
import type { ToolId } from '../../src/adapters/index.ts';
import {
  DEBUG,
  FIXTURES,
  killStrays,
  summaryTable,
  GWCTL_BIN,
  PROMPT,
  describeRun,
  headerValue,
  makeSandbox,
  run,
  snapshot,
  type ClientCase,
  type RunResult,
} from './harness.ts';
import { clientFor, installClient } from './install.ts';
import { startRecorder, type RecordedRequest, type Recorder } from './recorder.ts';

type LaunchCase = ClientCase & { tool: ToolId };

const CASES: LaunchCase[] = [
  // A key exported in the shell must not reach the gateway; the fixture's apiKeyHelper neither.
  { tool: 'claude-code', args: ['-p', PROMPT], env: { ANTHROPIC_API_KEY: 'sk-ant-shell-leak' }, path: /^\/v1\/messages$/, auth: ['authorization'] },
  // The fixture's auth.json and the shell's OPENAI_API_KEY must not reach the gateway.
  {
    tool: 'codex',
    args: ['exec', '--skip-git-repo-check', PROMPT],
    env: { OPENAI_API_KEY: 'sk-openai-shell-leak' },
    path: /^\/v1\/responses$/,
    auth: ['authorization'],
  },
  {
    tool: 'gemini-cli',
    args: ['-p', PROMPT],
    env: { GEMINI_CLI_TRUST_WORKSPACE: 'true', GOOGLE_API_KEY: 'google-shell-leak' },
    path: /^\/v1beta\/models\/[^/]+:(streamGenerateContent|generateContent)$/,
    auth: ['x-goog-api-key'],
  },
  {
    tool: 'qwen-code',
    args: ['-p', PROMPT],
    env: { OPENAI_API_KEY: 'sk-openai-shell-leak', QWEN_OAUTH: '1' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
  },
  {
    tool: 'kimi-code',
    args: ['-p', PROMPT],
    env: { KIMI_API_KEY: 'kimi-shell-leak', OPENAI_API_KEY: 'sk-openai-shell-leak' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
  },
  {
    tool: 'opencode',
    args: ['run', PROMPT],
    env: { OPENCODE_PURE: '1', OPENAI_API_KEY: 'sk-openai-shell-leak' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
  },
  {
    tool: 'codebuddy',
    args: ['-p', PROMPT],
    env: { CODEBUDDY_API_KEY: 'cb-shell-leak' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization', 'x-api-key'],
  },
  {
    tool: 'pi',
    args: ['-p', PROMPT],
    env: { PI_SKIP_VERSION_CHECK: '1', PI_TELEMETRY: '0', OPENAI_API_KEY: 'sk-openai-shell-leak' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
  },
  { tool: 'kilo', args: ['run', PROMPT], env: { KILO_DISABLE_AUTOUPDATE: '1' }, path: /^\/v1\/chat\/completions$/, auth: ['authorization'] },
  { tool: 'droid', args: ['exec', PROMPT], path: /^\/v1\/chat\/completions$/, auth: ['authorization'] },
  { tool: 'grok', args: ['-p', PROMPT], env: { XAI_API_KEY: 'xai-shell-leak' }, path: /^\/v1\/chat\/completions$/, auth: ['authorization'] },
  // Its fixture's globalContext.json selects the user's own model: the launch config must win over it.
  { tool: 'continue', args: ['-p', PROMPT], env: { OPENAI_API_KEY: 'sk-openai-shell-leak' }, path: /^\/v1\/chat\/completions$/, auth: ['authorization'] },
  { tool: 'openclaw', args: ['agent', 'exec', PROMPT], path: /^\/v1\/chat\/completions$/, auth: ['authorization'] },
  {
    tool: 'copilot',
    args: ['-p', PROMPT],
    env: { COPILOT_PROVIDER_BEARER_TOKEN: 'copilot-shell-leak' },
    path: /^\/v1\/chat\/completions$/,
    auth: ['authorization'],
  },
];

interface Row {
  client: string;
  version: string;
  path: string;
  auth: string;
  model: string;
  runs: string;
  migrated: string;
  result: string;
}
const rows: Row[] = [];

const isGwctlOwn = (rel: string) => /(^|\/)gwctl(\/|$)/.test(rel);

interface Stamp {
  bytes: Buffer | string;
  mtimeMs: number;
}

/** Bytes and mtime of each file in `rels` that exists. */
function stamps(home: string, rels: string[]): Map<string, Stamp> {
  const snap = snapshot(home);
  const out = new Map<string, Stamp>();
  for (const rel of rels) {
    const bytes = snap[rel];
    if (bytes !== undefined) out.set(rel, { bytes, mtimeMs: statSync(join(home, rel)).mtimeMs });
  }
  return out;
}

function differs(a: Stamp | undefined, b: Stamp | undefined): string | undefined {
  if (!a || !b) return a === b ? undefined : a ? 'deleted' : 'created';
  const same = typeof a.bytes === 'string' || typeof b.bytes === 'string' ? a.bytes === b.bytes : a.bytes.equals(b.bytes);
  if (!same) return 'bytes changed';
  if (a.mtimeMs !== b.mtimeMs) return `mtime changed (${a.mtimeMs} → ${b.mtimeMs})`;
  return undefined;
}

/** Every file of the fixture HOME, plus the tool's config files as gwctl locates them. */
function configFiles(tool: ToolId, home: string, env: Record<string, string>): string[] {
  const fixture = join(FIXTURES, tool, 'home');
  const fromFixture = Object.keys(snapshot(fixture));
  const located = adapterFor(tool)
    .locate({ home, env })
    .files.map((f) => relative(home, f.path));
  return [...new Set([...fromFixture, ...located])].sort();
}

describe('real clients: gwctl launch → model request, no file touched', () => {
  for (const c of CASES) {
    const client = clientFor(c.tool);
    it(`${c.tool} (${client.pkg}@${client.version})`, async () => {
      const row: Row = { client: c.tool, version: client.version, path: '-', auth: '-', model: '-', runs: '-', migrated: '-', result: 'FAIL' };
      rows.push(row);
      const installed = await installClient(client);
      const sb = makeSandbox(c.tool);
      const tmp = mkdtempSync(join(tmpdir(), 'gwctl-launch-tmp-'));
      const gw: Recorder = await startRecorder();
      try {
        const env = {
          ...sb.env,
          ...c.env,
          TMPDIR: tmp,
          GWCTL_GATEWAY_URL: gw.url,
          GWCTL_GATEWAY_KIND: 'litellm',
          GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey,
        };
        const files = configFiles(c.tool, sb.home, env);
        const launch = async (): Promise<{ r: RunResult; requests: RecordedRequest[] }> => {
          const before = gw.requests.length;
          const modelsBefore = gw.modelRequests().length;
          const r = await run(process.execPath, [GWCTL_BIN, 'launch', c.tool, '--bin', installed.bin, '--', ...c.args], {
            cwd: sb.project,
            env,
            timeoutMs: 120_000,
            graceMs: 10_000,
            stopWhen: () => gw.modelRequests().length > modelsBefore,
          });
          const requests = gw.requests.slice(before);
          if (DEBUG) console.log(`--- ${c.tool}\n${describeRun(r, requests)}`);
          return { r, requests };
        };
        const check = (r: RunResult, requests: RecordedRequest[], key: string) => {
          const model = requests.filter((q) => c.path.test(q.path.split('?')[0] ?? ''));
          expect(model.length, `no model request on ${String(c.path)}\n${describeRun(r, requests)}`).toBeGreaterThan(0);
          for (const q of model) {
            for (const h of c.auth) expect(headerValue(q, h), `${q.path}: ${h} must carry the launch key`).toBe(h === 'authorization' ? `Bearer ${key}` : key);
            for (const h of ['authorization', 'x-api-key', 'x-goog-api-key'] as const) {
              const v = headerValue(q, h);
              if (v !== undefined) expect(v.includes(key), `${q.path}: ${h} carries a credential that is not the launch key`).toBe(true);
            }
          }
          expect(r.stdout.includes(key) || r.stderr.includes(key), 'the key was printed').toBe(false);
          expect(
            readdirSync(tmp).filter((n) => n.startsWith('gwctl-launch-')),
            "the run's temp dir is gone",
          ).toEqual([]);
          return model;
        };

        const s0 = stamps(sb.home, files);
        const first = await launch();
        expect(gw.minted.size, 'gwctl minted one launch key').toBe(1);
        const [alias, key] = [...gw.minted.entries()][0]!;
        expect(alias).toMatch(new RegExp(`^gwctl-launch-${c.tool}-`));
        const model = check(first.r, first.requests, key);
        const s1 = stamps(sb.home, files);
        const migrated = files.filter((f) => differs(s0.get(f), s1.get(f)) !== undefined);
        // Whatever the client rewrote on its first run holds nothing of gwctl's.
        for (const f of migrated) {
          const t = s1.get(f)?.bytes.toString();
          expect(t?.includes(key) ?? false, `${f} holds the launch key`).toBe(false);
          expect(t?.includes(gw.url) ?? false, `${f} points at the gateway`).toBe(false);
        }

        const second = await launch();
        expect(gw.minted.size, 'the second launch reused the launch key').toBe(1);
        check(second.r, second.requests, key);
        const s2 = stamps(sb.home, files);
        const changed = files.map((f) => [f, differs(s1.get(f), s2.get(f))] as const).filter(([, d]) => d !== undefined);
        expect(changed, 'config files changed by a launch').toEqual([]);
        // The key is nowhere under HOME but in gwctl's own secrets store.
        const all = snapshot(sb.home);
        const holders = Object.keys(all).filter((f) => !isGwctlOwn(f) && all[f]!.toString().includes(key));
        expect(holders, 'files under HOME holding the launch key').toEqual([]);

        row.path = [...new Set(model.map((q) => `${q.method} ${q.path.split('?')[0]}`))].join(', ');
        row.auth = c.auth.map((h) => (h === 'authorization' ? 'Bearer' : h)).join(' + ');
        row.model = [...new Set(model.map((q) => q.model ?? /^\/v1beta\/models\/([^:]+)/.exec(q.path)?.[1] ?? '?'))].join(', ');
        row.runs = [first.r, second.r].map((r) => (r.stopped ? 'stopped' : r.timedOut ? 'timeout' : `exit ${String(r.code)}`)).join(', ');
        row.migrated = migrated.join(' ') || 'none';
        row.result = `ok (${files.length} config files unchanged)`;
      } catch (e) {
        row.result = `FAIL: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 100) ?? ''}`;
        throw e;
      } finally {
        killStrays(sb.home);
        await gw.close();
        sb.cleanup();
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 600_000);
  }
});

afterAll(() => {
  if (rows.length) console.log(summaryTable('gwctl launch real-client proof', rows as unknown as Record<string, string>[]));
});
