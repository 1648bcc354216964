/**
 * Socket abuse against a real agent (`gwctl agent run` in a child, from src/): another uid
 * cannot connect; unknown envelope types, unknown methods, oversized frames, invalid JSON and
 * random bytes, and bursts of rapid connections leave it serving; concurrent clients' `status`
 * requests are all answered (latency percentiles reported).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { AgentConnection } from '../../../src/ipc/client.ts';
import { socketLocation, type SocketLocation } from '../../../src/home/paths.ts';
import { startGateway, type FakeGateway } from '../../helpers/gateway.ts';
import { fixtureCases, NODE, percentile, prng, registerKeys, seedCase, spawnAgentRun, type SeededHome } from './common.ts';

export const AGENT_KEY = 'sk-agent-3c8e1f0b7a924d56';

export interface AgentUnderTest {
  home: SeededHome;
  env: Record<string, string>;
  loc: SocketLocation;
  child: ChildProcess;
  gw: FakeGateway;
  stderr(): string;
  stop(): Promise<void>;
}

/** Start an agent on a fixture home whose HOME and runtime dir are open (0755), so only the socket dir's own protection stands between another uid and the socket. */
export async function startAgent(opts: { home?: SeededHome } = {}): Promise<AgentUnderTest> {
  const gw = await startGateway();
  registerKeys([AGENT_KEY]);
  const c = fixtureCases().find((k) => k.tool === 'claude-code' && k.name === 'hooks-plugins')!;
  const home = opts.home ?? (await seedCase(c, { GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: AGENT_KEY }));
  chmodSync(home.home, 0o755);
  mkdirSync(home.env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o755 });
  chmodSync(home.env.XDG_RUNTIME_DIR!, 0o755);
  const env = home.env;
  const loc = socketLocation({ home: home.home, env });
  const agent = await spawnAgentRun(env, loc);
  const child = agent.child;
  return {
    home,
    env,
    loc,
    child,
    gw,
    stderr: agent.stderr,
    stop: async () => {
      await agent.stop();
      await gw.close();
    },
  };
}

/** The agent answers a `status` on a fresh connection. */
export async function serving(a: AgentUnderTest, timeoutMs = 10_000): Promise<boolean> {
  try {
    const conn = await AgentConnection.open(a.loc, { timeoutMs });
    try {
      const r = await conn.request('status', { tools: ['claude-code'] }, { timeoutMs });
      return r.tools.length === 1 && r.tools[0]!.id === 'claude-code';
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** What another uid gets when it connects: the errno, or 'connected'. */
export function connectAs(uid: number, path: string): string {
  const js = `const s=require('net').connect(${JSON.stringify(path)});s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)});setTimeout(()=>{console.log('timeout');process.exit(0)},3000)`;
  return execFileSync(NODE, ['-e', js], { uid, gid: uid, encoding: 'utf8' }).trim();
}

export function modes(a: AgentUnderTest): { dir: string; dirUid: number; socket: string; socketUid: number } {
  const d = statSync(a.loc.dir);
  const s = statSync(a.loc.path);
  return { dir: (d.mode & 0o777).toString(8), dirUid: d.uid, socket: (s.mode & 0o777).toString(8), socketUid: s.uid };
}

/** Send `payload` on a raw connection; resolves with what came back and whether the agent closed it. */
function raw(path: string, payload: Buffer | string, waitMs = 150): Promise<{ reply: string; closedByAgent: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect({ path });
    let reply = '';
    let closedByAgent = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      s.destroy();
      resolve({ reply, closedByAgent });
    };
    s.on('data', (d) => (reply += d.toString()));
    s.on('close', () => ((closedByAgent = true), finish()));
    s.on('error', () => finish());
    s.on('connect', () => {
      s.write(payload, () => setTimeout(finish, waitMs));
    });
  });
}

export interface AbuseStats {
  frames: Record<string, { sent: number; answered: number; closed: number }>;
  servingAfterEach: number;
  checks: number;
}

/** Hostile frames; after every `checkEvery` of them the agent must still answer status. */
export async function abuse(a: AgentUnderTest, n: number, seed = 7): Promise<AbuseStats> {
  const rand = prng(seed);
  const kinds: Array<[string, () => Buffer | string]> = [
    ['unknown envelope type', () => JSON.stringify({ type: 'evil.event', data: { id: 1 } }) + '\f'],
    ['reserved node-ipc event', () => JSON.stringify({ type: '__proto__', data: {} }) + '\f'],
    ['unknown method', () => JSON.stringify({ type: 'gwctl.request', data: { id: 1, method: 'exec', params: { cmd: 'rm -rf ~' } } }) + '\f'],
    [
      'bad params',
      () => JSON.stringify({ type: 'gwctl.request', data: { id: 2, method: 'takeover', params: { tools: ['../../etc'], env: { PATH: '/evil' } } } }) + '\f',
    ],
    ['request without id', () => JSON.stringify({ type: 'gwctl.request', data: { method: 'status' } }) + '\f'],
    ['invalid JSON', () => '{"type":"gwctl.request","data":{' + '\f'],
    [
      'oversized frame (300 KiB)',
      () => JSON.stringify({ type: 'gwctl.request', data: { id: 3, method: 'status', params: { pad: 'x'.repeat(300 * 1024) } } }) + '\f',
    ],
    ['oversized, no delimiter (1 MiB)', () => Buffer.alloc(1024 * 1024, 0x41)],
    ['random bytes', () => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256)))],
    [
      'random bytes with delimiters',
      () => Array.from({ length: 1 + Math.floor(rand() * 64) }, () => (rand() < 0.2 ? '\f' : String.fromCharCode(32 + Math.floor(rand() * 90)))).join(''),
    ],
    [
      'deeply nested JSON',
      () =>
        JSON.stringify({ type: 'gwctl.request', data: { id: 4, method: 'status', params: { tools: [] } } }).replace(
          '"tools":[]',
          `"tools":${'['.repeat(20000)}${']'.repeat(20000)}`,
        ) + '\f',
    ],
    ['prototype pollution', () => '{"type":"gwctl.request","data":{"id":5,"method":"config.get","params":{"__proto__":{"polluted":true}}}}\f'],
  ];
  const stats: AbuseStats = { frames: {}, servingAfterEach: 0, checks: 0 };
  for (let i = 0; i < n; i++) {
    const [name, make] = kinds[i % kinds.length]!;
    const f = (stats.frames[name] ??= { sent: 0, answered: 0, closed: 0 });
    const r = await raw(a.loc.path, make());
    f.sent++;
    if (r.reply) f.answered++;
    if (r.closedByAgent) f.closed++;
    if (i % kinds.length === kinds.length - 1 || i === n - 1) {
      stats.checks++;
      if (await serving(a)) stats.servingAfterEach++;
    }
  }
  return stats;
}

/** `n` connections opened and dropped as fast as possible (some half-way through a frame). */
export async function rapidConnections(a: AgentUnderTest, n: number, parallel = 50): Promise<{ opened: number; refused: number }> {
  let opened = 0;
  let refused = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const i = next++;
      const s = connect({ path: a.loc.path });
      s.on('connect', () => {
        opened++;
        if (i % 3 === 0) s.write('{"type":"gwctl.request","data":{"id":1,');
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        refused++;
        resolve();
      });
    });
  const worker = async () => {
    while (next < n) await one();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { opened, refused };
}

export interface LoadStats {
  clients: number;
  requests: number;
  answered: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  ms: number;
}

/** `clients` connections, each sending `requests` status requests one after another. */
export async function statusLoad(a: AgentUnderTest, clients: number, requests: number): Promise<LoadStats> {
  const t0 = performance.now();
  const lat: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const conn = await AgentConnection.open(a.loc, { timeoutMs: 10_000 });
      try {
        for (let i = 0; i < requests; i++) {
          const s = performance.now();
          try {
            const r = await conn.request('status', { tools: [] }, { timeoutMs: 30_000 });
            if (!Array.isArray(r.tools)) errors++;
            else lat.push(performance.now() - s);
          } catch {
            errors++;
          }
        }
      } finally {
        conn.close();
      }
    }),
  );
  lat.sort((x, y) => x - y);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    clients,
    requests: clients * requests,
    answered: lat.length,
    errors,
    p50: r1(percentile(lat, 50)),
    p95: r1(percentile(lat, 95)),
    p99: r1(percentile(lat, 99)),
    max: r1(lat[lat.length - 1] ?? NaN),
    ms: Math.round(performance.now() - t0),
  };
}
