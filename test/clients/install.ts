/**
 * Installs the pinned AI coding clients gwctl is proven against into
 * .cache/clients/<pkg>@<version>/ (git-ignored); skips a client already installed there.
 * Used by the client tests; runnable by hand with Node >= 22.18 (type stripping):
 *   node test/clients/install.ts              # all clients
 *   node test/clients/install.ts codex opencode
 * Crush is absent on purpose: its npm package downloads a binary at install time.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLIENTS_DIR = join(REPO_ROOT, '.cache', 'clients');
const NPM_CACHE = join(REPO_ROOT, '.cache', 'npm-cache');

export interface Client {
  /** gwctl tool id. */
  tool: string;
  pkg: string;
  version: string;
  /** Executable, relative to the install prefix. */
  bin: string;
  /** What the client calls itself (for the summary). */
  label: string;
}

export const CLIENTS: readonly Client[] = [
  { tool: 'claude-code', label: 'claude', pkg: '@anthropic-ai/claude-code', version: '2.1.332', bin: 'node_modules/.bin/claude' },
  { tool: 'codex', label: 'codex', pkg: '@openai/codex', version: '0.171.0', bin: 'node_modules/.bin/codex' },
  { tool: 'gemini-cli', label: 'gemini', pkg: '@google/gemini-cli', version: '0.61.0', bin: 'node_modules/.bin/gemini' },
  { tool: 'qwen-code', label: 'qwen', pkg: '@qwen-code/qwen-code', version: '0.24.4', bin: 'node_modules/.bin/qwen' },
  { tool: 'kimi-code', label: 'kimi', pkg: '@moonshot-ai/kimi-code', version: '2.1.0', bin: 'node_modules/.bin/kimi' },
  { tool: 'opencode', label: 'opencode', pkg: 'opencode-ai', version: '1.18.33', bin: 'node_modules/.bin/opencode' },
  // CodeBuddy Code 2.117.0 (its package.json says "@tencent-ai/codebuddy-code") ships inside the
  // agent SDK's cli/ folder. The SDK declares no bin, so the CLI entry is run by path.
  {
    tool: 'codebuddy',
    label: 'codebuddy 2.117.0',
    pkg: '@tencent-ai/agent-sdk',
    version: '0.3.201',
    bin: 'node_modules/@tencent-ai/agent-sdk/cli/bin/codebuddy',
  },
  // Launch-only (gwctl launch copilot). The loader runs the native binary of the optional
  // dependency @github/copilot-linux-x64 (an npm package, no download at install time).
  { tool: 'copilot', label: 'copilot', pkg: '@github/copilot', version: '1.0.102', bin: 'node_modules/.bin/copilot' },
  { tool: 'pi', label: 'pi', pkg: '@earendil-works/pi-coding-agent', version: '1.6.0', bin: 'node_modules/.bin/pi' },
  // Kilo 7.8.1's platform packages are missing from this registry (ETARGET in its postinstall):
  // 7.7.7 is the newest whose are there.
  { tool: 'kilo', label: 'kilo', pkg: '@kilocode/cli', version: '7.7.7', bin: 'node_modules/.bin/kilo' },
  // The newest wrapper, @factory/cli 0.225.1, wants platform packages at 0.225.1, which this
  // registry lacks (it has 0.225.2): its postinstall then leaves no binary. The platform package
  // itself (the droid binary, no install script) runs.
  {
    tool: 'droid',
    label: 'droid',
    pkg: `@factory/cli-${process.platform}-${process.arch}`,
    version: '0.225.2',
    bin: `node_modules/@factory/cli-${process.platform}-${process.arch}/bin/droid`,
  },
  { tool: 'cline', label: 'cline', pkg: 'cline', version: '3.0.65', bin: 'node_modules/.bin/cline' },
  // Grok's postinstall copies its binary into $GROK_HOME/bin of the install's throw-away HOME and
  // links bin/grok to the package's own copy.
  { tool: 'grok', label: 'grok', pkg: '@xai-official/grok', version: '1.0.41', bin: 'node_modules/.bin/grok' },
  { tool: 'continue', label: 'cn', pkg: '@continuedev/cli', version: '1.5.47', bin: 'node_modules/.bin/cn' },
  // Needs Node >= 24.16. npm 11 leaves its postinstall (bundled plugin set-up) unrun; the
  // one-shot `agent exec` does not need it.
  { tool: 'openclaw', label: 'openclaw', pkg: 'openclaw', version: '2026.9.6', bin: 'node_modules/.bin/openclaw' },
];

export function clientFor(tool: string): Client {
  const c = CLIENTS.find((x) => x.tool === tool);
  if (!c) throw new Error(`no pinned client for tool "${tool}"`);
  return c;
}

export function prefixOf(client: Client): string {
  return join(CLIENTS_DIR, `${client.pkg}@${client.version}`);
}

export interface Installed {
  client: Client;
  bin: string;
  /** Already there: installSeconds/sizeMiB are those measured by the original install. */
  cached: boolean;
  installSeconds: number;
  sizeMiB: number;
}

function diskKiB(dir: string): number {
  try {
    return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split(/\s/)[0]);
  } catch {
    return Number.NaN;
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function installClient(client: Client): Promise<Installed> {
  const prefix = prefixOf(client);
  const marker = join(prefix, '.gwctl-installed.json');
  const bin = join(prefix, client.bin);
  if (existsSync(marker) && existsSync(bin)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { installSeconds: number; sizeMiB: number };
    return { client, bin, cached: true, installSeconds: m.installSeconds, sizeMiB: m.sizeMiB };
  }
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  // Our own package.json keeps npm from walking up into the gwctl repo's package.json.
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'gwctl-client-cache', private: true }) + '\n');
  const args = [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--cache',
    NPM_CACHE,
    '--loglevel=error',
    `${client.pkg}@${client.version}`,
  ];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn('npm', args, { cwd: prefix, env: installEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', (e) => done({ code: -1, output: `${out}\n${e.message}` }));
    child.on('close', (c) => done({ code: c, output: out }));
  });
  const installSeconds = Math.round((performance.now() - started) / 100) / 10;
  if (code !== 0 || !existsSync(bin)) {
    const why = code === 0 ? `exit 0 but ${client.bin} is missing` : `exit ${String(code)}`;
    throw new Error(`npm install ${client.pkg}@${client.version} failed (${why}):\n${tail(output)}`);
  }
  const sizeMiB = Math.round(diskKiB(prefix) / 102.4) / 10;
  writeFileSync(marker, JSON.stringify({ pkg: client.pkg, version: client.version, installSeconds, sizeMiB }) + '\n');
  return { client, bin, cached: false, installSeconds, sizeMiB };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  let failed = 0;
  for (const c of wanted.length ? wanted.map(clientFor) : CLIENTS) {
    try {
      const r = await installClient(c);
      console.log(
        `${c.tool.padEnd(12)} ${`${c.pkg}@${c.version}`.padEnd(34)} ${r.cached ? 'cached   ' : 'installed'}` +
          `  install ${r.installSeconds}s  size ${r.sizeMiB} MiB`,
      );
    } catch (e) {
      failed++;
      console.error(e instanceof Error ? e.message : String(e));
    }
  }
  process.exitCode = failed ? 1 : 0;
}

/**
 * npm runs the clients' install scripts: give them a throw-away HOME and XDG dirs so nothing
 * lands in the real home directory. npm still reads the caller's own .npmrc (settings only).
 */
function installEnv(): NodeJS.ProcessEnv {
  const home = join(REPO_ROOT, '.cache', 'install-home');
  mkdirSync(home, { recursive: true });
  const userconfig = process.env.npm_config_userconfig ?? (process.env.HOME ? join(process.env.HOME, '.npmrc') : undefined);
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    ...(userconfig ? { npm_config_userconfig: userconfig } : {}),
  };
}
