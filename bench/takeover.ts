/**
 * Takeover and restore with a large model list, per tool, in-process (the engine code the agent
 * runs on its event loop), printed with the longest event-loop block seen meanwhile:
 *
 *   node bench/takeover.ts [--models 2000] [--tools codebuddy,kimi-cli,...]
 *
 * Two starts per tool: no config yet, and a config already pointing elsewhere that lists three
 * of the gateway's models (a member already there in the middle of the list sent the whole list
 * the one-at-a-time way: a 300-model Continue takeover took 3.4 s, 2,000 models minutes).
 *
 * A throw-away HOME, the engine with a local KeySource (no network): only the edit, verify and
 * write path is measured. Issue 18 §2 target: 2,000 models well under a second per tool.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { adapterFor } from '../src/adapters/index.ts';
import { TOOL_IDS, type ToolId } from '../src/adapters/index.ts';
import { Engine } from '../src/engine/engine.ts';
import type { KeySource } from '../src/gateway/types.ts';
import { tempHome } from '../test/helpers/home.ts';
import { configPointingAt, writeFiles } from '../test/agent/helpers.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const N = Number(arg('models', '2000'));
const tools = arg('tools', TOOL_IDS.filter((t) => !adapterFor(t).launchOnly).join(',')).split(',') as ToolId[];
const generated = Array.from({ length: N }, (_, i) => `vendor/model-${i}-${'x'.repeat(i % 17)}`);
// The three a config pointing elsewhere lists (test/agent/helpers.ts), in the middle of the list.
const models = [...generated.slice(0, N / 2), 'gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder', ...generated.slice(N / 2)];

const keys: KeySource = {
  health: async () => undefined,
  models: async () => models,
  acquire: async () => ({ key: 'sk-bench-key-0123456789abcdef', ref: { kind: 'static' } }),
  release: async () => undefined,
};
const gateway = {
  kind: 'static',
  root: 'http://127.0.0.1:11580',
  baseUrl: { anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' },
  providerId: 'servbay',
  displayName: 'AI Gateway',
};

const rows: string[] = [];
let worst = 0;
for (const start of ['empty', 'existing'] as const)
  for (const tool of tools) {
    const h = tempHome('gwctl-bench-');
    try {
      // Installed: the config dir and the directories its files live in.
      const loc = adapterFor(tool).locate({ home: h.home, env: h.env });
      for (const d of [loc.dir, ...loc.files.map((f) => dirname(f.path))]) mkdirSync(d, { recursive: true });
      if (start === 'existing') writeFiles(configPointingAt(adapterFor(tool), { home: h.home, env: h.env }, 'https://elsewhere.example.com'));
      const engine = new Engine({ home: h.home, env: h.env, stateDir: join(h.home, 'state'), gateway, keys });
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      let t = performance.now();
      const took = await engine.takeover(tool, { force: true });
      const takeoverMs = performance.now() - t;
      t = performance.now();
      const back = await engine.restore(tool);
      const restoreMs = performance.now() - t;
      loop.disable();
      // The whole takeover runs as one synchronous stretch per file at most: the longest block is
      // bounded by the total, and measured by the histogram's max.
      const block = loop.max / 1e6;
      worst = Math.max(worst, takeoverMs, restoreMs);
      if (took.action !== 'taken-over' || back.action !== 'restored') throw new Error(`${tool}: ${took.action}/${back.action} ${took.error ?? ''}`);
      rows.push(
        `${start.padEnd(8)} ${tool.padEnd(12)} takeover ${takeoverMs.toFixed(0).padStart(6)} ms   restore ${restoreMs.toFixed(0).padStart(6)} ms   longest event-loop block ${block.toFixed(0).padStart(6)} ms`,
      );
    } finally {
      h.cleanup();
    }
  }
console.log(`${models.length} models per tool; empty: no config yet; existing: a config pointing elsewhere with 3 of those models`);
for (const r of rows) console.log(r);
console.log(`slowest: ${worst.toFixed(0)} ms (target: well under 1000 ms)`);
