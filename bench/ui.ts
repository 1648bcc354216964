/**
 * `gwctl ui` in figures, measured in a real terminal (tmux, 80×24):
 *
 *   node bench/ui.ts [--edits 30]
 *
 * - start-up: `gwctl ui` typed → nine rows and a healthy gateway on screen (agent already running);
 * - live: another program rewrites Claude Code's settings → its row shows the new status, with no
 *   key press (the screen is polled with capture-pane, a few ms each, so figures include that);
 * - the same edits seen by a plain socket subscriber (the agent's share of that time);
 * - bytes written to the terminal per live update (tmux pipe-pane), against the first frame.
 *
 * Uses the built CLI (bin/gwctl.js → dist/), a throw-away HOME with one fixture per tool and a
 * local ServBay-like gateway on 127.0.0.1. Needs tmux. Nothing outside the temp HOME is touched.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GWCTL_BIN, socketLocation } from '../src/home/paths.ts';
import { probeAgent } from '../src/ipc/client.ts';
import { ensureBuilt, Events, sleep, writeSettings } from '../test/agent/helpers.ts';
import { startServBay } from '../test/helpers/gateways/servbay.ts';
import { seedHome, tempHome } from '../test/helpers/home.ts';
import { gwctl } from '../test/helpers/run.ts';
import { Tmux } from '../test/ui/tmux.ts';

const i = process.argv.indexOf('--edits');
const EDITS = i > 0 ? Number(process.argv[i + 1]) : 30;
const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures');
const CASES = [
  'claude-code/hooks-plugins',
  'codex/daily-driver',
  'gemini-cli/mcp-theme',
  'qwen-code/other-address',
  'kimi-cli/deepseek-default',
  'kimi-code/first-run',
  'codebuddy/custom-model-available',
  'opencode/jsonc-comments',
  'crush/lsp-mcp-providers',
];
const KEY = 'sk-servbay-bench-key-1234';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil(p * xs.length) - 1))]!;
const claudeRow = (s: string) => s.split('\n').find((l) => /^[› ] Claude Code /.test(l)) ?? '';

ensureBuilt();
const gw = await startServBay({ keys: [KEY] });
const h = tempHome('gwctl-bench-ui-');
const env: Record<string, string> = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, GWCTL_NO_AGENT: '0' };
for (const c of CASES) await seedHome(h.home, join(FIXTURES, c, 'home'));
mkdirSync(env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 } });
await gwctl(['agent', 'start'], env);

const t = new Tmux(join(h.home, 'tmux.sock'), {
  ...env,
  PS1: '$ ',
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
  PATH: `${join(process.execPath, '..')}:${env.PATH}`,
});
try {
  const out = join(h.home, 'pane.out');
  t.tmux('pipe-pane', '-o', '-t', t.target, `cat >> ${out}`);
  let start = performance.now();
  t.line(`node ${GWCTL_BIN} ui`);
  await t.waitFor((s) => /^[› ] Crush /m.test(s) && /healthy/.test(s), 'the UI', 20_000, 2);
  const startup = performance.now() - start;
  await sleep(300);
  const firstFrame = statSync(out).size;

  const file = join(h.home, '.claude', 'settings.json');
  const original = readFileSync(file, 'utf8');
  const elsewhere = original.replace('"env": {', '"env": {\n    "ANTHROPIC_BASE_URL": "https://llm.example.com",');
  const latencies: number[] = [];
  const eventLatencies: number[] = [];
  const events = await Events.subscribe(env); // the agent's own figure, beside the screen's
  const bytes: number[] = [];
  for (let n = 0; n < EDITS; n++) {
    const [text, label] = n % 2 === 0 ? [elsewhere, 'Connected (Other Address)'] : [original, 'Not Taken Over'];
    const before = statSync(out).size;
    const seen = events.length;
    start = performance.now();
    writeFileSync(file, text);
    const event = events
      .waitFor((e) => e.type === 'status-changed' && e.tool === 'claude-code', 15_000, seen)
      .then(() => eventLatencies.push(performance.now() - start));
    await t.waitFor((s) => claudeRow(s).includes(label), label, 15_000, 2);
    latencies.push(performance.now() - start);
    await event;
    await sleep(100); // let the status line and markers settle before counting bytes
    bytes.push(statSync(out).size - before);
  }
  events.close();
  t.keys('q');
  console.log(`gwctl ui, 80×24 in tmux, ${EDITS} outside edits of ~/.claude/settings.json`);
  console.log(`  start-up (agent running) to nine rows and a healthy gateway: ${startup.toFixed(0)} ms`);
  console.log(`  outside edit → row changed on screen: p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms`);
  console.log(
    `  the same edits → status-changed at a socket subscriber: p50 ${pct(eventLatencies, 0.5).toFixed(1)} ms, p99 ${pct(eventLatencies, 0.99).toFixed(1)} ms`,
  );
  console.log(`  bytes written per live update: p50 ${pct(bytes, 0.5)}, max ${Math.max(...bytes)} (start-up frames: ${firstFrame})`);
} finally {
  t.kill();
  if (await probeAgent(socketLocation({ home: h.home, env })).catch(() => null)) await gwctl(['agent', 'stop'], env);
  await gw.close();
  h.cleanup();
}
