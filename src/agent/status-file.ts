/**
 * The agent's status file: `status.json` beside its socket (a 0700 directory; the file 0600),
 * holding `gwctl status --json`'s exact output for a caller without gateway overrides, and the
 * stamp of every path it was computed from (each tool's config dir and files, gwctl's settings
 * and ledger). `gwctl status --json` prints it when every stamp still matches (cli/fast-status.ts),
 * which spares the CLI the socket round trip and most of its modules: Node's own start-up plus
 * about a millisecond (issue 19; the Watchman and Nx daemons answer from a cache the same way).
 *
 * Never stale by construction:
 * - every raw file event removes the file at once (before the settle delay), and it is written
 *   again only after the tool's files were read;
 * - stamps are taken before and after the status is computed; when they differ (a write in
 *   between) nothing is written and the next event tries again;
 * - the CLI compares every stamp itself, so a change the agent has not seen yet (its event loop
 *   busy, the process stopped with Ctrl-Z) still sends it the slow, exact way.
 */
import { join } from 'node:path';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { PROTOCOL_VERSION, STATUS_FILE, statusJsonOutput, type StatusFileData, type WireReport } from '../ipc/schema.ts';
import { settingsPath } from '../home/settings.ts';
import { ledgerPath } from '../engine/takeovers.ts';
import { pathStamp, targetStamps, type Stamped } from '../shared/stamp.ts';
import { toolLocationEnv } from '../shared/tool-env.ts';
import type { WatchTarget } from '../watchers/index.ts';
import type { ToolId } from '../adapters/index.ts';
import type { AgentContext } from './context.ts';

/** How long refresh requests coalesce (a burst of events writes the file once). */
const COALESCE_MS = 10;

export class StatusFile {
  readonly path: string;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Whether a file of ours (or a killed predecessor's) may be there: a raw event costs no unlink otherwise. */
  private present = true;

  private readonly ctx: AgentContext;
  private readonly targets: () => WatchTarget[];
  private readonly compute: (tools: ToolId[]) => Promise<WireReport[]>;
  /** Each tool's last report and the stamps it was computed from: a refresh recomputes only the tools that changed. */
  private readonly reports = new Map<ToolId, { stamps: string; report: WireReport }>();
  /** The stamps of gwctl's own files (settings, ledger) the cached reports were computed with. */
  private sharedStamps = '';

  /** True while the agent works on a tool (a check, a re-apply): the file waits (see schedule). */
  private readonly busy: () => boolean;

  constructor(
    ctx: AgentContext,
    socketDir: string,
    targets: () => WatchTarget[],
    compute: (tools: ToolId[]) => Promise<WireReport[]>,
    busy: () => boolean = () => false,
  ) {
    this.ctx = ctx;
    this.targets = targets;
    this.compute = compute;
    this.busy = busy;
    this.path = join(socketDir, STATUS_FILE);
  }

  /** Something the status depends on may have changed: no caller may print the old file. */
  invalidate(): void {
    this.generation++;
    this.remove();
  }

  /**
   * Write the file again soon (coalesced), once the agent is not working on a tool: a re-apply in
   * progress would otherwise share the loop with recomputing every tool's stamps and status (the
   * file is already removed, so waiting only sends callers to the socket a little longer).
   */
  schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.busy()) this.schedule();
      else void this.refresh();
    }, COALESCE_MS);
    this.timer.unref();
  }

  /** Compute and write now (one at a time; a request meanwhile runs once more after). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.write()
      .catch((e: Error) => this.ctx.log.warn('could not write the status file', { file: this.path, error: e.message }))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.schedule();
        }
      });
    return this.running;
  }

  /** The agent stops: the file goes with it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.invalidate();
  }

  /** Per tool, then gwctl's own files: every path a status reads, with its stamp now. */
  private stamps(): { tools: Array<{ tool: ToolId; stamps: Stamped[] }>; shared: Stamped[] } {
    const tools = this.targets().map((t) => ({ tool: t.tool, stamps: targetStamps(t) }));
    const shared = [settingsPath(this.ctx.paths.configDir), ledgerPath(this.ctx.paths.stateDir)].map((f): Stamped => [f, 'f', pathStamp(f, 'f')]);
    return { tools, shared };
  }

  private async write(): Promise<void> {
    if (this.stopped || this.ctx.stopping()) return;
    const generation = this.generation;
    const before = this.stamps();
    const key = (xs: Stamped[]) => xs.map((x) => x[2]).join('|');
    const shared = key(before.shared);
    if (shared !== this.sharedStamps) this.reports.clear(); // the settings or ledger changed: every tool again
    const stale = before.tools.filter((t) => this.reports.get(t.tool)?.stamps !== key(t.stamps)).map((t) => t.tool);
    const fresh = stale.length ? await this.compute(stale) : [];
    const after = this.stamps();
    if (generation !== this.generation || this.stopped) return; // an event came meanwhile: its refresh follows
    const all = (x: typeof before) => [...x.tools.flatMap((t) => t.stamps), ...x.shared];
    if (key(all(before)) !== key(all(after))) {
      this.again = true; // written under us without an event yet: look again
      return;
    }
    this.sharedStamps = shared;
    fresh.forEach((report, i) => this.reports.set(stale[i]!, { stamps: key(before.tools.find((t) => t.tool === stale[i])!.stamps), report }));
    const reports = before.tools.map((t) => this.reports.get(t.tool)!.report);
    const { text, code } = statusJsonOutput(reports);
    const data: StatusFileData = {
      format: 1,
      version: this.ctx.version,
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      home: this.ctx.home,
      toolEnv: toolLocationEnv(this.ctx.env),
      stamps: all(before),
      output: text,
      code,
    };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      rmSync(tmp, { force: true });
      // A string straight to the descriptor: writeFileSync would make a Buffer of it, memory
      // outside the heap on every edit that only a major GC gives back.
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(data));
      } finally {
        closeSync(fd);
      }
      // A raw event between compute and here bumped the generation: do not publish.
      if (generation !== this.generation || this.stopped) return;
      renameSync(tmp, this.path);
      this.present = true;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private remove(): void {
    if (!this.present) return;
    try {
      rmSync(this.path, { force: true });
      this.present = false;
    } catch (e) {
      this.ctx.log.warn('could not remove the status file', { file: this.path, error: (e as Error).message });
    }
  }
}
