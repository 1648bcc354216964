/** The writer lock: kernel-released (SIGKILL never blocks the next holder), never stolen from a stopped holder, fair in-process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KernelLock, LockBusyError, withLock } from '../../src/home/lock.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

const LOCK_TS = join(import.meta.dirname, '..', '..', 'src', 'home', 'lock.ts');
let h: TempHome;
let child: ChildProcess | undefined;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  h.cleanup();
});

/** A child process that takes the lock, says "held", and keeps it until killed. */
async function holder(path: string): Promise<ChildProcess> {
  const src = `import { KernelLock } from ${JSON.stringify(LOCK_TS)}; const l = new KernelLock(${JSON.stringify(path)}); if (!l.tryLock()) process.exit(3); process.stdout.write('held\\n'); globalThis.held = l; setInterval(() => {}, 1000);`;
  const c = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (b: Buffer) => b.toString().includes('held') && resolve());
    c.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return c;
}

it('a holder killed with SIGKILL releases the lock at once', async () => {
  const path = join(h.home, 'state', 'writer.lock');
  child = await holder(path);
  const mine = new KernelLock(path);
  expect(mine.tryLock()).toBe(false);
  expect(mine.holderPid()).toBe(child.pid);
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const t0 = Date.now();
  await withLock(path, async () => undefined, { timeoutMs: 2000 });
  expect(Date.now() - t0).toBeLessThan(1000); // no stale timeout: it was free the moment the holder died
});

it('a stopped holder (Ctrl-Z) keeps the lock: the waiter gives up naming its pid, and runs nothing', async () => {
  const path = join(h.home, 'state', 'writer.lock');
  child = await holder(path);
  child.kill('SIGSTOP');
  let ran = false;
  const err = await withLock(path, async () => (ran = true), { timeoutMs: 300 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LockBusyError);
  expect((err as Error).message).toBe(`another gwctl is writing (pid ${child.pid}); run the command again`);
  expect(ran).toBe(false);
  child.kill('SIGCONT');
});

it('callers in one process take turns, in order, and a holder may re-enter', async () => {
  const path = join(h.home, 'state', 'writer.lock');
  const order: string[] = [];
  let inside = 0;
  const work = (name: string) =>
    withLock(path, async () => {
      inside++;
      expect(inside).toBe(1);
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 10));
      await withLock(path, async () => order.push(`${name}:nested`));
      order.push(`${name}-`);
      inside--;
    });
  await Promise.all([work('a'), work('b'), work('c')]);
  expect(order).toEqual(['a+', 'a:nested', 'a-', 'b+', 'b:nested', 'b-', 'c+', 'c:nested', 'c-']);
});

it('the lock file is a plain 0600 file; a symlink there is refused', async () => {
  const { symlinkSync, statSync, mkdirSync } = await import('node:fs');
  const path = join(h.home, 'state', 'writer.lock');
  await withLock(path, async () => undefined);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(existsSync(`${path}-journal`)).toBe(false);
  mkdirSync(join(h.home, 'other'));
  const link = join(h.home, 'other', 'writer.lock');
  symlinkSync(path, link);
  await expect(withLock(link, async () => undefined)).rejects.toThrow(/not a plain file/);
});
