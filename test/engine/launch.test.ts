/**
 * The launch runner with real processes: `node bin/gwctl.js launch TOOL --bin <fake tool>` where
 * the fake tool is a shell script that reports its arguments, environment and the temp files it
 * was given, then exits with a chosen code or waits for a signal. Proves: the exit code comes
 * back; the temp files are 0600 in a 0700 dir and gone afterwards, also when gwctl gets
 * SIGTERM/SIGHUP/SIGINT (passed to the tool once); the key is never an argument; inherited
 * credentials are removed; no file under HOME changes (bytes and mtime); the launch key is
 * minted once as gwctl-launch-<tool>-<host>, and --key-name picks another named key.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { seedHome, tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const GWCTL = join(ROOT, 'bin', 'gwctl.js');
const KEY = 'sk-static-launch-4d2f9a';

/**
 * The fake tool: writes to $FAKE_REPORT its arguments (one per line, after "ARGS"), the
 * variables it cares about, and for `--settings FILE` the file's text and the modes of file and
 * dir; then exits $FAKE_EXIT, or (FAKE_WAIT=1) says "ready" and waits for a signal.
 */
const FAKE_TOOL = `#!/bin/sh
r="$FAKE_REPORT"
echo ARGS >> "$r"
for a in "$@"; do echo "arg:$a" >> "$r"; done
echo "env:ANTHROPIC_API_KEY=\${ANTHROPIC_API_KEY-<unset>}" >> "$r"
echo "env:ANTHROPIC_AUTH_TOKEN=\${ANTHROPIC_AUTH_TOKEN-<unset>}" >> "$r"
prev=""
for a in "$@"; do
  if [ "$prev" = "--settings" ]; then
    echo "settings-mode:$(stat -c %a "$a")" >> "$r"
    echo "dir-mode:$(stat -c %a "$(dirname "$a")")" >> "$r"
    echo "settings-path:$a" >> "$r"
    echo "settings:$(tr -d '\\n' < "$a")" >> "$r"
  fi
  prev="$a"
done
if [ "$FAKE_WAIT" = 1 ]; then
  for s in TERM HUP INT; do trap "echo got:$s >> \\"$r\\"; exit 99" $s; done
  echo ready >> "$r"
  i=0; while [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done  # never outlives a failed test by long
  exit 98
fi
exit "\${FAKE_EXIT:-0}"
`;

let h: TempHome;
let work: string;
let tmp: string;
let fake: string;
let report: string;
let gw: FakeGateway;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(async () => {
  h = tempHome();
  await seedHome(h.home, join(ROOT, 'test', 'fixtures', 'claude-code', readdirSync(join(ROOT, 'test', 'fixtures', 'claude-code')).sort()[0]!, 'home'));
  work = mkdtempSync(join(tmpdir(), 'gwctl-launch-test-'));
  tmp = join(work, 'tmp');
  mkdirSync(tmp);
  fake = join(work, 'fake-claude');
  writeFileSync(fake, FAKE_TOOL);
  chmodSync(fake, 0o755);
  report = join(work, 'report');
});
afterEach(() => {
  h.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...h.env, TMPDIR: tmp, FAKE_REPORT: report, GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, ...extra };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** gwctl launch as its own process (stdin not a terminal); `during` runs once the tool is ready. */
function launch(args: string[], e: Record<string, string>, during?: (pid: number) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GWCTL, 'launch', ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gwctl launch did not end: ${stderr}`));
    }, 20_000);
    let poll: NodeJS.Timeout | undefined;
    if (during) {
      poll = setInterval(() => {
        if (existsSync(report) && readFileSync(report, 'utf8').includes('ready\n')) {
          clearInterval(poll);
          during(child.pid!);
        }
      }, 25);
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = () => readFileSync(report, 'utf8').split('\n');
const value = (prefix: string) =>
  lines()
    .find((l) => l.startsWith(prefix))
    ?.slice(prefix.length);
const leftovers = () => readdirSync(tmp).filter((n) => n.startsWith('gwctl-launch-'));

/** Bytes and mtime of every file under HOME but gwctl's own. */
function stamp(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (/(^|\/)gwctl(\/|$)/.test(rel)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[rel] = `${st.mtimeMs}:${readFileSync(p).toString('base64')}`;
    }
  };
  walk(root);
  return out;
}

describe('gwctl launch (runner)', () => {
  it('passes the exit code through, gives the settings file 0600 in a 0700 dir, removes it, touches no file', async () => {
    const before = stamp(h.home);
    const r = await launch(
      ['claude-code', '--bin', fake, '--model', 'gpt-4o', '--', '-p', 'hi there'],
      env({ FAKE_EXIT: '7', ANTHROPIC_API_KEY: 'sk-ant-shell-leak', ANTHROPIC_AUTH_TOKEN: 'tok-shell' }),
    );
    expect(r.code).toBe(7);
    expect(r.stdout + r.stderr, 'no output of its own without --verbose').toBe('');
    const args = lines()
      .filter((l) => l.startsWith('arg:'))
      .map((l) => l.slice(4));
    const settingsPath = value('settings-path:')!;
    expect(args).toEqual(['--settings', settingsPath, '-p', 'hi there']);
    expect(
      args.some((a) => a.includes(KEY)),
      'the key is never an argument',
    ).toBe(false);
    expect(value('settings-mode:')).toBe('600');
    expect(value('dir-mode:')).toBe('700');
    expect(JSON.parse(value('settings:')!)).toEqual({
      env: { ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: KEY, ANTHROPIC_API_KEY: '' },
      apiKeyHelper: '',
      model: 'gpt-4o',
    });
    expect(value('env:ANTHROPIC_API_KEY=')).toBe('<unset>');
    expect(value('env:ANTHROPIC_AUTH_TOKEN=')).toBe('<unset>');
    expect(existsSync(settingsPath)).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(stamp(h.home)).toEqual(before);
  });

  it('exit 0 passes through too, and --verbose says what the run gets (never the key) on stderr', async () => {
    const r = await launch(['claude-code', '--bin', fake, '--verbose'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gwctl launch: Claude Code: ' + fake);
    expect(r.stderr).toContain("key 'gateway.key'");
    expect(r.stderr).toContain('model gpt-4o (default)');
    expect(r.stderr).not.toContain(KEY);
    expect(leftovers()).toEqual([]);
  });

  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`${sig} to gwctl reaches the tool once; gwctl waits for it, removes the temp dir, returns its code`, async () => {
      const before = stamp(h.home);
      let seen: string[] = [];
      const r = await launch(['claude-code', '--bin', fake], env({ FAKE_WAIT: '1' }), (pid) => {
        seen = leftovers();
        process.kill(pid, sig);
      });
      expect(seen, 'the temp dir exists while the tool runs').toHaveLength(1);
      expect(r.code).toBe(99);
      expect(lines().filter((l) => l.startsWith('got:'))).toEqual([`got:${sig.slice(3)}`]);
      expect(leftovers()).toEqual([]);
      expect(stamp(h.home)).toEqual(before);
    });
  }

  it('a tool killed by a signal gives 128+N', async () => {
    const script = join(work, 'self-kill');
    writeFileSync(script, '#!/bin/sh\nkill -TERM $$\nsleep 5\n');
    chmodSync(script, 0o755);
    const r = await launch(['codex', '--bin', script], env());
    expect(r.code).toBe(143);
    expect(leftovers()).toEqual([]);
  });

  it('a tool that is not on PATH: exit 1 with what to do; a missing --bin: 127 after the tool is looked for', async () => {
    const r = await launch(['copilot'], env({ PATH: work }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/'copilot' \(Copilot CLI\) is not on PATH: install Copilot CLI, or pass --bin PATH/);
    const missing = await launch(['copilot', '--bin', join(work, 'nope')], env());
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/cannot run '.*nope': not found/);
    expect(leftovers()).toEqual([]);
  });

  it('usage errors exit 2', async () => {
    expect((await launch([], env())).code).toBe(2);
    expect((await launch(['nope'], env())).stderr).toMatch(/unknown tool 'nope'/);
    expect((await launch(['codex', 'exec'], env())).stderr).toMatch(/put the tool's arguments after --/);
    expect((await launch(['codex', '--model'], env())).code).toBe(2);
  });
});

describe('gwctl launch: the launch key on a gateway that mints', () => {
  let lite: FakeLiteLLM;
  beforeAll(async () => {
    lite = await startLiteLLM();
  });
  afterAll(() => lite.close());

  it('mints gwctl-launch-<tool>-<host> once and reuses it; --key-name uses another named key', async () => {
    const e = { ...env(), GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: lite.url, GWCTL_GATEWAY_ADMIN_KEY: lite.masterKey };
    delete (e as Record<string, string | undefined>).GWCTL_GATEWAY_KEY;
    expect((await launch(['claude-code', '--bin', fake], e)).code).toBe(0);
    expect((await launch(['claude-code', '--bin', fake], e)).code).toBe(0);
    const aliases = [...lite.keys.keys()];
    expect(aliases).toHaveLength(1);
    expect(aliases[0]).toMatch(/^gwctl-launch-claude-code-/);
    const minted = lite.keys.get(aliases[0]!)!.key;
    const tokens = lines()
      .filter((l) => l.startsWith('settings:'))
      .map((l) => JSON.parse(l.slice(9)).env.ANTHROPIC_AUTH_TOKEN);
    expect(tokens).toEqual([minted, minted]);
    expect((await launch(['claude-code', '--bin', fake, '--key-name', 'my-app'], e)).code).toBe(0);
    expect([...lite.keys.keys()].filter((a) => a.startsWith('gwctl-my-app-'))).toHaveLength(1);
    expect((await launch(['claude-code', '--bin', fake, '--key-name', 'Bad Name'], e)).stderr).toMatch(/key name 'Bad Name' is not valid/);
  });
});

describe('copilot: launch-only in status and takeover', () => {
  const e = () => ({ ...h.env, GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY });

  it('status: Not Detected without ~/.copilot, then Not Taken Over saying it is launch-only', async () => {
    const r1 = await gwctl(['status', 'copilot', '--json'], e());
    expect(r1.json().tools[0]).toMatchObject({ id: 'copilot', status: 'not-detected', configPath: join(h.home, '.copilot') });
    mkdirSync(join(h.home, '.copilot'));
    const r2 = await gwctl(['status', 'copilot', '--json'], e());
    expect(r2.json().tools[0]).toMatchObject({ id: 'copilot', status: 'not-taken-over', detail: expect.stringMatching(/launch-only: `gwctl launch copilot`/) });
    const all = await gwctl(['status'], e());
    expect(all.stdout).toMatch(/Copilot CLI\s+Not Taken Over/);
  });

  it('takeover copilot refuses (launch-only); takeover --all skips it without failing; restore has nothing to do', async () => {
    mkdirSync(join(h.home, '.copilot'));
    const before = stamp(h.home);
    const t = await gwctl(['takeover', 'copilot', '--json'], e());
    expect(t.code).toBe(1);
    expect(t.json().tools[0]).toMatchObject({
      id: 'copilot',
      action: 'refused',
      error: expect.stringMatching(/Copilot CLI is launch-only.*gwctl launch copilot/),
    });
    expect(stamp(h.home)).toEqual(before);
    const all = await gwctl(['takeover', '--all', '--json'], e());
    const cop = all.json().tools.find((x) => x.id === 'copilot');
    expect(cop).toMatchObject({ status: 'not-taken-over' });
    expect(cop?.error).toBeUndefined();
    expect(cop?.action).toBeUndefined();
    const rs = await gwctl(['restore', 'copilot', '--json'], e());
    expect(rs.json().tools[0]?.error).toBeUndefined();
  });
});

describe('gwctl launch as a command-table entry (parsed options and positionals)', () => {
  it('runs TOOL with the positionals after it as its arguments', async () => {
    const { command } = await import('../../src/cli/commands/launch.ts');
    let err = '';
    const io = { out: () => {}, err: (s: string) => (err += s + '\n'), env: env({ FAKE_EXIT: '3' }) };
    const code = await command.run({ values: {}, positionals: ['--model', 'gpt-4o', '--bin', fake, 'claude-code', '--', '-p', 'hi'] }, { io, commands: [] });
    expect(code).toBe(3);
    expect(err).toBe('');
    expect(
      lines()
        .filter((l) => l.startsWith('arg:'))
        .slice(2),
    ).toEqual(['arg:-p', 'arg:hi']);
    expect(JSON.parse(value('settings:')!).model).toBe('gpt-4o');
    expect(await command.run({ values: {}, positionals: ['nope'] }, { io, commands: [] })).toBe(2);
    expect(leftovers()).toEqual([]);
  });
});
