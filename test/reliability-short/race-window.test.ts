/**
 * The compare-and-swap window, made deterministic: another program writes the config after
 * gwctl's last check and before its rename (simulated by wrapping fs.promises.rename).
 *
 * FIXED BUG (src/configio/io.ts, compareAndSwap): it hashes the target, then renames the temp file
 * over it. A write that lands between the two (an atomic rename by the tool, or an in-place
 * write into the old inode) is silently replaced: the tool's change is lost and gwctl reports
 * success. The long race run (test/reliability/race.test.ts) hits this window by chance.
 * Expected: the foreign change survives (e.g. detect it after the rename by re-checking, and
 * put the foreign version back / retry), or the takeover fails with ConcurrentWriteError.
 * Actual: `takeover` exits 0 and `"userChange": true` is gone from settings.json.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { gwctl } from '../helpers/run.ts';
import { fixtureCases, registerKeys, seedCase } from '../reliability/lib/common.ts';

const intrude: { target: string; done: boolean; action?: () => void } = { target: '', done: false };

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const rename = async (from: string, to: string) => {
    if (to === intrude.target && !intrude.done) {
      intrude.done = true;
      if (intrude.action) return (intrude.action(), actual.promises.rename(from, to));
      const doc = JSON.parse(actual.readFileSync(to, 'utf8'));
      actual.writeFileSync(to, JSON.stringify({ ...doc, userChange: true }, null, 2));
    }
    return actual.promises.rename(from, to);
  };
  return { ...actual, default: { ...actual, promises: { ...actual.promises, rename } }, promises: { ...actual.promises, rename } };
});

let gw: FakeGateway;
beforeAll(async () => {
  gw = await startGateway();
  registerKeys(['sk-window-5e0c1a9d7b3f2468']);
});
afterAll(() => gw.close());

describe('compare-and-swap window', () => {
  it('a write between the last check and the rename is not lost', async () => {
    const h = await seedCase(
      fixtureCases().find((c) => c.tool === 'claude-code' && c.name === 'hooks-plugins')!,
      {
        GWCTL_GATEWAY_URL: gw.url,
        GWCTL_GATEWAY_KEY: 'sk-window-5e0c1a9d7b3f2468',
      },
    );
    intrude.target = join(h.home, '.claude', 'settings.json');
    const r = await gwctl(['takeover', 'claude-code', '--json'], h.env);
    expect(intrude.done).toBe(true);
    const after = JSON.parse(readFileSync(intrude.target, 'utf8'));
    // Either the takeover refused (and the user's change is there), or it kept the change.
    if (r.code !== 0) expect(r.json().tools[0]!.error).toMatch(/changed by another program/);
    expect(after.userChange).toBe(true);
  });

  // FIXED BUG (src/engine/engine.ts load + src/configio/io.ts): a tool rewriting its config in place
  // (open with O_TRUNC, then write) leaves it 0 bytes for a moment. gwctl reads that as an empty
  // document ('' = {}), copies it to the .bak, plans on it, and its compare-and-swap passes when
  // the file is still 0 bytes at the check; the tool then finishes writing into the inode that
  // gwctl's rename replaces. Result: settings.json holds only gwctl's keys, the user's settings
  // are in neither the file nor the .bak (which is empty), and a restore writes the empty file
  // back. The long race run hit this by chance (one claude-code round ended with a 0-byte file).
  // Expected: an existing 0-byte config is re-read after a short pause (or compared by inode,
  // size and mtime as well as hash), and the takeover refuses rather than trust it.
  it("a config caught mid-write (truncated to 0 bytes) is not taken as empty: the user's settings survive", async () => {
    const h = await seedCase(
      fixtureCases().find((c) => c.tool === 'claude-code' && c.name === 'hooks-plugins')!,
      {
        GWCTL_GATEWAY_URL: gw.url,
        GWCTL_GATEWAY_KEY: 'sk-window-5e0c1a9d7b3f2468',
      },
    );
    const target = join(h.home, '.claude', 'settings.json');
    const original = readFileSync(target);
    const fd = openSync(target, 'w'); // the tool has truncated the file and is about to write it
    intrude.target = target;
    intrude.done = false;
    intrude.action = () => {
      writeSync(fd, original);
      closeSync(fd);
    };
    let r;
    try {
      r = await gwctl(['takeover', 'claude-code', '--json'], h.env);
    } finally {
      // gwctl refuses a 0-byte JSON config (it never reaches the rename): the tool finishes its write.
      if (!intrude.done) intrude.action?.();
      intrude.action = undefined;
    }
    expect(r.code).toBe(1);
    expect(r.json().tools[0]!.error).toMatch(/settings\.json: is empty \(0 bytes\).*run the command again/);
    expect(readFileSync(target, 'utf8')).toContain('"hooks"');
    if (existsSync(target + '.bak')) expect(readFileSync(target + '.bak').length).toBeGreaterThan(0);
  });
});
