/**
 * What users install is what we test: the tarball `npm pack` makes from this checkout, installed
 * with `npm i -g --prefix` into a temp dir, run as the installed `gwctl` (npm's bin symlink) with
 * Node >= 22.22 first on PATH, and refused clearly by an older Node.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

const root = realpathSync(join(import.meta.dirname, '..', '..'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const node24Dir = dirname(process.execPath);

/** A Node older than 22.22 on this machine (CI machines ship Node 20), if any. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [a = 0, b = 0] = v.split('.').map(Number);
    if (a < 22 || (a === 22 && b < 22)) return candidate;
  }
  return undefined;
}

let work: TempHome;
let prefix: string;
let gwctlBin: string;
let gateway: FakeLiteLLM;

/** The installed gwctl, asynchronously: the fake gateway answers from this same process. */
function run(
  args: string[],
  env: Record<string, string>,
  path = `${node24Dir}:${join(prefix, 'bin')}:/usr/bin:/bin`,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(gwctlBin, args, { env: { ...env, PATH: path }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(() => {
  work = tempHome('gwctl-package-');
  // npm's own cache stays inside the checkout's ignored .cache/, never under the real HOME.
  const npmEnv = {
    ...process.env,
    ...work.env,
    PATH: `${node24Dir}:${process.env.PATH}`,
    npm_config_cache: join(root, '.cache', 'npm'),
    npm_config_update_notifier: 'false',
  };
  const packDir = join(work.home, 'pack');
  mkdirSync(packDir);
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--loglevel=error'], { cwd: root, env: npmEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
  );
  prefix = join(work.home, 'prefix');
  execFileSync('npm', ['i', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball], {
    env: npmEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  gwctlBin = join(prefix, 'bin', 'gwctl');
}, 600_000);

afterAll(async () => {
  await gateway?.close();
  work?.cleanup();
});

describe('the installed package', () => {
  it('is lean: built code, launcher and service templates, no tests, fixtures or bench', () => {
    const pkg = join(prefix, 'lib', 'node_modules', 'gwctl');
    expect(existsSync(join(pkg, 'dist', 'cli', 'main.js'))).toBe(true);
    for (const absent of ['test', 'bench', 'src', 'scripts', '.ci']) expect(existsSync(join(pkg, absent)), absent).toBe(false);
  });

  it("runs as `gwctl --version` through npm's bin symlink", async () => {
    const r = await run(['--version'], work.env);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(version);
    expect(r.status).toBe(0);
  });

  it('reports status in-process (--no-agent) as JSON', async () => {
    const home = tempHome('gwctl-package-home-');
    try {
      mkdirSync(join(home.home, '.codex'));
      const r = await run(['status', '--json', '--no-agent'], home.env);
      expect(r.status, r.stderr).toBe(0);
      const codex = JSON.parse(r.stdout).tools.find((t: { id: string }) => t.id === 'codex');
      expect(codex.status).toBe('not-taken-over');
    } finally {
      home.cleanup();
    }
  });

  it('takes a tool over and restores it byte-identically against a local gateway', async () => {
    gateway = await startLiteLLM();
    const home = tempHome('gwctl-package-home-');
    try {
      const config = join(home.home, '.codex', 'config.toml');
      mkdirSync(dirname(config));
      const original = '# my codex settings\nmodel = "gpt-4o"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n';
      writeFileSync(config, original);
      const env = { ...home.env, GWCTL_GATEWAY_URL: gateway.url, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_ADMIN_KEY: gateway.masterKey };
      const t = await run(['takeover', 'codex', '--no-agent', '--json'], env);
      expect(t.status, t.stdout + t.stderr).toBe(0);
      expect(JSON.parse(t.stdout).tools[0].status).toBe('taken-over');
      expect(readFileSync(config, 'utf8')).toContain('[mcp_servers.docs]');
      expect(gateway.keys.size).toBe(1);
      const r = await run(['restore', 'codex', '--no-agent', '--json'], env);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(config, 'utf8')).toBe(original);
      expect(gateway.keys.size).toBe(0);
    } finally {
      home.cleanup();
    }
  });

  it('runs from a checkout through a symlink to ./gwctl (ln -s …/gwctl ~/bin/gwctl)', async () => {
    const bin = join(work.home, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(root, 'gwctl'), join(bin, 'gwctl'));
    // A relative link one level further, as dotfile managers make them.
    symlinkSync('gwctl', join(bin, 'gw'));
    for (const name of ['gwctl', 'gw']) {
      const r = spawnSync(join(bin, name), ['--version'], { encoding: 'utf8', cwd: work.home, env: { ...work.env, PATH: `${node24Dir}:/usr/bin:/bin` } });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(version);
    }
  });

  const old = oldNode();
  it.skipIf(!old)(`is refused clearly by an older Node (${old ?? 'none on this machine'})`, async () => {
    const r = await run(['--version'], work.env, `${dirname(old!)}:${join(prefix, 'bin')}:/usr/bin:/bin`);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^gwctl needs Node >= 22\.22 \(this is \d+\.\d+\.\d+\): install Node 24/);
  });
});
