/**
 * Peak memory of the CLI against a hostile gateway (issue 18 §2), per answer size:
 *
 *   node bench/hostile-gateway.ts [--sizes 20,200]     (MiB)
 *
 * The gateway streams N MiB of `[` (JSON.parse would build one array per byte, ~55x) as its
 * model list (the largest answer gwctl accepts, 4 MiB); `gwctl takeover codex --no-agent` runs against it (built CLI, throw-away HOME) and the
 * child's peak RSS (/usr/bin/time's "Maximum resident set size", else VmHWM) is printed next to
 * an idle `gwctl --version` for scale. Target: the oversized answer adds no more than ~10 MiB.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GWCTL_BIN } from '../src/home/paths.ts';
import { tempHome } from '../test/helpers/home.ts';

const ROOT = join(import.meta.dirname, '..');
const i = process.argv.indexOf('--sizes');
const SIZES = (i > 0 ? process.argv[i + 1]! : '20,200').split(',').map(Number);

async function peakRss(args: string[], env: Record<string, string>): Promise<{ kib: number; code: number | null; stderr: string }> {
  const useTime = existsSync('/usr/bin/time');
  const cmd = useTime ? '/usr/bin/time' : process.execPath;
  const argv = useTime ? ['-f', 'MAXRSS %M', process.execPath, GWCTL_BIN, ...args] : [GWCTL_BIN, ...args];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const m = /MAXRSS (\d+)/.exec(stderr);
      resolve({ kib: m ? Number(m[1]) : NaN, code, stderr: stderr.replace(/MAXRSS \d+\n?/, '').trim() });
    });
  });
}

async function main(): Promise<void> {
  try {
    execFileSync('sh', [join(ROOT, 'scripts', 'with-node.sh'), 'true'], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    console.error('bench: the build reported errors; measuring the dist/ that is there');
  }
  const h = tempHome('gwctl-bench-');
  mkdirSync(join(h.home, '.codex'));
  const base = await peakRss(['--version'], h.env);
  console.log(`gwctl --version (for scale): peak RSS ${(base.kib / 1024).toFixed(0)} MiB`);
  for (const mib of SIZES) {
    const chunk = Buffer.alloc(64 * 1024, '[');
    let sent = 0;
    // The root answers (so the health probe passes); the model list is the oversized answer.
    const server = createServer((req, res) => {
      if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const pump = () => {
        while (n < mib * 16) {
          n++;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = { ...h.env, GWCTL_NO_AGENT: '1', GWCTL_GATEWAY_URL: url, GWCTL_GATEWAY_KEY: 'sk-bench-key-0123456789', GWCTL_GATEWAY_TIMEOUT_MS: '60000' };
    const t = performance.now();
    const r = await peakRss(['takeover', 'codex'], env);
    const ms = performance.now() - t;
    console.log(
      `${String(mib).padStart(4)} MiB of '[' answered: peak RSS ${(r.kib / 1024).toFixed(0)} MiB (+${((r.kib - base.kib) / 1024).toFixed(0)} over --version), ${ms.toFixed(0)} ms, exit ${r.code}, gateway sent ${(sent / 1048576).toFixed(1)} MiB`,
    );
    console.log(`      ${r.stderr.split('\n').find((l) => l.includes('gwctl')) ?? ''}`);
    server.closeAllConnections();
    server.close();
  }
  h.cleanup();
}

await main();
