/**
 * `gwctl status --json --no-agent`'s own cache (issue 19): the last full status a CLI computed
 * in-process, kept in gwctl's state dir (`status-cache.json`, 0600) with the stamp of every path
 * it was computed from, in the agent's status file format. The next `status --json --no-agent`
 * prints it from cli/fast-status.ts, without loading the engine, the adapters or any parser, when
 * every stamp is equal now: git's index does the same for `git status` (a file whose stat data
 * did not change is not read again).
 *
 * Never stale:
 * - read only when every stamp (device, inode, size, mtime and ctime in ns) is equal now, for the
 *   same gwctl version, HOME and tool-location variables, without GWCTL_GATEWAY_* overrides;
 * - written under the writer lock, taken without waiting (another writer at work: no cache this
 *   time), and only when the stamps were the same before and after the computation;
 * - not written when a file the status read changed less than {@link RACY_MS} before the
 *   computation began: file times come from a clock coarser than writes (shared/stamp.ts
 *   changedSince), so a later same-size rewrite in place could keep the stamp. git calls such
 *   entries "racily clean" and reads them again; here the next run computes and caches.
 * Written only where gwctl's state dir already is: a status creates no state of its own.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateAll } from '../adapters/index.ts';
import { ledgerPath } from '../engine/takeovers.ts';
import { settingsPath } from '../home/settings.ts';
import { withLock, writerLockPath } from '../home/lock.ts';
import { PROTOCOL_VERSION, STATUS_CACHE_FILE, statusJsonOutput, type StatusFileData, type WireReport } from '../ipc/schema.ts';
import { changedSince, pathStamp, targetStamps, type Stamped } from '../shared/stamp.ts';
import { toolLocationEnv } from '../shared/tool-env.ts';
import { VERSION } from '../shared/version.ts';
import { gatewayOverridden } from './fast-status.ts';

/** A status computed from a file changed this recently is not cached (two seconds: FAT's time resolution). */
export const RACY_MS = 2000;

export interface StatusCacheContext {
  home: string;
  env: NodeJS.ProcessEnv;
  configDir: string;
  stateDir: string;
}

export function statusCachePath(stateDir: string): string {
  return join(stateDir, STATUS_CACHE_FILE);
}

function stamps(ctx: StatusCacheContext): Stamped[] {
  const tools = locateAll(ctx).flatMap(targetStamps);
  return [...tools, ...[settingsPath(ctx.configDir), ledgerPath(ctx.stateDir)].map((f): Stamped => [f, 'f', pathStamp(f, 'f')])];
}

const key = (xs: Stamped[]) => xs.map((x) => `${x[0]}\0${x[2]}`).join('\n');

/**
 * Every tool's status from `compute`, and the cache written when it may be (see above). A
 * failure to write the cache is not the command's: the status is printed all the same.
 */
export async function withStatusCache(ctx: StatusCacheContext, compute: () => Promise<WireReport[]>): Promise<WireReport[]> {
  if (gatewayOverridden(ctx.env) || !existsSync(ctx.stateDir)) return compute();
  let reports: WireReport[] | undefined;
  let failed = false;
  try {
    await withLock(
      writerLockPath(ctx.stateDir),
      async () => {
        const start = Date.now();
        const before = stamps(ctx);
        reports = await compute().catch((e: unknown) => {
          failed = true;
          throw e;
        });
        const after = stamps(ctx);
        const path = statusCachePath(ctx.stateDir);
        if (key(before) !== key(after) || before.some((s) => s[1] === 'f' && changedSince(s[2], start - RACY_MS))) {
          rmSync(path, { force: true }); // stale now; the next run computes and caches
          return;
        }
        const { text, code } = statusJsonOutput(reports);
        const data: StatusFileData = {
          format: 1,
          version: VERSION,
          protocol: PROTOCOL_VERSION,
          home: ctx.home,
          toolEnv: toolLocationEnv(ctx.env),
          stamps: before,
          output: text,
          code,
        };
        const tmp = `${path}.${process.pid}.tmp`;
        try {
          writeFileSync(tmp, JSON.stringify(data), { mode: 0o600, flag: 'wx' });
          renameSync(tmp, path);
        } finally {
          rmSync(tmp, { force: true });
        }
      },
      { timeoutMs: 0 },
    );
  } catch (e) {
    if (failed) throw e; // the computation's own error
    // Otherwise only the cache failed: another gwctl holds the writer lock, or the write failed.
  }
  return reports ?? compute();
}
