/**
 * Odd files cannot wedge the agent (issue 18 §5): FIFOs where tools' configs should be (four of
 * them: as many as libuv has thread-pool workers) are seen by the watchers and hashed, and the
 * agent still answers, still notices changes, and ends on SIGTERM within a bounded time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, readConfig } from '../../src/configio/io.ts';
import { STOP_DEADLINE_MS } from '../../src/agent/run.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { ensureBuilt, sleep, startAgentProc, writeSettings, type AgentProc } from '../agent/helpers.ts';

describe('FIFOs and devices in config paths', () => {
  let h: TempHome;
  let gw: FakeGateway;
  let env: Record<string, string>;
  let agent: AgentProc | undefined;
  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    h = tempHome('gwctl-odd-');
    gw = await startGateway();
    env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: 'sk-configured-key-0123456', GWCTL_NO_AGENT: '0' };
    writeSettings(h.home, env, { notify: false });
  });
  afterEach(async () => {
    await agent?.stop('SIGKILL');
    agent = undefined;
    await gw.close();
    h.cleanup();
  });

  it('reading never blocks: a FIFO or a device is reported (readConfig) or fingerprinted (watchers)', async () => {
    const fifo = join(h.home, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readConfig(fifo)).rejects.toThrow(/is not a regular file \(a FIFO\)/);
    await expect(readConfig('/dev/zero')).rejects.toThrow(/is not a regular file \(a character device\)/);
    expect(fingerprint(fifo)).toBe('unreadable:NOT_A_FILE:FIFO');
    expect(fingerprint('/dev/zero')).toBe('unreadable:NOT_A_FILE:character device');
    const big = join(h.home, 'big.json');
    writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 0x20));
    await expect(readConfig(big)).rejects.toThrow(/larger than 16 MiB/);
  });

  it('four FIFOs where configs should be: the agent still answers, sees a real change, and SIGTERM ends it', async () => {
    const dirs = ['.claude', '.codex', '.gemini', '.qwen', '.kimi'].map((d) => join(h.home, d));
    for (const d of dirs) mkdirSync(d);
    agent = await startAgentProc(env);
    // Each becomes a FIFO after the agent watches it (as a tool rewriting it might leave it).
    for (const f of [join(dirs[0]!, 'settings.json'), join(dirs[1]!, 'config.toml'), join(dirs[2]!, '.env'), join(dirs[3]!, '.env')])
      execFileSync('mkfifo', [f]);
    await sleep(600); // the watchers settle and hash them
    // Still answering, and still reading files: a real config change is reported.
    writeFileSync(
      join(dirs[4]!, 'config.toml'),
      `default_model = "x/y"\n\n[providers.x]\ntype = "openai"\nbase_url = "https://elsewhere.example/v1"\n\n[models."x/y"]\nprovider = "x"\nmodel = "y"\n`,
    );
    const t0 = Date.now();
    const r = await gwctl(['status', 'kimi-cli', 'claude-code', '--json'], env);
    expect(Date.now() - t0).toBeLessThan(5000);
    const [kimi, claude] = r.json().tools;
    expect(kimi!.status).toBe('other-address');
    expect(claude!.error).toMatch(/not a regular file \(a FIFO\)/);
    const started = Date.now();
    const code = await agent.stop('SIGTERM');
    expect(Date.now() - started).toBeLessThan(STOP_DEADLINE_MS + 2000);
    expect(code).not.toBeNull();
    agent = undefined;
  });
});
