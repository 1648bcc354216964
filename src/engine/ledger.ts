/**
 * The ledger: what each takeover wrote and what it replaced, so a restore can put things back.
 * One JSON file in gwctl's state dir, mode 0600, written atomically. It never holds a virtual
 * key: slot values we wrote are kept as hashes (SlotRecord.afterHash), and the key as keyHash.
 */
import { join } from 'node:path';
import type { ToolId } from '../adapters/index.ts';
import { ConfigIoError, readConfig, writeConfig } from '../configio/io.ts';
import { checkPrivateFile, ensurePrivateDir, PrivateFileError } from '../home/private.ts';
import type { SlotRecord } from '../formats/apply.ts';
import type { KeyRef } from '../gateway/types.ts';

export type { KeyRef };

export const LEDGER_VERSION = 1;

/** In-process queue of ledger writes, per ledger file. */
const queues = new Map<string, Promise<void>>();
/** Per ledger file, the updates waiting for the next write (see LedgerStore.update). */
const batches = new Map<string, Pending[]>();
interface Pending {
  fn: (ledger: Ledger) => void;
  resolve: (l: Ledger) => void;
  reject: (e: unknown) => void;
}

export interface LedgerFile {
  role: string;
  path: string;
  /** The file existed before the takeover (false: the takeover created it; restore deletes it). */
  existedBefore: boolean;
  /** Hash of the file before the takeover (null when it did not exist). */
  originalHash: string | null;
  /** Hash of the file right after the takeover wrote it. */
  writtenHash: string;
  /** Mode before the takeover (null when created). */
  originalMode: number | null;
  /** Where the pre-takeover copy is (null when the file did not exist). */
  backupPath: string | null;
  /**
   * A `.bak` of the user's own that stood at `backupPath` before the takeover: gwctl moved it to
   * `path` (`<file>.bak.N`) and restore moves it back while it still has this hash.
   */
  userBackup?: { path: string; hash: string };
  records: SlotRecord[];
}

export interface LedgerEntry {
  tool: ToolId;
  /**
   * 'minting' while a key is being created (the key is not known yet: a crash here is named in
   * the next command's output); 'applying' while files are being written; 'applied' once all
   * are; 'revoking' after a restore put the files back, until the key is revoked.
   */
  state: 'minting' | 'applying' | 'applied' | 'revoking' | 'suspended';
  /**
   * 'suspended' (the fallback while the gateway is down): the files are back to the user's own
   * settings, the key is kept (not revoked) and the agent takes the tool over again when the
   * gateway is back. Since when (ISO).
   */
  suspendedAt?: string;
  takenOverAt: string;
  gatewayRoot: string;
  providerId: string;
  /** sha256 of the virtual key, to recognise it without storing it. */
  keyHash: string;
  /**
   * What revocation needs, never the key: the gateway kind, the key's id or alias, and the
   * gateway root that minted it (revocation goes there, whatever gateway.url says now). While
   * 'minting', the alias being asked for (so a kill mid-mint leaves a key found by name).
   */
  keyRef: KeyRef | null;
  files: LedgerFile[];
}

/** A minted key whose revocation failed (gateway down, error): kept until it is revoked. */
export interface PendingKey {
  tool: ToolId;
  keyRef: KeyRef;
  /** sha256 of the key (never the key). */
  keyHash: string;
  /** When the key was minted, and when gwctl first/last failed to revoke it. */
  minted: string;
  since: string;
  lastTry: string;
  /** Why the last attempt failed (redacted). */
  error: string;
}

export interface Ledger {
  version: number;
  tools: Partial<Record<ToolId, LedgerEntry>>;
  /** Keys that still have to be revoked ('revoke-pending'); retried by every command that reaches the gateway. */
  pending: PendingKey[];
  /** Hashes of the .bak files gwctl created, by path: only these may be replaced later. */
  backups: Record<string, string>;
}

export function emptyLedger(): Ledger {
  return { version: LEDGER_VERSION, tools: {}, backups: {}, pending: [] };
}

/** The ledger's file in gwctl's state dir (the agent's status file stamps it too). */
export function ledgerPath(stateDir: string): string {
  return join(stateDir, 'ledger.json');
}

export class LedgerStore {
  readonly path: string;
  readonly stateDir: string;
  constructor(stateDir: string) {
    this.stateDir = stateDir;
    this.path = ledgerPath(stateDir);
  }

  async load(): Promise<Ledger> {
    checkPrivateFile(this.path, "gwctl's ledger");
    const file = await readConfig(this.path);
    if (!file.exists) return emptyLedger();
    return this.parse(file.text);
  }

  /** The ledger in `text` (the file's bytes), checked. */
  private parse(text: string): Ledger {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ConfigIoError(
        this.path,
        'LEDGER_CORRUPT',
        "gwctl's ledger is not valid JSON; move it aside and run `gwctl status` (restores then rely on the .bak copies)",
      );
    }
    const ledger = data as Ledger;
    if (typeof ledger !== 'object' || ledger === null || ledger.version !== LEDGER_VERSION || typeof ledger.tools !== 'object') {
      throw new ConfigIoError(
        this.path,
        'LEDGER_VERSION',
        `gwctl's ledger has an unknown format (version ${String((ledger as { version?: unknown })?.version)}); upgrade gwctl`,
      );
    }
    ledger.backups ??= {};
    if (!Array.isArray(ledger.pending)) ledger.pending = [];
    return ledger;
  }

  /**
   * Read-modify-write. Updates in one process run one at a time (a queue per ledger file, so
   * two requests inside the agent never read the same version and lose one's rename); between
   * processes the writer lock (src/home/lock.ts) serialises them, and the compare-and-swap is the
   * last guard.
   */
  update(fn: (ledger: Ledger) => void): Promise<Ledger> {
    // Group commit: updates that arrive while one is being written wait for it, then go out
    // together in one write (applied in order to the same read, each resolved once that write is
    // on disk). Sixteen tools taken over at once made about a hundred writes, each with its
    // fsyncs; now a few dozen. An update whose change throws is retried alone, as before.
    let waiting = batches.get(this.path);
    if (!waiting) {
      waiting = [];
      batches.set(this.path, waiting);
      const prev = queues.get(this.path) ?? Promise.resolve();
      const batch = waiting;
      const done = prev.then(() => {
        if (batches.get(this.path) === batch) batches.delete(this.path);
        return this.commit(batch);
      });
      queues.set(this.path, done);
      void done.then(() => {
        if (queues.get(this.path) === done) queues.delete(this.path);
      });
    }
    return new Promise<Ledger>((resolve, reject) => waiting!.push({ fn, resolve, reject }));
  }

  private async commit(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const ledger = await this.updateNow((l) => {
          for (const p of batch) p.fn(l);
        });
        for (const p of batch) p.resolve(ledger);
        return;
      } catch {
        // One of them threw (or the write failed): each on its own, so each gets its own answer.
      }
    }
    for (const p of batch) await this.updateNow(p.fn).then(p.resolve, p.reject);
  }

  private async updateNow(fn: (ledger: Ledger) => void): Promise<Ledger> {
    try {
      ensurePrivateDir(this.stateDir, "gwctl's state directory");
    } catch (e) {
      if (e instanceof PrivateFileError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      throw new ConfigIoError(
        this.stateDir,
        code,
        `gwctl cannot create its state directory (${code}); it needs a writable home (check HOME, XDG_STATE_HOME and the disk) and nothing was written`,
      );
    }
    for (let attempt = 0; ; attempt++) {
      checkPrivateFile(this.path, "gwctl's ledger");
      const file = await readConfig(this.path);
      const ledger = file.exists ? this.parse(file.text) : emptyLedger();
      fn(ledger);
      try {
        await writeConfig(file, JSON.stringify(ledger, null, 2) + '\n', { expectHash: file.hash, mode: 0o600 });
        return ledger;
      } catch (e) {
        if (e instanceof ConfigIoError && e.code === 'CONCURRENT' && attempt < 5) continue;
        throw e;
      }
    }
  }
}
