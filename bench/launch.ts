/**
 * What `gwctl launch` adds to starting a tool: the time from `gwctl launch TOOL --bin /bin/true`
 * to its exit, against `/bin/true` alone and against `gwctl --version` (Node start-up), per tool
 * (the tools with temp files write and remove them each run).
 *
 *   node bench/launch.ts [--runs 20]
 *
 * Uses the built CLI (bin/gwctl.js → dist/, built by scripts/with-node.sh), a throw-away HOME, and
 * a local gateway (static kind, configured key; --model given, so no model list is fetched).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allAdapters } from '../src/adapters/index.ts';
import { GWCTL_BIN } from '../src/home/paths.ts';
import { startGateway } from '../test/helpers/gateway.ts';
import { tempHome } from '../test/helpers/home.ts';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 20;
const TRUE = '/bin/true';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(cmd: string, args: string[], env: Record<string, string>): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${String(r.status)}`);
  return performance.now() - t;
}

const gw = await startGateway();
const h = tempHome('gwctl-bench-launch-');
const tmp = join(h.home, 'tmp');
mkdirSync(tmp);
const env = { ...h.env, TMPDIR: tmp, GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: 'sk-bench' };
try {
  const rows: Array<[string, number]> = [];
  rows.push([`${TRUE} alone`, median(Array.from({ length: RUNS }, () => time(TRUE, [], env)))]);
  rows.push(['gwctl --version', median(Array.from({ length: RUNS }, () => time(process.execPath, [GWCTL_BIN, '--version'], env)))]);
  for (const a of allAdapters()) {
    const args = [GWCTL_BIN, 'launch', a.id, '--bin', TRUE, '--model', 'gpt-4o'];
    time(process.execPath, args, env); // warm the compile cache
    rows.push([`gwctl launch ${a.id}`, median(Array.from({ length: RUNS }, () => time(process.execPath, args, env)))]);
  }
  console.log(`gwctl launch overhead (median of ${RUNS} runs, ${TRUE} as the tool)`);
  for (const [what, ms] of rows) console.log(`  ${what.padEnd(28)} ${ms.toFixed(1)} ms`);
} finally {
  await gw.close();
  rmSync(h.home, { recursive: true, force: true });
}
