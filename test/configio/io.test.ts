import { chmodSync, mkdirSync, readFileSync, readdirSync, lstatSync, statSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrentWriteError, ConfigIoError, copyBackup, hashText, readConfig, writeConfig } from '../../src/configio/io.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let h: TempHome;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => h.cleanup());

describe('readConfig', () => {
  it('reads text, hash and mode; a missing file is not an error', async () => {
    const p = join(h.home, 'a.json');
    expect(await readConfig(p)).toMatchObject({ exists: false, text: '', hash: null, mode: null });
    writeFileSync(p, '{"a":1}\n', { mode: 0o640 });
    chmodSync(p, 0o640);
    const f = await readConfig(p);
    expect(f).toMatchObject({ exists: true, text: '{"a":1}\n', hash: hashText('{"a":1}\n'), mode: 0o640, symlink: false });
  });

  it('the hash of the bytes read is hashText of the text, a BOM, CRLF, astral characters and U+2028 included (writes compare with either)', async () => {
    const p = join(h.home, 'b.json');
    for (const text of ['\uFEFF{"a": "\u00e9"}\r\n', '# 日本語 😀\n', 'a\u2028b\u0000', '']) {
      writeFileSync(p, text);
      const f = await readConfig(p);
      expect(f.text).toBe(text);
      expect(f.hash).toBe(hashText(text));
    }
  });

  it('a directory where the file should be is a clear error', async () => {
    const p = join(h.home, 'settings.json');
    mkdirSync(p);
    await expect(readConfig(p)).rejects.toThrow(/settings\.json: is a directory.*move the directory away/);
  });

  it('a FIFO where the file should be is refused at once, not waited on (also behind a symlink)', () => {
    const p = join(h.home, 'settings.json');
    execFileSync('mkfifo', [p]);
    symlinkSync(p, join(h.home, 'linked.json'));
    // In a child with a deadline: no writer ever opens the FIFO, so a blocking open would hang
    // the reading process for good (a synchronous hang that no test timeout can interrupt).
    const io = new URL('../../src/configio/io.ts', import.meta.url).pathname;
    const script = `import { readConfig } from ${JSON.stringify(io)};
for (const f of ['settings.json', 'linked.json']) {
  const e = await readConfig(${JSON.stringify(h.home)} + '/' + f).then(() => null, (err) => err);
  console.log(e?.code, e?.message);
}`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim().split('\n')).toEqual([
      `NOT_A_FILE ${p}: is not a regular file (a FIFO); move it away and run the command again`,
      `NOT_A_FILE ${join(h.home, 'linked.json')}: is not a regular file (a FIFO); move it away and run the command again`,
    ]);
  });

  it('a dangling symlink is a clear error naming the link and its target', async () => {
    const p = join(h.home, 'config.toml');
    symlinkSync(join(h.home, 'dotfiles', 'codex.toml'), p);
    await expect(readConfig(p)).rejects.toThrow(/config\.toml: is a symlink to .*dotfiles\/codex\.toml, which does not exist/);
  });

  it('invalid UTF-8 is refused', async () => {
    const p = join(h.home, '.env');
    writeFileSync(p, Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]));
    await expect(readConfig(p)).rejects.toThrow(/\.env: is not valid UTF-8/);
  });
});

describe('writeConfig', () => {
  it('replaces the file atomically, keeps its mode and leaves no temp file', async () => {
    const p = join(h.home, 'settings.json');
    writeFileSync(p, 'old');
    chmodSync(p, 0o640);
    const f = await readConfig(p);
    await writeConfig(f, 'new', { expectHash: f.hash, mode: f.mode! });
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(readdirSync(h.home)).toEqual(['settings.json']);
  });

  it('creates a new file with the requested mode (0600 for a file holding a key)', async () => {
    const p = join(h.home, '.env');
    const f = await readConfig(p);
    await writeConfig(f, 'K=v\n', { expectHash: null, mode: 0o600 });
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('follows a symlink: the link survives and its target changes', async () => {
    mkdirSync(join(h.home, 'dotfiles'));
    const real = join(h.home, 'dotfiles', 'settings.json');
    writeFileSync(real, 'v1');
    const link = join(h.home, 'settings.json');
    symlinkSync(real, link);
    const f = await readConfig(link);
    expect(f.symlink).toBe(true);
    await writeConfig(f, 'v2', { expectHash: f.hash, mode: f.mode! });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toBe('v2');
  });

  it('detects a concurrent writer and loses neither write', async () => {
    const p = join(h.home, 'config.toml');
    writeFileSync(p, 'a = 1\n');
    const f = await readConfig(p);
    writeFileSync(p, 'a = 1\nb = 2\n'); // the tool rewrites its config meanwhile
    await expect(writeConfig(f, 'a = 1\nc = 3\n', { expectHash: f.hash, mode: 0o644 })).rejects.toBeInstanceOf(ConcurrentWriteError);
    expect(readFileSync(p, 'utf8')).toBe('a = 1\nb = 2\n');
    expect(readdirSync(h.home)).toEqual(['config.toml']);
  });

  it('a file that appears while creating is not overwritten', async () => {
    const p = join(h.home, 'models.json');
    const f = await readConfig(p);
    writeFileSync(p, '{"theirs":true}');
    await expect(writeConfig(f, '{"ours":true}', { expectHash: null, mode: 0o600 })).rejects.toBeInstanceOf(ConcurrentWriteError);
    expect(readFileSync(p, 'utf8')).toBe('{"theirs":true}');
  });

  it("a read-only file is refused with the fix (even for root: the mode bits are the user's intent), and left unchanged", async () => {
    const p = join(h.home, 'settings.json');
    writeFileSync(p, 'keep');
    chmodSync(p, 0o444);
    const f = await readConfig(p);
    const err = await writeConfig(f, 'changed', { expectHash: f.hash, mode: 0o444 }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigIoError);
    expect((err as ConfigIoError).code).toBe('READ_ONLY');
    expect((err as Error).message).toMatch(/settings\.json: is read-only.*chmod u\+w/);
    expect(readFileSync(p, 'utf8')).toBe('keep');
  });
});

describe('copyBackup', () => {
  it('copies content and mode', async () => {
    const p = join(h.home, 'settings.json');
    writeFileSync(p, 'original');
    chmodSync(p, 0o600);
    await copyBackup(await readConfig(p), p + '.bak');
    expect(readFileSync(p + '.bak', 'utf8')).toBe('original');
    expect(statSync(p + '.bak').mode & 0o777).toBe(0o600);
  });
});

describe('byte fidelity', () => {
  it('keeps a UTF-8 BOM through read, backup and write', async () => {
    const p = join(h.home, 'settings.json');
    const bom = '\ufeff{"a":1}\r\n';
    writeFileSync(p, bom);
    const f = await readConfig(p);
    expect(f.text).toBe(bom);
    await copyBackup(f, p + '.bak');
    expect(readFileSync(p + '.bak')).toEqual(Buffer.from(bom, 'utf8'));
    await writeConfig(f, f.text.replace('1', '2'), { expectHash: f.hash, mode: 0o600 });
    expect(readFileSync(p).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});

describe('temp files of a killed gwctl', () => {
  it('are removed on the next write once their process is gone; a live process keeps its own', async () => {
    const p = join(h.home, 'settings.json');
    writeFileSync(p, '{}');
    const dead = join(h.home, '.settings.json.gwctl-2147483646-0a1b2c3d.tmp'); // no such pid
    const live = join(h.home, `.settings.json.gwctl-1-0a1b2c3d.tmp`); // pid 1 is always alive
    const other = join(h.home, '.other.json.gwctl-2147483646-0a1b2c3d.tmp');
    for (const f of [dead, live, other]) writeFileSync(f, '{"key":"sk-half-written"}');
    const f = await readConfig(p);
    await writeConfig(f, '{"a":1}', { expectHash: f.hash, mode: 0o600 });
    expect(readdirSync(h.home).sort()).toEqual(['.other.json.gwctl-2147483646-0a1b2c3d.tmp', '.settings.json.gwctl-1-0a1b2c3d.tmp', 'settings.json']);
  });
});
