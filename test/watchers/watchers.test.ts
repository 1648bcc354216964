/** Real chokidar on real temp dirs. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ToolId } from '../../src/adapters/index.ts';
import { ConfigWatcher, sameSnapshot, type WatchTarget } from '../../src/watchers/index.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let h: TempHome;
let w: ConfigWatcher | undefined;
let settled: ToolId[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

function targets(home: string): WatchTarget[] {
  return [
    { tool: 'claude-code', dir: join(home, '.claude'), files: [join(home, '.claude', 'settings.json')] },
    { tool: 'codex', dir: join(home, '.codex'), files: [join(home, '.codex', 'config.toml'), join(home, '.codex', 'auth.json')] },
    { tool: 'opencode', dir: join(home, '.config', 'opencode'), files: [join(home, '.config', 'opencode', 'opencode.json')] },
    // Config in a subdirectory, and a file outside the detection dir.
    {
      tool: 'crush',
      dir: join(home, '.config', 'crush'),
      files: [join(home, '.config', 'crush', 'conf', 'crush.json'), join(home, '.local', 'share', 'crush', 'providers.json')],
    },
  ];
}

async function start(opts: { debounceMs?: number; maxWaitMs?: number } = {}): Promise<ConfigWatcher> {
  w = new ConfigWatcher(targets(h.home), { debounceMs: 20, ...opts, onSettled: (t) => settled.push(t) });
  await w.start();
  return w;
}

beforeEach(() => {
  h = tempHome('gwctl-watch-');
  settled = [];
});
afterEach(async () => {
  await w?.close();
  w = undefined;
  h.cleanup();
});

describe('ConfigWatcher', () => {
  it('an edit to a config file settles once for that tool, and the content check sees it', async () => {
    mkdirSync(join(h.home, '.claude'));
    const file = join(h.home, '.claude', 'settings.json');
    writeFileSync(file, '{}');
    const cw = await start();
    cw.setBaseline('claude-code', await cw.snapshot('claude-code'));
    writeFileSync(file, '{"model":"opus"}');
    await until(() => settled.length > 0);
    await sleep(60);
    expect(settled).toEqual(['claude-code']);
    const snap = await cw.changed('claude-code');
    expect(snap?.files[file]).toMatch(/^sha256:/);
    expect(snap?.texts[file]).toBe('{"model":"opus"}');
    // Checked again with nothing new: unchanged (this is how the agent's own writes are dropped).
    expect(await cw.changed('claude-code')).toBeNull();
    expect(cw.stats.unchanged).toBe(1);
  });

  it("the same bytes written again (the agent's own write) compare unchanged", async () => {
    mkdirSync(join(h.home, '.codex'));
    const file = join(h.home, '.codex', 'config.toml');
    writeFileSync(file, 'model = "a"\n');
    const cw = await start();
    writeFileSync(file, 'model = "b"\n');
    cw.setBaseline('codex', await cw.snapshot('codex')); // the agent records what it wrote
    await until(() => settled.length > 0);
    expect(await cw.changed('codex')).toBeNull();
  });

  it('notices a config dir created after start (a newly installed tool), and files in it', async () => {
    const cw = await start();
    cw.setBaseline('codex', await cw.snapshot('codex'));
    mkdirSync(join(h.home, '.codex'));
    await until(() => settled.includes('codex'));
    expect((await cw.changed('codex'))?.dir).toBe(true);
    settled = [];
    writeFileSync(join(h.home, '.codex', 'config.toml'), 'model = "x"\n');
    await until(() => settled.includes('codex'));
    // Removing the dir again is seen too.
    settled = [];
    rmSync(join(h.home, '.codex'), { recursive: true });
    await until(() => settled.includes('codex'));
    expect((await cw.changed('codex'))?.dir).toBe(false);
  });

  it('nested config paths and files outside the detection dir are watched; mkdir -p of a parent is seen', async () => {
    const cw = await start();
    mkdirSync(join(h.home, '.config', 'crush', 'conf'), { recursive: true });
    await until(() => settled.includes('crush'));
    settled = [];
    writeFileSync(join(h.home, '.config', 'crush', 'conf', 'crush.json'), '{}');
    await until(() => settled.includes('crush'));
    settled = [];
    mkdirSync(join(h.home, '.local', 'share', 'crush'), { recursive: true });
    await until(() => settled.includes('crush'));
    settled = [];
    writeFileSync(join(h.home, '.local', 'share', 'crush', 'providers.json'), '{}');
    await until(() => settled.includes('crush'));
    expect(cw.watchedRoots).toContain(join(h.home, '.local', 'share', 'crush'));
  });

  it('ignores churn: other files and directories in a tool dir, .bak copies, temp files', async () => {
    mkdirSync(join(h.home, '.claude', 'projects', 'p1'), { recursive: true });
    mkdirSync(join(h.home, '.codex', 'sessions'), { recursive: true });
    const cw = await start();
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(h.home, '.claude', 'projects', 'p1', `${i}.jsonl`), 'x');
      writeFileSync(join(h.home, '.codex', 'sessions', `${i}.json`), 'x');
    }
    writeFileSync(join(h.home, '.claude', 'settings.json.bak'), '{}');
    writeFileSync(join(h.home, '.claude', '.settings.json.gwctl-1-ab.tmp'), '{}');
    writeFileSync(join(h.home, '.claude', 'history.jsonl'), 'x');
    mkdirSync(join(h.home, '.claude', 'todos'));
    writeFileSync(join(h.home, 'unrelated.txt'), 'x');
    await sleep(150);
    expect(settled).toEqual([]);
    expect(cw.stats.events).toBe(0);
    // No watch is spent on the churn directories.
    expect(cw.watchedDirectories().some((d) => d.includes('projects') || d.includes('sessions'))).toBe(false);
  });

  it('a burst of writes settles into a few checks, and the last content wins', async () => {
    mkdirSync(join(h.home, '.claude'));
    const file = join(h.home, '.claude', 'settings.json');
    const cw = await start({ debounceMs: 20, maxWaitMs: 100 });
    for (let i = 0; i < 300; i++) {
      writeFileSync(file, `{"n": ${i}}`);
      if (i % 10 === 0) await sleep(1);
    }
    await sleep(120);
    const n = settled.length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(20);
    const snap = await cw.snapshot('claude-code');
    const { hashText } = await import('../../src/configio/io.ts');
    expect(snap.files[file]).toBe(hashText('{"n": 299}'));
  });

  it('sameSnapshot compares dir presence and every file hash', () => {
    const snap = (dir: boolean, files: Record<string, string | null>) => ({ dir, files, texts: {}, errors: {} });
    const a = snap(true, { '/a': 'sha256:1', '/b': null });
    expect(sameSnapshot(a, snap(true, { '/a': 'sha256:1', '/b': null }))).toBe(true);
    expect(sameSnapshot(a, snap(false, { '/a': 'sha256:1', '/b': null }))).toBe(false);
    expect(sameSnapshot(a, snap(true, { '/a': 'sha256:2', '/b': null }))).toBe(false);
  });
});

describe('which tools a path concerns (string matching, no path.relative)', () => {
  const w = new ConfigWatcher(
    [
      { tool: 'claude-code' as ToolId, dir: '/h/.claude', files: ['/h/.claude/settings.json'] },
      { tool: 'codex' as ToolId, dir: '/h/.codex/', files: ['/h/.codex//config.toml'] },
      { tool: 'crush' as ToolId, dir: '/h/.config/crush', files: ['/h/.config/crush/crush.json', '/h/.local/share/crush/crush.json'] },
    ],
    { onSettled: () => undefined },
  );
  it('a root, its relevant files, and the directories above a root; never a sibling that shares a prefix', () => {
    expect(w.toolsFor('/h/.claude')).toEqual(['claude-code']);
    expect(w.toolsFor('/h/.claude/settings.json')).toEqual(['claude-code']);
    expect(w.toolsFor('/h/.claude/projects/x.jsonl')).toEqual([]);
    expect(w.toolsFor('/h/.claudex/settings.json')).toEqual([]);
    expect(w.toolsFor('/h/.claude.json')).toEqual([]);
    expect(w.toolsFor('/h')).toEqual(['claude-code', 'codex', 'crush']);
    expect(w.toolsFor('/')).toEqual(['claude-code', 'codex', 'crush']);
    expect(w.toolsFor('/h/.local/share/crush/crush.json')).toEqual(['crush']);
    expect(w.toolsFor('/h/.local/share/crush/other.json')).toEqual([]);
  });
  it('paths that are not in normal form (a trailing slash, //, /./, /../) mean what they name', () => {
    expect(w.toolsFor('/h/.codex/config.toml')).toEqual(['codex']);
    expect(w.toolsFor('/h//.codex/./config.toml')).toEqual(['codex']);
    expect(w.toolsFor('/h/.claude/')).toEqual(['claude-code']);
    expect(w.toolsFor('/h/x/../.claude/settings.json')).toEqual(['claude-code']);
  });
});
