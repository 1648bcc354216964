/**
 * `gwctl ui` in a real terminal: the built binary in tmux (80×24), a throw-away HOME with a
 * realistic config for each tool (test/fixtures), a fake ServBay gateway on
 * 127.0.0.1, the real agent (started by the UI as `status` starts it). Everything is asserted on
 * the captured screen, polled with a deadline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adapterFor } from '../../src/adapters/index.ts';
import { STATUS_LABEL, type Status } from '../../src/adapters/types.ts';
import { TOOL_IDS, type ToolId } from '../../src/adapters/index.ts';
import { probeAgent } from '../../src/ipc/client.ts';
import { GWCTL_BIN, socketLocation } from '../../src/home/paths.ts';
import { ensureBuilt, writeSettings } from '../agent/helpers.ts';
import { startServBay, type FakeServBay } from '../helpers/gateways/servbay.ts';
import { seedHome, tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { haveTmux, Tmux } from './tmux.ts';

const CI = process.env.CI === 'true';
const runReal = CI || haveTmux();
if (!runReal) console.warn('skipping the gwctl ui terminal tests: tmux is missing; run scripts/ci-apt.sh (Debian: tmux)');

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
/** One realistic config per tool, none needing an environment variable. */
const CASES = {
  'claude-code': 'hooks-plugins',
  codex: 'daily-driver',
  'gemini-cli': 'mcp-theme',
  'qwen-code': 'other-address',
  'kimi-cli': 'deepseek-default',
  'kimi-code': 'first-run',
  codebuddy: 'custom-model-available',
  opencode: 'jsonc-comments',
  crush: 'lsp-mcp-providers',
  pi: 'ollama-and-anthropic',
  kilo: 'jsonc-comments',
  droid: 'byok-anthropic',
  openclaw: 'json5-comments',
  cline: 'anthropic-key',
  grok: 'xai-login',
  continue: 'local-ollama',
} as const;
const KEY = 'sk-servbay-ui-key-5a7e31';
const PROMPT = 'PROMPT$ ';

let gw: FakeServBay;
let h: TempHome;
let env: Record<string, string>;
let term: Tmux | undefined;
let terminals = 0;

/** The row of a tool on the screen: "› Name  Status …" or "  Name  Status …". */
function row(screen: string, name: string): string {
  return screen.split('\n').find((l) => new RegExp(`^[› ] ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`).test(l)) ?? '';
}

/** The screen's lines (capture-pane ends each one with a newline). */
const lines = (screen: string) => screen.replace(/\n$/, '').split('\n');

/** The shell prompt is the last line with text on it (the UI's screen is gone). */
const promptBack = (s: string) => s.trimEnd().split('\n').at(-1) === PROMPT.trimEnd();

function terminal(extraEnv: Record<string, string> = {}, size?: { columns: number; rows: number }): Tmux {
  // The shell in the terminal gets exactly this environment (no CI, no TMUX of an outer tmux).
  const shellEnv = {
    ...env,
    PS1: PROMPT,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    SHELL: '/bin/sh',
    PATH: `${join(process.execPath, '..')}:${env.PATH}`,
    ...extraEnv,
  };
  term = new Tmux(join(h.home, `tmux-${++terminals}.sock`), shellEnv, size);
  return term;
}

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  gw = await startServBay({ keys: [KEY] });
  h = tempHome('gwctl-ui-');
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, GWCTL_NO_AGENT: '0' };
  for (const [tool, name] of Object.entries(CASES)) await seedHome(h.home, join(FIXTURES, tool, name, 'home'));
  mkdirSync(join(h.home, '.copilot')); // Copilot CLI (launch-only, no config fixture): installed
  mkdirSync(env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
  writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 } });
});

afterEach(async () => {
  term?.kill();
  term = undefined;
  if (await probeAgent(socketLocation({ home: h.home, env })).catch(() => null)) await gwctl(['agent', 'stop'], env);
  await gw.close();
  h.cleanup();
});

describe.skipIf(!runReal)('gwctl ui in a real terminal (tmux, 80×24)', () => {
  it('a row per tool with its label; t, live outside edits, r byte-identical, --force asks, w, detail, resize, q restores the terminal', async () => {
    const expected = (await gwctl(['status', '--json', '--no-agent'], env)).json().tools;
    expect(expected.map((t) => t.id)).toEqual([...TOOL_IDS]);
    expect(expected.filter((t) => t.status === 'not-detected')).toEqual([]); // every tool is installed
    const t = terminal();
    t.line(`stty -a > ${h.home}/stty.before`);
    // Everything the UI writes to the terminal, to check the redraws are diffs (no flicker).
    const output = join(h.home, 'pane.out');
    t.tmux('pipe-pane', '-o', '-t', t.target, `cat >> ${output}`);
    t.line(`node ${GWCTL_BIN} ui`);

    // A row per tool, each with the status `gwctl status` gives it; the gateway healthy in the header.
    let s = await t.waitFor(
      (x) => expected.every((e) => row(x, adapterFor(e.id as ToolId).name).includes(STATUS_LABEL[e.status as Status])) && /healthy \d+ ms/.test(x),
      'a row per tool and a healthy gateway',
    );
    expect(s).toContain(`servbay ${gw.url}`);
    expect(s).toMatch(/agent pid \d+, up \d+s/);
    expect(lines(s)).toHaveLength(24);
    expect(Math.max(...lines(s).map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(s).toContain('q quit');
    expect(row(s, 'Claude Code')).toMatch(/^› /); // the first row is selected
    const initial = readFileSync(output).length; // the shell's echo and the UI's first frames, in full
    expect(row(s, 'Codex')).toMatch(/ (~\/\.codex\/|…)\S*config\.toml$/); // ~-relative, cut from the left at 80 columns

    // The detail pane of a tool not taken over: its config, no ledger, and the dry run of a takeover.
    const codexFile = join(h.home, '.codex', 'config.toml');
    const codexBefore = readFileSync(codexFile);
    t.keys('j');
    await t.waitFor((x) => row(x, 'Codex').startsWith('›'), 'Codex selected');
    t.keys('d');
    s = await t.waitFor((x) => x.includes('Dry run') && x.includes('Doctor'), 'the detail pane with a dry run', 20_000);
    expect(s).toContain('nothing: gwctl has no takeover on record');
    for (let i = 0; i < 40 && !/\+ model_provider = "servbay"/.test(t.screen()); i++) t.keys('j');
    s = await t.waitFor((x) => /\+ model_provider = "servbay"/.test(x), 'the planned model_provider line');
    expect(s).not.toContain(KEY);
    expect(readFileSync(codexFile).equals(codexBefore)).toBe(true); // a dry run writes nothing
    t.keys('Escape');
    await t.waitFor((x) => row(x, 'Codex').startsWith('›') && x.includes('q quit'), 'back to the list');

    // t on Codex: taken over, the file changed.
    t.keys('t');
    s = await t.waitFor((x) => row(x, 'Codex').includes('Taken Over (This Gateway)') && x.includes('Codex: taken over'), 'Codex taken over', 20_000);
    expect(row(s, 'Codex')).toContain('●'); // changed just now
    const codexTaken = readFileSync(codexFile, 'utf8');
    expect(codexTaken).not.toBe(codexBefore.toString());
    expect(codexTaken).toContain('model_provider = "servbay"');
    expect(codexTaken).toContain(`${gw.url}/v1`);

    // Another program edits Claude Code's settings: its row changes with no key press.
    const claudeFile = join(h.home, '.claude', 'settings.json');
    const claudeBefore = readFileSync(claudeFile, 'utf8');
    expect(claudeBefore).toContain('"env": {');
    const before = readFileSync(output).length;
    writeFileSync(claudeFile, claudeBefore.replace('"env": {', '"env": {\n    "ANTHROPIC_BASE_URL": "https://llm.example.com",'));
    s = await t.waitFor(
      (x) => row(x, 'Claude Code').includes('Connected (Other Address)') && x.includes('Not Taken Over → Connected'),
      "Claude Code's row after an outside edit",
    );
    expect(row(s, 'Claude Code')).toContain('llm.example.com');
    // That update rewrote a few lines in place: no screen erase, a fraction of a full frame.
    const update = readFileSync(output).subarray(before).toString('utf8');
    expect(update).not.toMatch(/\x1b\[[0-3]?J/);
    expect(update).toContain('\x1b[?2026h'); // inside a synchronized-output frame
    expect(update.length).toBeLessThan(initial / 3);
    console.log(`ui redraw: start-up ${initial} bytes, the live update ${update.length} bytes`);

    // r on Codex: restored, byte-identical.
    t.keys('r');
    await t.waitFor((x) => row(x, 'Codex').includes('Not Taken Over') && x.includes('Codex: restored'), 'Codex restored', 20_000);
    expect(readFileSync(codexFile).equals(codexBefore)).toBe(true);

    // t on a tool on another address asks first; n leaves it alone.
    const qwenFile = join(h.home, '.qwen', '.env');
    const qwenBefore = readFileSync(qwenFile);
    t.keys('j', 'j');
    await t.waitFor((x) => row(x, 'Qwen Code').startsWith('›'), 'Qwen Code selected');
    t.keys('t');
    await t.waitFor((x) => /Qwen Code points at .*Take it over anyway \(--force/.test(x), 'the --force question');
    t.keys('n');
    s = await t.waitFor((x) => x.includes('cancelled'), 'cancelled');
    expect(row(s, 'Qwen Code')).toContain('Connected (Other Address)');
    expect(readFileSync(qwenFile).equals(qwenBefore)).toBe(true);

    // w: auto re-apply for the tool, in gwctl's settings (what `gwctl config get` reads).
    t.keys('w');
    s = await t.waitFor((x) => x.includes('Qwen Code: auto re-apply on'), 'auto re-apply on');
    await t.waitFor((x) => row(x, 'Qwen Code').includes('↻'), 'the ↻ marker');
    expect((await gwctl(['config', 'get', 'autoReapply'], env)).stdout.trim()).toBe('qwen-code');
    t.keys('w');
    await t.waitFor((x) => x.includes('Qwen Code: auto re-apply off') && !row(x, 'Qwen Code').includes('↻'), 'auto re-apply off');
    expect((await gwctl(['config', 'get', 'autoReapply'], env)).stdout.trim()).toBe('false');

    // ? shows the help; a resize re-lays the screen out.
    t.keys('?');
    await t.waitFor((x) => x.includes('Markers') && x.includes('drifted'), 'the help');
    t.keys('Escape');
    t.resize(120, 30);
    s = await t.waitFor((x) => lines(x).length === 30 && x.includes('↑↓ move') && row(x, 'Crush') !== '', 'the 120×30 layout');
    expect(row(s, 'Claude Code')).toContain('~/.claude/settings.json');
    expect(row(s, 'Codex')).toContain('~/.codex/config.toml');
    t.resize(80, 24);
    await t.waitFor((x) => lines(x).length === 24 && row(x, 'Crush') !== '' && x.includes('q quit'), 'back to 80×24');

    // q: the shell prompt is back, the terminal's settings as they were.
    t.keys('q');
    s = await t.waitFor(promptBack, 'the shell prompt');
    expect(s).not.toContain('gwctl ui');
    t.line(`stty -a > ${h.home}/stty.after`);
    await t.waitFor(() => existsSync(`${h.home}/stty.after`) && readFileSync(`${h.home}/stty.after`, 'utf8').includes('speed'), 'stty -a');
    expect(readFileSync(`${h.home}/stty.after`, 'utf8')).toBe(readFileSync(`${h.home}/stty.before`, 'utf8'));
  }, 120_000);

  it('Esc, Ctrl-C and SIGTERM quit too; bare gwctl opens the UI in a terminal and prints the usage in a pipe', async () => {
    const t = terminal();
    t.line(`stty -a > ${h.home}/stty.before`);
    t.line(`node ${GWCTL_BIN}`);
    await t.waitFor((x) => row(x, 'Crush') !== '' && x.includes('q quit'), 'the UI from bare gwctl', 20_000);
    t.keys('Escape');
    await t.waitFor(promptBack, 'the prompt after Esc');
    t.line(`node ${GWCTL_BIN} ui`);
    await t.waitFor((x) => row(x, 'Crush') !== '', 'the UI again');
    t.keys('C-c');
    await t.waitFor(promptBack, 'the prompt after Ctrl-C');
    // SIGTERM (a closing terminal, a kill) restores the terminal as well.
    t.line(`node ${GWCTL_BIN} ui`);
    await t.waitFor((x) => row(x, 'Crush') !== '', 'the UI once more');
    process.kill(
      t.descendant((args) => args.includes(`${GWCTL_BIN} ui`)),
      'SIGTERM',
    );
    await t.waitFor(promptBack, 'the prompt after SIGTERM');
    t.line(`stty -a > ${h.home}/stty.after`);
    await t.waitFor(() => existsSync(`${h.home}/stty.after`) && readFileSync(`${h.home}/stty.after`, 'utf8').includes('speed'), 'stty -a');
    expect(readFileSync(`${h.home}/stty.after`, 'utf8')).toBe(readFileSync(`${h.home}/stty.before`, 'utf8'));
    // In a pipe: the usage, as before.
    const piped = execFileSync('sh', ['-c', `node ${GWCTL_BIN} | head -n 1; echo "exit=$?"`], {
      env: { ...env, PATH: `${join(process.execPath, '..')}:${env.PATH}` },
      encoding: 'utf8',
    });
    expect(piped).toMatch(/^gwctl \d+\.\d+\.\d+: point AI coding CLIs/);
  }, 60_000);

  it('a failure goes to the status line, never as a stack trace; the header says the gateway is down', async () => {
    const t = terminal();
    t.line(`node ${GWCTL_BIN} ui`);
    await t.waitFor((x) => row(x, 'Crush') !== '' && /healthy/.test(x), 'the UI');
    await gw.close();
    t.keys('j', 't');
    const s = await t.waitFor((x) => /^Codex: .*127\.0\.0\.1/m.test(x) && x.includes('not answering'), 'the error and the header');
    expect(row(s, 'Codex')).toContain('Not Taken Over');
    expect(s).not.toMatch(/^\s+at /m);
    expect(s.replace(/\n/g, ' ')).toMatch(/start the gateway, or fix/); // a long message wraps rather than being cut
    t.keys('q');
    await t.waitFor(promptBack, 'the prompt');
  }, 60_000);

  it('colours by status, none under NO_COLOR', async () => {
    const sgrColour = /\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[;m]/;
    let t = terminal();
    t.line(`node ${GWCTL_BIN} ui`);
    await t.waitFor((x) => row(x, 'Crush') !== '' && /healthy/.test(x), 'the UI');
    expect(t.screen({ escapes: true })).toMatch(sgrColour);
    t.keys('q');
    await t.waitFor(promptBack, 'the prompt');
    t.kill();
    t = terminal({ NO_COLOR: '1' });
    t.line(`node ${GWCTL_BIN} ui`);
    await t.waitFor((x) => row(x, 'Crush') !== '' && /healthy/.test(x), 'the UI under NO_COLOR');
    const s = t.screen({ escapes: true });
    expect(s).not.toMatch(sgrColour);
    expect(s).toMatch(/\x1b\[[0-9;]*7m/); // the selected row is still shown (inverse is not a colour)
    t.keys('q');
    await t.waitFor(promptBack, 'the prompt');
  }, 60_000);
});

afterAll(() => term?.kill());
