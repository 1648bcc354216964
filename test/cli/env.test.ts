/**
 * `gwctl env` and `gwctl exec` as real processes: the output evaluated by real bash, zsh and fish,
 * every variable read back by a child process; exec's exit code, stdin, signals, and no key in `ps`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV_VAR_NAMES } from '../../src/gateway/env-vars.ts';
import { ensureBuilt, ROOT } from '../agent/helpers.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { startServBay, type FakeServBay } from '../helpers/gateways/servbay.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

const BIN = join(ROOT, 'bin', 'gwctl.js');
/** A configured key with everything a shell could misread. */
const NASTY_KEY = `sk-a$HOME 'single' "double" \`tick\` \\back $(echo pwned) ;|&<> *?[x] %PATH% \u00e9\u2019x`;

let h: TempHome;
let servbay: FakeServBay;
let litellm: FakeLiteLLM;
beforeAll(async () => {
  ensureBuilt();
  servbay = await startServBay({ keys: [NASTY_KEY] });
  litellm = await startLiteLLM();
});
afterAll(async () => {
  await servbay.close();
  await litellm.close();
});
beforeEach(() => {
  h = tempHome();
  litellm.keys.clear();
  litellm.requests.length = 0;
});
afterEach(() => h.cleanup());

const servbayEnv = (): Record<string, string> => ({ ...h.env, GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_URL: servbay.url, GWCTL_GATEWAY_KEY: NASTY_KEY });
const litellmEnv = (): Record<string, string> => ({
  ...h.env,
  GWCTL_GATEWAY_KIND: 'litellm',
  GWCTL_GATEWAY_URL: litellm.url,
  GWCTL_GATEWAY_ADMIN_KEY: litellm.masterKey,
});

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a process without blocking this one (the fake gateways answer from this event loop). */
function run(file: string, args: string[], opts: { env: Record<string, string>; input?: string; cwd?: string }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd ?? h.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

const gw = (args: string[], env: Record<string, string>, opts: { input?: string; cwd?: string } = {}) =>
  run(process.execPath, [BIN, ...args], { env, ...opts });

/** A node one-liner printing the gateway variables as JSON (what a program would see). */
const PRINT_ENV = `node -e 'process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(ENV_VAR_NAMES)}.map((n) => [n, process.env[n] ?? null]))))'`;

describe('gwctl env', () => {
  it.each([
    ['bash', ['bash', '-c'], (cmd: string) => `set -e; eval "$(${cmd})"; ${PRINT_ENV}`],
    ['zsh', ['zsh', '-c'], (cmd: string) => `set -e; eval "$(${cmd})"; ${PRINT_ENV}`],
    ['fish', ['fish', '-c'], (cmd: string) => `${cmd} | source; or exit 9; ${PRINT_ENV}`],
  ])('%s evaluates the output back to exactly the same values', async (shell, [exe, flag], script) => {
    const env = servbayEnv();
    const expected = JSON.parse((await gw(['env', '--shell', 'json'], env)).stdout) as Record<string, string>;
    expect(expected.OPENAI_API_KEY).toBe(NASTY_KEY);
    expect(expected).toEqual({
      OPENAI_BASE_URL: `${servbay.url}/v1`,
      OPENAI_API_KEY: NASTY_KEY,
      ANTHROPIC_BASE_URL: servbay.url,
      ANTHROPIC_AUTH_TOKEN: NASTY_KEY,
      ANTHROPIC_API_KEY: NASTY_KEY,
      GOOGLE_GEMINI_BASE_URL: servbay.url,
      GEMINI_API_KEY: NASTY_KEY,
      GWCTL_GATEWAY_URL: servbay.url,
    });
    const cmd = `'${process.execPath}' '${BIN}' env --shell ${shell}`;
    // A UTF-8 locale, as in any terminal: fish reads bytes through the locale.
    const r = await run(exe!, [flag!, script(cmd)], { env: { ...env, LC_ALL: 'C.UTF-8', PATH: `${join(process.execPath, '..')}:${env.PATH}` } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it('takes the default shell from $SHELL', async () => {
    expect((await gw(['env'], { ...servbayEnv(), SHELL: '/usr/bin/fish' })).stdout).toMatch(/^set -gx OPENAI_BASE_URL '/);
    expect((await gw(['env'], { ...servbayEnv(), SHELL: '/bin/zsh' })).stdout).toMatch(/^export OPENAI_BASE_URL='/);
    expect((await gw(['env'], { ...servbayEnv(), SHELL: '/usr/local/bin/pwsh' })).stdout).toMatch(/^\$env:OPENAI_BASE_URL = '/);
    const dot = (await gw(['env', '--shell', 'dotenv'], { ...servbayEnv(), GWCTL_GATEWAY_KEY: 'sk-plain-$key "x"' })).stdout;
    expect(dotenv.parse(dot)).toMatchObject({ OPENAI_API_KEY: 'sk-plain-$key "x"', GWCTL_GATEWAY_URL: servbay.url });
  });

  it('mints the named key once across processes and reuses it; bad names and options are usage errors', async () => {
    const first = await gw(['env', '--shell', 'json'], litellmEnv());
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/minted key 'gwctl-env-[a-z0-9-]+'/);
    const second = await gw(['env', '--shell', 'json'], litellmEnv());
    expect(second.stderr).toBe('');
    const k1 = JSON.parse(first.stdout).OPENAI_API_KEY;
    expect(JSON.parse(second.stdout).OPENAI_API_KEY).toBe(k1);
    expect([...litellm.keys.values()].map((k) => k.key)).toEqual([k1]);
    expect(first.stderr).not.toContain(k1);
    const other = await gw(['env', 'ci', '--shell', 'json'], litellmEnv());
    expect(JSON.parse(other.stdout).OPENAI_API_KEY).not.toBe(k1);
    expect((await gw(['env', 'Bad Name'], litellmEnv())).status).toBe(1);
    expect((await gw(['env', '--shell', 'tcsh'], litellmEnv())).status).toBe(2);
    expect((await gw(['env', 'a', 'b'], litellmEnv())).status).toBe(2);
  });

  it('a gateway without a key and no configured key: a clear error, nothing printed', async () => {
    const r = await gw(['env'], { ...h.env, GWCTL_GATEWAY_KIND: 'servbay', GWCTL_GATEWAY_URL: servbay.url });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no virtual key: create one in ServBay/);
  });
});

describe('a gwctl killed while minting a named key', () => {
  it('leaves a marker; the next gwctl env warns, mints a fresh key; keys shows it; revoke forgets it', async () => {
    const env = { ...litellmEnv(), GWCTL_GATEWAY_TIMEOUT_MS: '60000' };
    litellm.fault('generate', 'timeout');
    const child = spawn(process.execPath, [BIN, 'env'], { env, stdio: 'ignore' });
    const secrets = join(h.env.XDG_CONFIG_HOME!, 'gwctl', 'secrets.json');
    for (let i = 0; i < 200 && !litellm.calls('generate').length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(readFileSync(secrets, 'utf8')).toMatch(/"minting": true/);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    litellm.clearFaults();
    const next = await gw(['env', '--shell', 'json'], litellmEnv());
    expect(next.status).toBe(0);
    expect(next.stderr).toMatch(/warning: an earlier gwctl was stopped while minting 'gwctl-env-[^']+' on LiteLLM .*revoke it in its UI/);
    expect(next.stderr).toMatch(/minted key/);
    const keys = JSON.parse((await gw(['keys', '--json'], litellmEnv())).stdout) as { keys: Array<{ name?: string; state: string; stateDetail?: string }> };
    expect(
      keys.keys
        .filter((k) => k.name === 'env')
        .map((k) => k.state)
        .sort(),
    ).toEqual(['active', 'unknown']);
    const rv = await gw(['keys', 'revoke', 'env'], litellmEnv());
    expect(rv.stdout).toMatch(/an interrupted mint: gwctl never got this key/);
    expect(rv.stdout).toMatch(/revoked key 'gwctl-env-/);
    expect(JSON.parse((await gw(['keys', '--json'], litellmEnv())).stdout).keys).toEqual([]);
  });
});

describe('gwctl env --write / gwctl restore --env', () => {
  const ORIGINAL = '# project settings\r\nexport OPENAI_API_KEY="sk-my-own-openai"  # mine\r\nDATABASE_URL=postgres://x\r\n\r\nGEMINI_API_KEY=\'g-old\'\r\n';

  it('writes only the gateway keys (a .bak first, mode 0600) and restores the exact bytes and mode', async () => {
    const path = join(h.home, 'proj.env');
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o644);
    const w = await gw(['env', '--write', 'proj.env'], litellmEnv());
    expect(w.stderr).toMatch(/minted key/);
    expect(w.status).toBe(0);
    const key = [...litellm.keys.values()][0]!.key;
    expect(w.stdout).not.toContain(key);
    const text = readFileSync(path, 'utf8');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${path}.bak`, 'utf8')).toBe(ORIGINAL);
    expect(text.startsWith('# project settings\r\nexport OPENAI_API_KEY=')).toBe(true);
    expect(text).toContain('DATABASE_URL=postgres://x\r\n');
    const parsed = dotenv.parse(text);
    expect(parsed).toMatchObject({
      OPENAI_API_KEY: key,
      GEMINI_API_KEY: key,
      DATABASE_URL: 'postgres://x',
      OPENAI_BASE_URL: `${litellm.url}/v1`,
      ANTHROPIC_BASE_URL: litellm.url,
    });
    // The record of what was written never holds the key.
    const state = readFileSync(join(h.env.XDG_STATE_HOME!, 'gwctl', 'env-files.json'), 'utf8');
    expect(state).not.toContain(key);
    expect(statSync(join(h.env.XDG_STATE_HOME!, 'gwctl', 'env-files.json')).mode & 0o777).toBe(0o600);
    // Writing again changes nothing and keeps the original .bak.
    expect((await gw(['env', '--write', path], litellmEnv())).status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readFileSync(`${path}.bak`, 'utf8')).toBe(ORIGINAL);

    const r = await gw(['restore', '--env', 'proj.env'], litellmEnv());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    // A second restore has nothing to go by.
    const again = await gw(['restore', '--env', 'proj.env'], litellmEnv());
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no record of writing/);
  });

  it('keeps a line edited since, and what the user added; creates and deletes a new file', async () => {
    const path = join(h.home, '.env');
    writeFileSync(path, ORIGINAL);
    expect((await gw(['env', '--write', path], litellmEnv())).status).toBe(0);
    const written = readFileSync(path, 'utf8');
    writeFileSync(path, written.replace(/GWCTL_GATEWAY_URL=.*\r\n/, 'GWCTL_GATEWAY_URL=http://elsewhere\r\n') + 'ADDED=1\r\n');
    const r = await gw(['restore', '--env', path], litellmEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kept GWCTL_GATEWAY_URL/);
    const after = dotenv.parse(readFileSync(path, 'utf8'));
    expect(after).toEqual({
      OPENAI_API_KEY: 'sk-my-own-openai',
      DATABASE_URL: 'postgres://x',
      GEMINI_API_KEY: 'g-old',
      GWCTL_GATEWAY_URL: 'http://elsewhere',
      ADDED: '1',
    });

    const fresh = join(h.home, 'new.env');
    expect((await gw(['env', '--write', fresh], litellmEnv())).status).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect((await gw(['restore', '--env', fresh], litellmEnv())).status).toBe(0);
    expect(() => statSync(fresh)).toThrow();
  });

  it('refuses a .env that is not UTF-8, or a directory, untouched', async () => {
    const path = join(h.home, 'bad.env');
    const bytes = Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]);
    writeFileSync(path, bytes);
    const r = await gw(['env', '--write', path], servbayEnv());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.env: is not valid UTF-8/);
    expect(readFileSync(path)).toEqual(bytes);
    expect(() => statSync(`${path}.bak`)).toThrow();
    const dir = await gw(['env', '--write', h.home], servbayEnv());
    expect(dir.status).toBe(1);
    expect(dir.stderr).toContain(h.home);
    expect(dir.stderr).not.toContain(NASTY_KEY);
  });
});

describe('gwctl exec', () => {
  it('passes the variables in the environment only: exit code comes back, no key in ps', async () => {
    const env = litellmEnv();
    const script = `ps -eww -o args > ps.txt; ${PRINT_ENV}; exit 3`;
    const r = await gw(['exec', '--', 'sh', '-c', script], env);
    expect(r.status).toBe(3);
    const seen = JSON.parse(r.stdout) as Record<string, string>;
    const key = [...litellm.keys.values()][0]!.key;
    expect(seen.OPENAI_API_KEY).toBe(key);
    expect(seen.ANTHROPIC_AUTH_TOKEN).toBe(key);
    expect(seen.OPENAI_BASE_URL).toBe(`${litellm.url}/v1`);
    const ps = readFileSync(join(h.home, 'ps.txt'), 'utf8');
    expect(ps).toContain('gwctl.js exec -- sh -c');
    expect(ps).not.toContain(key);
    expect(r.stderr).not.toContain(key);
  });

  it('passes stdin through; a missing command is 127; no command is a usage error', async () => {
    const r = await gw(['exec', 'ci', '--', 'sh', '-c', 'cat; printf "[%s]" "$OPENAI_BASE_URL"'], servbayEnv(), { input: 'from stdin\n' });
    expect(r.stdout).toBe(`from stdin\n[${servbay.url}/v1]`);
    expect((await gw(['exec', '--', 'no-such-command-xyz'], servbayEnv())).status).toBe(127);
    expect((await gw(['exec', 'env'], servbayEnv())).status).toBe(2);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('passes %s on to the command and returns its exit code', async (sig) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'exec',
        '--',
        process.execPath,
        '-e',
        `process.on('${sig}', () => { console.log('got ${sig}'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);`,
      ],
      { env: servbayEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => ((out += b.toString()), out.includes('ready') && resolve())));
    child.kill(sig);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(out).toContain(`got ${sig}`);
    expect(code).toBe(7);
  });

  it('a command killed by a signal gives 128+N', async () => {
    const r = await gw(['exec', '--', 'sh', '-c', 'kill -TERM $$'], servbayEnv());
    expect(r.status).toBe(143);
  });
});
