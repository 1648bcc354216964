/**
 * Floor: watchers (beside service), below doctor: file watchers the agent runs. See docs/floors.md.
 *
 * Watchers: one chokidar 6 watcher over every tool's config dir (existing or not: chokidar waits
 * on the nearest existing parent, so `mkdir ~/.kimi` is seen), settled per tool, and a content
 * check that tells a real change from the agent's own write.
 *
 * - Only what a tool's status depends on is watched: the config dir itself, its config files
 *   and the directories leading to them. Everything else under the dir (Claude's `projects/`,
 *   Codex's `sessions/`, temp files, `.bak` copies) is ignored, decided on the path RELATIVE to
 *   the tool's root, so churn costs no inotify watch and no wake-up.
 * - Events for one tool settle for `debounceMs` (at most `maxWaitMs` under a continuous burst),
 *   then `onSettled(tool)` runs. No awaitWriteFinish: a half-written file is the caller's to
 *   retry on the next event.
 * - `changed(tool)` hashes the tool's files and compares with the baseline; the agent sets the
 *   baseline after its own writes, so those come back as "unchanged" (by content, not by time).
 */
import { watch, type FSWatcher } from 'chokidar';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, normalize, relative } from 'node:path';
import type { ToolId } from '../adapters/index.ts';
import { fingerprint, readConfig } from '../configio/io.ts';

export interface WatchTarget {
  tool: ToolId;
  /** The config dir whose existence means "detected". */
  dir: string;
  /** Every config file the tool's status reads. */
  files: string[];
}

/** What a tool looks like on disk: its dir exists, and each file's content hash (null: missing). */
export interface ToolSnapshot {
  dir: boolean;
  files: Record<string, string | null>;
  /**
   * The text each hash was taken of (null: missing), so a status can be computed from exactly
   * these bytes: a file rewritten between two reads can never leave the baseline and the status
   * describing different contents. Not compared.
   */
  texts: Record<string, string | null>;
  /** Files that could not be read as text, and why (not compared). */
  errors: Record<string, Error>;
}

export interface WatcherOptions {
  debounceMs?: number;
  maxWaitMs?: number;
  onSettled: (tool: ToolId) => void;
  /** Every raw event, at once (before the settle delay), with the tools it concerns. */
  onRaw?: (tools: ToolId[]) => void;
  onError?: (err: Error) => void;
  /** How often directories the OS would not watch are checked instead (default 10 s). */
  pollMs?: number;
  /** A directory could not be watched (called once per directory); it is polled from now on. */
  onUnwatched?: (u: Unwatched) => void;
}

/** A directory the OS refused to watch (inotify watches or file descriptors used up). */
export interface Unwatched {
  dir: string;
  tools: ToolId[];
  /** ENOSPC (inotify watches used up), EMFILE/ENFILE (descriptors or inotify instances). */
  code: string;
  /** One line: why, and what to do about it. */
  reason: string;
  /** Seconds between checks while it is not watched. */
  pollSeconds: number;
}

/** The errors that mean "this directory is not watched", as fs.watch/inotify report them. */
const WATCH_LIMITS = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

export function watchLimitReason(code: string, platform: NodeJS.Platform = process.platform): string {
  if (code === 'ENOSPC') {
    return platform === 'linux'
      ? "the user's inotify watches are used up (fs.inotify.max_user_watches); raise the limit: echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/90-inotify.conf && sudo sysctl --system"
      : 'the system refused another file watch (ENOSPC); close programs that watch many files, or raise the limit';
  }
  return platform === 'linux'
    ? `too many open files or inotify instances (${code}); raise fs.inotify.max_user_instances (sudo sysctl fs.inotify.max_user_instances=1024) or the open-file limit (ulimit -n)`
    : `too many open files (${code}); raise the open-file limit (ulimit -n, launchctl limit maxfiles)`;
}

export interface WatcherStats {
  /** Raw chokidar events that concerned a tool. */
  events: number;
  /** Settled batches handed to onSettled. */
  settled: number;
  /** Checks that found the content equal to the baseline (the agent's own writes, touches). */
  unchanged: number;
}

interface Root {
  tool: ToolId;
  /** A directory chokidar watches for this tool (the config dir, or a config file's dir). */
  path: string;
  /** Paths relative to `path` that matter: config files and the directories leading to them. */
  relevant: Set<string>;
}

/**
 * Whether `p` is `root` or inside it: string operations only, both paths absolute and normalized
 * (see clean()). These run for every file event and every path chokidar considers: with
 * path.relative they were a fifth of the agent's CPU under churn (V8 lite mode interprets them).
 */
function isInside(root: string, p: string): boolean {
  return p === root || (p.startsWith(root) && (root.endsWith('/') || p.charCodeAt(root.length) === 47));
}

/** `p` relative to `root`, for a `p` inside it ('' for root itself). */
function relInside(root: string, p: string): string {
  return p === root ? '' : p.slice(root.endsWith('/') ? root.length : root.length + 1);
}

/** A path as join() would give it (no `//`, `/./`, `/../`, trailing `/`): untouched when already so. */
function clean(p: string): string {
  return p.includes('//') || p.includes('/./') || p.includes('/../') || p.endsWith('/.') || p.endsWith('/..') || (p.length > 1 && p.endsWith('/'))
    ? normalize(p).replace(/(.)\/$/, '$1')
    : p;
}

export class ConfigWatcher {
  private readonly targets: Map<ToolId, WatchTarget>;
  private readonly roots: Root[] = [];
  private readonly opts: Required<Omit<WatcherOptions, 'onError' | 'onUnwatched' | 'onRaw'>> & Pick<WatcherOptions, 'onError' | 'onUnwatched' | 'onRaw'>;
  private watcher: FSWatcher | undefined;
  private readonly timers = new Map<ToolId, { timer: NodeJS.Timeout; first: number }>();
  private readonly baselines = new Map<ToolId, ToolSnapshot>();
  private readonly unwatchedRoots = new Map<string, Unwatched>();
  private pollTimer: NodeJS.Timeout | undefined;
  readonly stats: WatcherStats = { events: 0, settled: 0, unchanged: 0 };

  constructor(targets: WatchTarget[], opts: WatcherOptions) {
    this.targets = new Map(targets.map((t) => [t.tool, t]));
    this.opts = { debounceMs: 5, maxWaitMs: 200, pollMs: 10_000, ...opts };
    for (const target of targets) {
      const t = { dir: clean(target.dir), files: target.files.map(clean), tool: target.tool };
      const dirs = new Set([t.dir, ...t.files.map((f) => dirname(f)).filter((d) => !isInside(t.dir, d))]);
      for (const d of dirs) {
        const relevant = new Set<string>(['']);
        for (const f of t.files) {
          if (!isInside(d, f)) continue;
          let rel = relative(d, f);
          relevant.add(rel);
          while ((rel = dirname(rel)) !== '.') relevant.add(rel);
        }
        this.roots.push({ tool: t.tool, path: d, relevant });
      }
    }
  }

  /** The directories chokidar is asked to watch. */
  get watchedRoots(): string[] {
    return [...new Set(this.roots.map((r) => r.path))];
  }

  /** Tools a path concerns: inside a root and relevant there, or an ancestor of a root. */
  toolsFor(path: string): ToolId[] {
    path = clean(path);
    const out = new Set<ToolId>();
    for (const r of this.roots) {
      if (isInside(r.path, path)) {
        if (r.relevant.has(relInside(r.path, path))) out.add(r.tool);
      } else if (isInside(path, r.path)) {
        out.add(r.tool);
      }
    }
    return [...out];
  }

  /**
   * chokidar's `ignored`: a path inside some tool root that no root finds relevant. Ancestors of
   * roots must pass (they are how a missing dir is waited for); other paths never reach here
   * except as siblings of a waited-for dir, and those are ignored too.
   */
  private ignored = (path: string): boolean => {
    path = clean(path);
    for (const r of this.roots) {
      if (isInside(r.path, path)) {
        if (r.relevant.has(relInside(r.path, path))) return false;
      } else if (isInside(path, r.path)) {
        return false;
      }
    }
    return true;
  };

  async start(): Promise<void> {
    const w = watch(this.watchedRoots, {
      ignoreInitial: true,
      ignored: this.ignored,
      persistent: true,
      followSymlinks: true,
      atomic: false,
    });
    this.watcher = w;
    w.on('all', (_event, path) => this.onEvent(path));
    // chokidar holds a second `change` to a file for up to 50 ms (its own throttle); the raw
    // inotify/FSEvents notification comes at once, so it starts the settle timer too. The
    // content check makes the later duplicate free.
    w.on('raw', (_event, name, details) => {
      const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof name !== 'string' || !name || typeof dir !== 'string') return;
      this.onEvent(basename(dir) === name ? dir : join(dir, name));
    });
    w.on('error', (err) => {
      if (!this.noteWatchFailure(err as NodeJS.ErrnoException)) this.opts.onError?.(err as Error);
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  /**
   * A watch the OS refused (ENOSPC: inotify watches used up; EMFILE/ENFILE): the roots it
   * concerns are recorded as not watched and polled from now on. False for any other error.
   */
  noteWatchFailure(err: NodeJS.ErrnoException): boolean {
    const code = err?.code;
    if (!code || !WATCH_LIMITS.has(code)) return false;
    const at = typeof err.path === 'string' ? clean(err.path) : undefined;
    const roots = at ? this.roots.filter((r) => isInside(r.path, at) || isInside(at, r.path)) : this.roots;
    for (const r of roots.length ? roots : this.roots) {
      const known = this.unwatchedRoots.get(r.path);
      if (known) {
        if (!known.tools.includes(r.tool)) known.tools.push(r.tool);
        continue;
      }
      const u: Unwatched = { dir: r.path, tools: [r.tool], code, reason: watchLimitReason(code), pollSeconds: this.opts.pollMs / 1000 };
      this.unwatchedRoots.set(r.path, u);
      this.opts.onUnwatched?.(u);
    }
    this.pollTimer ??= setInterval(() => {
      const tools = new Set([...this.unwatchedRoots.values()].flatMap((u) => u.tools));
      for (const tool of tools) this.opts.onSettled(tool);
    }, this.opts.pollMs);
    return true;
  }

  /** Directories the OS would not watch (polled instead), with why. */
  unwatched(): Unwatched[] {
    return [...this.unwatchedRoots.values()].map((u) => ({ ...u, tools: [...u.tools] }));
  }

  private onEvent(path: string): void {
    const tools = this.toolsFor(path);
    if (tools.length === 0) return;
    this.stats.events++;
    this.opts.onRaw?.(tools);
    for (const tool of tools) this.schedule(tool);
  }

  private schedule(tool: ToolId): void {
    const now = Date.now();
    const cur = this.timers.get(tool);
    const first = cur?.first ?? now;
    if (cur) clearTimeout(cur.timer);
    const wait = Math.max(0, Math.min(this.opts.debounceMs, first + this.opts.maxWaitMs - now));
    const timer = setTimeout(() => {
      this.timers.delete(tool);
      this.stats.settled++;
      this.opts.onSettled(tool);
    }, wait);
    this.timers.set(tool, { timer, first });
  }

  /** Hash the tool's files now (the same hash the ledger records for what gwctl wrote). */
  async snapshot(tool: ToolId): Promise<ToolSnapshot> {
    const t = this.targets.get(tool);
    if (!t) throw new Error(`internal: ${tool} is not watched`);
    const dir = await fsp.stat(t.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const files: Record<string, string | null> = {};
    const texts: Record<string, string | null> = {};
    const errors: Record<string, Error> = {};
    for (const f of t.files) {
      try {
        const c = await readConfig(f);
        files[f] = c.hash;
        texts[f] = c.exists ? c.text : null;
      } catch (e) {
        errors[f] = e as Error;
        texts[f] = null;
        // Not text we can read (a directory, not UTF-8, a dangling link, a FIFO): still compare
        // what is there, through the same non-blocking, size-capped reader.
        files[f] = fingerprint(f);
      }
    }
    return { dir, files, texts, errors };
  }

  /** Record what the tool looks like now as known (after the agent's own writes, at start). */
  setBaseline(tool: ToolId, snap: ToolSnapshot): void {
    this.baselines.set(tool, snap);
  }

  /** Read the tool now, make that the baseline, and say whether it differs from the old one. */
  async check(tool: ToolId): Promise<{ snap: ToolSnapshot; changed: boolean; emptied: string[] }> {
    const snap = await this.snapshot(tool);
    const base = this.baselines.get(tool);
    this.baselines.set(tool, snap);
    const changed = !base || !sameSnapshot(base, snap);
    if (!changed) this.stats.unchanged++;
    // Files that had content at the baseline and are empty now (a truncate before a rewrite?).
    const emptied = base ? Object.keys(snap.texts).filter((f) => snap.texts[f] === '' && base.files[f] !== snap.files[f]) : [];
    return { snap, changed, emptied };
  }

  /** The new snapshot when it differs from the baseline (and make it the baseline), else null. */
  async changed(tool: ToolId): Promise<ToolSnapshot | null> {
    const { snap, changed } = await this.check(tool);
    return changed ? snap : null;
  }

  /** Forget the baseline, so the next check reports whatever is there. */
  invalidate(tool: ToolId): void {
    this.baselines.delete(tool);
  }

  /** inotify watches in use (directories chokidar watches), for diagnostics. */
  watchedDirectories(): string[] {
    return Object.keys(this.watcher?.getWatched() ?? {});
  }

  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

export function sameSnapshot(a: ToolSnapshot, b: ToolSnapshot): boolean {
  if (a.dir !== b.dir) return false;
  const ka = Object.keys(a.files);
  if (ka.length !== Object.keys(b.files).length) return false;
  return ka.every((k) => a.files[k] === b.files[k]);
}
