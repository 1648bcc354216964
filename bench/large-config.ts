/**
 * A very large config, end to end (issue 19's "5 MB config" row):
 *
 *   node bench/large-config.ts [--mb 5] [--drifts 5] [--no-lite-mode] [--flags "--node-flag …"]
 *
 * Claude Code's settings.json grown to about N MB (a long permissions list, as years of "always
 * allow" answers leave it), in a throw-away HOME with a local gateway (servbay kind, static key):
 * `gwctl status --json --no-agent`, a takeover and a restore through the agent, and drift →
 * re-applied (the tool rewrites the file without gwctl's keys; autoReapply puts them back), with
 * the agent's resident memory after each step. Nothing outside the temp HOME is touched.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GWCTL_BIN } from '../src/home/paths.ts';
import { tempHome } from '../test/helpers/home.ts';
import { sleep, startAgentProc, writeSettings } from '../test/agent/helpers.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MB = arg('mb', 5);
const DRIFTS = arg('drifts', 5);
/** The agent with V8's full compilers (`--no-lite-mode`), for comparison. */
const FULL_V8 = process.argv.includes('--no-lite-mode');
/** `--flags "--node-flag …"`: more node flags for the agent (experiments, e.g. --cpu-prof). */
const EXTRA_FLAGS = process.argv.includes('--flags') ? (process.argv[process.argv.indexOf('--flags') + 1] ?? '').split(/\s+/).filter(Boolean) : [];
const ROOT = join(import.meta.dirname, '..');
const execAsync = promisify(execFile);

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

async function main(): Promise<void> {
  execFileSync('sh', [join(ROOT, 'scripts', 'with-node.sh'), 'true'], { cwd: ROOT, stdio: 'inherit' });
  const gw = createServer((req, res) => {
    if (req.url === '/v1/models')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'claude-sonnet-4-5' }] }));
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => gw.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(gw.address() as AddressInfo).port}`;
  const h = tempHome('gwctl-bench-large-');
  const env: Record<string, string> = { ...h.env, GWCTL_GATEWAY_KEY: 'sk-bench-static-key-0001' };
  writeSettings(h.home, env, { notify: false, autoReapply: true, agent: { reapplyPerMinute: 60, gatewayCheckSeconds: 0 }, gateway: { url, kind: 'servbay' } });
  const file = join(h.home, '.claude', 'settings.json');
  mkdirSync(join(h.home, '.claude'));
  const allow: string[] = [];
  for (let i = 0; JSON.stringify(allow).length < MB * 1024 * 1024; i++) allow.push(`Bash(npm run test:unit -- --filter=case-${i} --reporter=dot)`);
  const original = JSON.stringify({ model: 'opus', permissions: { allow, deny: [] }, env: { DISABLE_TELEMETRY: '1' } }, null, 2) + '\n';
  writeFileSync(file, original);
  const rows: Array<[string, string]> = [[`settings.json size`, `${(original.length / 1024 / 1024).toFixed(2)} MB`]];

  try {
    const t0 = performance.now();
    const s = spawnSync(process.execPath, [GWCTL_BIN, 'status', '--json', '--no-agent'], { env });
    rows.push(['gwctl status --json --no-agent', `${(performance.now() - t0).toFixed(0)} ms (exit ${s.status})`]);

    const agent = await startAgentProc(env, [...(FULL_V8 ? ['--no-lite-mode'] : []), ...EXTRA_FLAGS]);
    const pid = agent.hello.pid;
    try {
      await sleep(500);
      rows.push(['agent RSS, idle with the file present', `${rssMiB(pid).toFixed(1)} MiB`]);
      let t = performance.now();
      await execAsync(process.execPath, [GWCTL_BIN, 'takeover', 'claude-code'], { env, maxBuffer: 64 * 1024 * 1024 });
      rows.push(['takeover through the agent', `${(performance.now() - t).toFixed(0)} ms; agent RSS ${rssMiB(pid).toFixed(1)} MiB`]);
      const lat: number[] = [];
      let peak = 0;
      for (let i = 0; i < DRIFTS; i++) {
        await sleep(300);
        t = performance.now();
        writeFileSync(file, original); // the tool rewrites its file without gwctl's keys
        // Watch cheaply (a stat every 2 ms; the file is read only when it was replaced): reading
        // 5 MB every 2 ms took a core from the agent on a 2-core machine.
        let seen = statSync(file, { bigint: true });
        for (;;) {
          peak = Math.max(peak, rssMiB(pid));
          const st = statSync(file, { bigint: true });
          if ((st.ino !== seen.ino || st.size !== seen.size || st.mtimeNs !== seen.mtimeNs) && readFileSync(file, 'utf8').includes(url)) break;
          seen = st;
          if (performance.now() - t > 30_000) throw new Error('no re-apply within 30 s');
          await sleep(2);
        }
        lat.push(performance.now() - t);
      }
      lat.sort((a, b) => a - b);
      rows.push([
        `drift → re-applied file, ${DRIFTS} drifts`,
        `p50 ${lat[lat.length >> 1]!.toFixed(0)} ms, max ${lat[lat.length - 1]!.toFixed(0)} ms; agent RSS peak ${peak.toFixed(1)} MiB`,
      ]);
      await sleep(500);
      t = performance.now();
      await execAsync(process.execPath, [GWCTL_BIN, 'restore', 'claude-code'], { env, maxBuffer: 64 * 1024 * 1024 });
      rows.push([
        'restore through the agent',
        `${(performance.now() - t).toFixed(0)} ms; byte-identical: ${readFileSync(file, 'utf8') === original ? 'yes' : 'NO'}`,
      ]);
      await sleep(1000);
      rows.push(['agent RSS after', `${rssMiB(pid).toFixed(1)} MiB`]);
    } finally {
      await agent.stop();
    }
  } finally {
    gw.close();
    h.cleanup();
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

await main();
