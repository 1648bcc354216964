/**
 * Bad environments: a read-only home (a read-only tmpfs), a full disk (a small tmpfs filled to
 * every level from 0 to 64 KiB free), a config dir owned by another user (the CLI run as
 * `nobody`), HOME unset, a gateway that hangs, a config that is not UTF-8. Each must end in a
 * clear error (naming the file or the gateway and what to do) with nothing half-written: every
 * config byte-identical, no ledger entry, no temp file left.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../../src/engine/ledger.ts';
import { startGateway, type FakeGateway } from '../../helpers/gateway.ts';
import { seedHome } from '../../helpers/home.ts';
import { gwctl } from '../../helpers/run.ts';
import { figure, fixtureCases, recordOutput, registerArtifactDir, registerKeys, removeLater, runChild, walk } from './common.ts';

const KEY = 'sk-badenv-7f3a9c2e51b04d6a';
const TOOL = 'claude-code';

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const d = mkdtempSync(join(tmpdir(), 'gwctl-mnt-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

interface Home {
  home: string;
  env: Record<string, string>;
  settings: string;
  original: Buffer;
}

async function seeded(home: string, gw: FakeGateway): Promise<Home> {
  const c = fixtureCases().find((k) => k.tool === TOOL && k.name === 'hooks-plugins')!;
  await seedHome(home, c.home);
  const settings = join(home, '.claude', 'settings.json');
  return {
    home,
    settings,
    original: readFileSync(settings),
    env: {
      // In-process: these runs are about the command that writes on a broken disk or home
      // (an agent could not even start on a read-only one).
      GWCTL_NO_AGENT: '1',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_RUNTIME_DIR: join(home, '.run'),
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GWCTL_GATEWAY_URL: gw.url,
      GWCTL_GATEWAY_KEY: KEY,
    },
  };
}

/** Nothing half-written: the config is byte-identical, the ledger has no entry, no temp file. */
async function untouched(h: Home): Promise<string[]> {
  const problems: string[] = [];
  if (!readFileSync(h.settings).equals(h.original)) problems.push('settings.json changed');
  const ledger = await new LedgerStore(join(h.home, '.local', 'state', 'gwctl')).load().catch(() => undefined);
  if (ledger?.tools[TOOL]) problems.push('ledger has an entry');
  const temps = walk(h.home).filter((f) => /\.gwctl-\d+-[0-9a-f]+\.tmp$/.test(f));
  if (temps.length) problems.push(`${temps.length} temp files left`);
  return problems;
}

export function badEnvironmentTests(opts: { fillSteps: number; maxFreeKiB: number }): void {
  /** Fill levels after which a failed takeover left a ledger entry (the known bug below). */
  const ledgerLeftAt: number[] = [];
  /** The error a takeover as another user got (checked by the it.fails below). */
  let otherOwnerError = '';
  let gw: FakeGateway;
  const mounts: string[] = [];
  const mountable = canMount();
  const tally: Record<string, { tried: number; clearError: number; succeeded: number; halfWritten: number }> = {};
  const note = (row: string, r: { ok: boolean; clear: boolean; half: boolean }) => {
    const t = (tally[row] ??= { tried: 0, clearError: 0, succeeded: 0, halfWritten: 0 });
    t.tried++;
    if (r.ok) t.succeeded++;
    else if (r.clear) t.clearError++;
    if (r.half) t.halfWritten++;
  };

  const tmpfs = (size: string): string => {
    const d = mkdtempSync(join(tmpdir(), 'gwctl-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', d]);
    mounts.push(d);
    registerArtifactDir(join(d, '.local', 'state'));
    return d;
  };
  const unmount = (d: string) => {
    try {
      execFileSync('umount', [d]);
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* left for afterAll */
    }
  };

  beforeAll(async () => {
    gw = await startGateway();
    registerKeys([KEY]);
  });
  afterAll(async () => {
    await gw.close();
    for (const d of mounts) {
      try {
        execFileSync('umount', [d], { stdio: 'ignore' });
      } catch {
        /* already unmounted */
      }
    }
    for (const [row, t] of Object.entries(tally)) {
      figure({
        row: `bad env: ${row}`,
        tried: row,
        count: t.tried,
        lost: `${t.halfWritten} half-written`,
        detail: t,
        command: 'npm run test:reliability -- test/reliability/bad-env.test.ts',
      });
    }
  });

  describe('bad environments', () => {
    it.skipIf(!mountable)('read-only home (read-only tmpfs): clear error, nothing written', async () => {
      const d = tmpfs('1m');
      const h = await seeded(d, gw);
      execFileSync('mount', ['-o', 'remount,ro', d]);
      const r = await gwctl(['takeover', TOOL, '--json'], h.env);
      recordOutput(r.stdout + r.stderr);
      const err = r.json().tools[0]!.error ?? '';
      const clear = /read-only|not writable/i.test(err) && err.includes(d);
      const problems = await untouched(h);
      note('read-only home', { ok: r.code === 0, clear, half: problems.length > 0 });
      expect(r.code).toBe(1);
      expect(err).toMatch(/read-only|not writable/i);
      expect(problems).toEqual([]);
      unmount(d);
    });

    it('read-only config file (chmod 0444): clear error, nothing written', async () => {
      const d = mkdtempSync(join(tmpdir(), 'gwctl-ro-'));
      removeLater(d);
      registerArtifactDir(join(d, '.local', 'state'));
      const h = await seeded(d, gw);
      chmodSync(h.settings, 0o444);
      const r = await gwctl(['takeover', TOOL, '--json'], h.env);
      recordOutput(r.stdout + r.stderr);
      const err = r.json().tools[0]!.error ?? '';
      const problems = await untouched(h);
      note('read-only config file', { ok: r.code === 0, clear: /read-only/.test(err) && err.includes(h.settings), half: problems.length > 0 });
      expect(r.code).toBe(1);
      expect(err).toContain(h.settings);
      expect(err).toMatch(/chmod u\+w/);
      expect(problems).toEqual([]);
    });

    it.skipIf(!mountable)(
      `full disk (tmpfs, ${opts.fillSteps} fill levels from 0 to ${opts.maxFreeKiB} KiB free): takeover completes or fails cleanly; restore brings the original back`,
      async () => {
        const failures: string[] = [];
        for (let i = 0; i < opts.fillSteps; i++) {
          const free = Math.round((i * opts.maxFreeKiB * 1024) / Math.max(1, opts.fillSteps - 1));
          const d = tmpfs('512k');
          const h = await seeded(d, gw);
          mkdirSync(join(d, '.local', 'state', 'gwctl'), { recursive: true });
          const st = statfsSync(d);
          const avail = st.bavail * st.bsize;
          try {
            writeFileSync(join(d, 'filler'), Buffer.alloc(Math.max(0, avail - free)));
          } catch {
            /* full already */
          }
          const r = await gwctl(['takeover', TOOL, '--json'], h.env);
          recordOutput(r.stdout + r.stderr);
          const err = r.json().tools[0]!.error ?? '';
          if (r.code === 0) {
            note('full disk', { ok: true, clear: true, half: false });
          } else {
            let problems = await untouched(h);
            if (problems.includes('ledger has an entry')) {
              ledgerLeftAt.push(free);
              problems = problems.filter((p) => p !== 'ledger has an entry');
            }
            const clear = /no space left/.test(err) && err.includes(d);
            note('full disk', { ok: false, clear, half: problems.length > 0 });
            if (!clear) failures.push(`${free} B free: unclear error: ${err}`);
            if (problems.length) failures.push(`${free} B free: ${problems.join(', ')}`);
          }
          // Space again: the user frees some and runs gwctl again; restore gives the original back.
          rmSync(join(d, 'filler'), { force: true });
          const again = await gwctl(['takeover', TOOL], h.env);
          const back = await gwctl(['restore', TOOL], h.env);
          if (again.code !== 0 || back.code !== 0) failures.push(`${free} B free: recovery failed: ${again.stderr}${back.stderr}`);
          if (!readFileSync(h.settings).equals(h.original)) failures.push(`${free} B free: original not restored`);
          unmount(d);
        }
        figure({
          row: 'bad env: full disk, ledger entry left',
          tried: 'failed takeovers on a full disk that left an applying ledger entry',
          count: opts.fillSteps,
          lost: `${ledgerLeftAt.length} (at ${ledgerLeftAt.join(', ') || '-'} B free)`,
          command: 'npm run test:reliability -- test/reliability/bad-env.test.ts',
        });
        expect(failures).toEqual([]);
      },
      120_000,
    );

    // BUG (src/engine/engine.ts, Engine.takeoverFresh): when a write fails for lack of space
    // after the ledger intent was written, the rollback's `ledger.update(delete)` needs space too
    // and fails the same way: the ledger keeps an 'applying' entry for a takeover that did not
    // happen (its key already released), and that second ENOSPC replaces the first error. The
    // config itself is untouched, and the next takeover/restore clears the entry. Expected: no
    // entry (e.g. write the intent to a pre-allocated slot, or retry the delete after freeing the
    // temp file). Seen at 4–10 KiB free with the claude-code hooks-plugins fixture.
    it.skipIf(!mountable).fails('full disk: a failed takeover leaves no ledger entry behind', () => {
      expect(ledgerLeftAt).toEqual([]);
    });

    it.skipIf(process.getuid?.() !== 0)('config dir owned by another user (CLI run as nobody): clear error, nothing written', async () => {
      const d = mkdtempSync(join(tmpdir(), 'gwctl-owner-'));
      removeLater(d);
      registerArtifactDir(join(d, '.local', 'state'));
      const h = await seeded(d, gw);
      // HOME belongs to nobody; ~/.claude (and settings.json) stay root's, as after `sudo claude`.
      chmodSync(d, 0o755);
      chownSync(d, 65534, 65534);
      for (const sub of ['.local', '.config']) mkdirSync(join(d, sub), { recursive: true });
      execFileSync('chown', ['-R', '65534:65534', join(d, '.local'), join(d, '.config')]);
      const r = await runChild(['takeover', TOOL, '--json'], h.env, { uid: 65534, gid: 65534 });
      const rep = JSON.parse(r.stdout || '{"tools":[{}]}').tools[0] as { error?: string };
      const err = rep.error ?? r.stderr;
      otherOwnerError = err;
      const problems = await untouched(h);
      note('config dir owned by another user', {
        ok: r.code === 0,
        clear: err.includes(h.settings) && /read-only|not writable|permission/i.test(err),
        half: problems.length > 0,
      });
      expect(r.code).toBe(1);
      expect(err).toContain(h.settings);
      expect(err).toMatch(/read-only|not writable|permission/i);
      expect(problems).toEqual([]);
    });

    // BUG (src/configio/io.ts, assertWritable): a file the user cannot write because another user
    // owns it (here root's 0644 settings.json, gwctl run as nobody) is reported as "is read-only;
    // … Make it writable (chmod u+w)": the file is not read-only (u+w is set) and chmod would fail
    // (not the owner). Expected: say who owns it and what to do (e.g. "is owned by uid 0, not you
    // (uid 65534); sudo chown …"), as the socket-dir check in the agent does.
    it.skipIf(process.getuid?.() !== 0)('a config owned by another user: the error names the owner, not "chmod u+w"', () => {
      expect(otherOwnerError).toMatch(/own/i);
      expect(otherOwnerError).not.toMatch(/chmod u\+w/);
    });

    it('HOME unset or relative: clear error, nothing read or written', async () => {
      for (const HOME of [undefined, '', 'relative/home']) {
        const r = await gwctl(['takeover', TOOL], { PATH: process.env.PATH, HOME });
        recordOutput(r.stdout + r.stderr);
        note('HOME unset', { ok: r.code === 0, clear: /HOME is not set/.test(r.stderr), half: false });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/HOME is not set to an absolute path/);
      }
    });

    it('a gateway that accepts connections and never answers: clear error within the timeout, nothing written', async () => {
      const sockets = new Set<import('node:net').Socket>();
      const hang: Server = createServer(() => {
        /* never answers */
      });
      hang.on('connection', (s) => sockets.add(s));
      await new Promise<void>((res) => hang.listen(0, '127.0.0.1', res));
      const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
      const d = mkdtempSync(join(tmpdir(), 'gwctl-hang-'));
      removeLater(d);
      registerArtifactDir(join(d, '.local', 'state'));
      const h = await seeded(d, gw);
      const t0 = performance.now();
      const r = await gwctl(['takeover', TOOL, '--json'], { ...h.env, GWCTL_GATEWAY_URL: url, GWCTL_GATEWAY_TIMEOUT_MS: '500' });
      const ms = performance.now() - t0;
      recordOutput(r.stdout + r.stderr);
      for (const s of sockets) s.destroy();
      await new Promise((res) => hang.close(res));
      const err = r.json().tools[0]!.error ?? '';
      const problems = await untouched(h);
      note('gateway hangs', { ok: r.code === 0, clear: err.includes(url), half: problems.length > 0 });
      expect(r.code).toBe(1);
      expect(err).toContain(url);
      expect(ms).toBeLessThan(10_000);
      expect(problems).toEqual([]);
    });

    it('a config that is not UTF-8: refused with a clear error, bytes untouched', async () => {
      for (let i = 0; i < 20; i++) {
        const d = mkdtempSync(join(tmpdir(), 'gwctl-utf8-'));
        removeLater(d);
        registerArtifactDir(join(d, '.local', 'state'));
        const h = await seeded(d, gw);
        const bytes = Buffer.concat([h.original.subarray(0, 10 + i * 7), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x80 + i]), h.original.subarray(10 + i * 7)]);
        writeFileSync(h.settings, bytes);
        h.original = bytes;
        const r = await gwctl(['takeover', TOOL, '--json'], h.env);
        recordOutput(r.stdout + r.stderr);
        const err = r.json().tools[0]!.error ?? '';
        const problems = await untouched(h);
        note('config not UTF-8', { ok: r.code === 0, clear: /UTF-8/.test(err) && err.includes(h.settings), half: problems.length > 0 });
        expect(r.code).toBe(1);
        expect(err).toMatch(/not valid UTF-8/);
        expect(problems).toEqual([]);
        expect(existsSync(h.settings + '.bak')).toBe(false);
      }
    });
  });
}
