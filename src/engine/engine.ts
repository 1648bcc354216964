/**
 * Floor: engine, below ipc: status/takeover/restore/rotate of one tool, and the ledger. See docs/floors.md.
 *
 * The engine: status, takeover and restore of one tool. The CLI (in-process, `--no-agent`) and
 * the agent (CLI requests and drift re-apply) both call this, so there is one code path.
 *
 * Takeover: detect → inspect (refuse other addresses without --force) → gateway health →
 * virtual key → models → plan (adapter, pure) → edit (format editors, verified) → ledger intent →
 * .bak → atomic compare-and-swap writes → ledger applied → status.
 * Restore: revert each ledger record that still points here (or is unchanged), sweep, put the
 * original bytes back when nothing else changed, delete files the takeover created, revoke key.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { STATUS_LABEL } from '../adapters/types.ts';
import { adapterFor } from '../adapters/index.ts';
import type { AdapterEnv, FileSpec, FileTexts, GatewayIdentity, Inspection, Status, TakeoverTarget, ToolAdapter } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import {
  ConcurrentWriteError,
  ConfigIoError,
  checkWritable,
  copyBackup,
  dirExists,
  hashText,
  readConfig,
  removeConfig,
  writeConfig,
  type ConfigFile,
} from '../configio/io.ts';
import { applyEdits, type SlotRecord } from '../formats/apply.ts';
import { applyEditsOffThread, inspectOffThread, revertRecordsOffThread } from './off-thread.ts';
import { editorFor } from '../formats/index.ts';
import { formatPath, hashValue } from '../formats/path.ts';
import { ConfigFormatError, type Edit } from '../formats/slot.ts';
import { redact, registerSecret } from '../shared/redact.ts';
import { checkKey, checkNames } from '../shared/validate.ts';
import type { AcquireHooks, GatewaySettings, KeyRef, KeySource } from '../gateway/types.ts';
import { GatewayError } from '../gateway/http.ts';
import { withWriterLock } from '../home/lock.ts';
import { pointsAt } from '../shared/address.ts';
import { MASK, maskValue } from '../shared/mask.ts';
import { recordedTakeover } from './takeovers.ts';
import { findToolKey } from './keys.ts';
import { LedgerStore, type Ledger, type LedgerEntry, type LedgerFile, type PendingKey } from './ledger.ts';

export type { AcquireHooks };

export interface EngineOptions {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  stateDir: string;
  gateway: GatewaySettings;
  keys: KeySource;
  now?: () => Date;
}

export type Action = 'taken-over' | 'already-taken-over' | 'rotated' | 'restored' | 'nothing-to-restore' | 'refused' | 'failed';

export interface ToolReport {
  id: ToolId;
  name: string;
  /** null: the config could not be read (see `error`). */
  status: Status | null;
  configPath: string;
  address: string | null;
  detail?: string;
  action?: Action;
  /** What was done, one line each (backups made, slots kept, modes changed). Never a key. */
  notes?: string[];
  /** What a takeover wrote, slot by slot (values masked: never a key). */
  changes?: Change[];
  /** The fallback moved the tool back to its own settings while the gateway is down (since when, ISO). */
  suspendedSince?: string;
  error?: string;
}

/** One thing a takeover changed in a file: a file created, or a slot added, changed or set aside. */
export interface Change {
  file: string;
  /** The slot, e.g. `env.ANTHROPIC_BASE_URL` (absent for `created`). */
  path?: string;
  /** The value before, masked (absent: there was none). */
  before?: string;
  /** The value written, masked (absent: the slot was set aside). */
  after?: string;
  action: 'created' | 'added' | 'changed' | 'set aside';
  /**
   * For many members added to one list or table (a model each): how many; `path` is then the
   * container and `after` the first few. Listing 2,000 models one by one made an answer too
   * large for the agent's socket and a line nobody reads.
   */
  count?: number;
}

/**
 * The gateway model a tool of `protocol` gets when its own is not served: gateway.defaultModel
 * when the gateway serves it, else the first model listed for that protocol (a `claude…` id for
 * Anthropic tools, a `gemini…` id for Gemini), else the first listed.
 */
export function chooseModel(models: readonly string[], fallback: string, configured: string | undefined, protocol: string): string {
  if (configured && (models.length === 0 || models.includes(configured))) return configured;
  const family = protocol === 'anthropic' ? /claude/i : protocol === 'gemini' ? /gemini/i : undefined;
  return (family && models.find((m) => family.test(m))) || models[0] || fallback;
}

/** Values in `changes` are for people and scripts, not a copy of the file: long ones are cut. */
const CHANGE_VALUE_MAX = 2000;
/** More members than this added to one container are one change with a count. */
const CHANGE_MEMBERS_MAX = 20;

function changesOf(planned: ReadonlyArray<{ ledgerFile: LedgerFile }>, edits: readonly Edit[], key: string): Change[] {
  const show = (name: string, v: unknown, secret: boolean): string => {
    // The key itself is never shown; a table that holds it is, with the key masked.
    if (secret && typeof v === 'string') return MASK;
    const text = maskValue(name, v).split(key).join(MASK);
    return text.length > CHANGE_VALUE_MAX ? `${text.slice(0, CHANGE_VALUE_MAX)}… (${text.length} characters)` : text;
  };
  const out: Change[] = [];
  // Each edit by file and path, once (a lookup per record was quadratic: 1 s for 2,000 models).
  const byPath = new Map<string, Edit>();
  for (const x of edits) {
    const k = `${x.file}\u0000${formatPath(x.path)}`;
    if (!byPath.has(k)) byPath.set(k, x);
  }
  for (const { ledgerFile: lf } of planned) {
    if (!lf.existedBefore) out.push({ file: lf.path, action: 'created' });
    // Members added to the same container, counted first: a long run becomes one change.
    const added = new Map<string, SlotRecord[]>();
    const parentOf = new Map<SlotRecord, string>();
    for (const r of lf.records) {
      if (r.before !== undefined || r.path.length < 2 || byPath.get(`${r.file}\u0000${formatPath(r.path)}`)?.value === undefined) continue;
      const parent = formatPath(r.path.slice(0, -1));
      parentOf.set(r, parent);
      const run = added.get(parent);
      if (run) run.push(r);
      else added.set(parent, [r]);
    }
    const counted = new Set<string>();
    for (const r of lf.records) {
      const parent = parentOf.get(r);
      const run = parent === undefined ? undefined : added.get(parent);
      if (parent !== undefined && run && run.length > CHANGE_MEMBERS_MAX) {
        if (counted.has(parent)) continue;
        counted.add(parent);
        const names = run.slice(0, 3).map((x) => {
          const last = x.path[x.path.length - 1]!;
          return typeof last === 'string' ? last : formatPath([last]);
        });
        out.push({ file: lf.path, path: parent, after: show('', `${names.join(', ')}, …`, false), action: 'added', count: run.length });
        continue;
      }
      const e = byPath.get(`${r.file}\u0000${formatPath(r.path)}`);
      const last = r.path[r.path.length - 1];
      const name = typeof last === 'string' ? last : formatPath(r.path);
      const value = e?.value;
      out.push({
        file: lf.path,
        path: formatPath(r.path),
        ...(r.before !== undefined ? { before: show(name, r.before, false) } : {}),
        ...(value !== undefined ? { after: show(name, value, e?.secret === true) } : {}),
        action: value === undefined ? 'set aside' : r.before === undefined ? 'added' : 'changed',
      });
    }
  }
  return out;
}

/** What `planTakeover` found: each file's text now (null: absent) and after a takeover. */
export interface TakeoverPlan {
  files: Array<{ path: string; before: string | null; after: string }>;
  notes: string[];
  /** Why there is nothing to plan (not detected, already taken over). */
  refused?: string;
}

/** What `planRestore` found: each file's text now and after a restore (null: removed). */
export interface RestorePlan {
  files: Array<{ path: string; before: string; after: string | null }>;
  notes: string[];
  refused?: string;
  /** The tool's key as found in its files: never to be shown (the caller masks it). */
  secrets?: string[];
}

/** `describe`: the ledger's record of a tool's takeover (null: none) and its `.bak` files. */
export interface ToolRecord {
  ledger: null | {
    state: LedgerEntry['state'];
    takenOverAt: string;
    gatewayRoot: string;
    /** What revocation needs (alias or id), never the key. */
    keyRef: { kind: string; alias?: string; id?: string } | null;
    files: Array<{ path: string; created: boolean; backupPath: string | null; edits: Array<{ slot: string; before: string; now: string }> }>;
  };
  backups: Array<{ path: string; bytes: number; ours: boolean }>;
}

/** Stands in for the virtual key in a dry run; never sent to a gateway as a credential that works. */
export const PLACEHOLDER_KEY = 'gwctl-dry-run-placeholder';

interface LoadedTool {
  adapter: ToolAdapter<ToolId>;
  ctx: AdapterEnv;
  dir: string;
  specs: FileSpec[];
  detected: boolean;
  files: Map<string, ConfigFile>;
  texts: FileTexts;
  /** Its inspection, once made, and for which gateway identity (the texts never change). */
  inspected?: { gw: string; ins: Promise<Inspection> };
}

const MAX_ATTEMPTS = 4;

/** Run `once` again (up to MAX_ATTEMPTS in all) when another writer changed a file between our read and our write. */
async function retryOnConcurrentWrite<T>(once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (e instanceof ConcurrentWriteError && attempt < MAX_ATTEMPTS) continue;
      throw e;
    }
  }
}

export class Engine {
  private readonly ledger: LedgerStore;
  private healthChecked: Promise<void> | undefined;
  private readonly modelCache = new Map<string, Promise<string[]>>();

  private readonly opts: EngineOptions;

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.ledger = new LedgerStore(opts.stateDir);
  }

  private get ctx(): AdapterEnv {
    return { home: this.opts.home, env: this.opts.env };
  }

  private async load(id: ToolId): Promise<LoadedTool> {
    const adapter = adapterFor(id);
    const ctx = this.ctx;
    const loc = adapter.locate(ctx);
    const detected = await dirExists(loc.dir);
    const files = new Map<string, ConfigFile>();
    const texts: Record<string, string | null> = {};
    if (detected) {
      for (const spec of loc.files) {
        const f = await readConfig(spec.path);
        files.set(spec.role, f);
        texts[spec.role] = f.exists ? f.text : null;
      }
    }
    return { adapter, ctx, dir: loc.dir, specs: loc.files, detected, files, texts };
  }

  private primaryPath(t: LoadedTool): string {
    return configPathOf(t.specs, t.dir, t.texts);
  }

  /** The gateway as this tool's takeover was written: its recorded provider id, if any. */
  private identityFor(t: LoadedTool): GatewaySettings {
    const recorded = recordedTakeover(this.opts.stateDir, t.adapter.id)?.providerId;
    return recorded && recorded !== this.opts.gateway.providerId ? { ...this.opts.gateway, providerId: recorded } : this.opts.gateway;
  }

  /**
   * The tool's status from the texts it was loaded with: made once per load and gateway identity,
   * and in a worker when the files are large (a parse of a 2,000-model file is 100-200 ms).
   */
  private inspect(t: LoadedTool): Promise<Inspection> {
    const gw = this.identityFor(t);
    const id = JSON.stringify(gw);
    if (t.inspected?.gw === id) return t.inspected.ins;
    // The same files (by hash) read again in this command inspect the same: a re-apply reads a
    // tool four times (before, after undoing the earlier takeover, the report), and a 5 MB file's
    // inspection is tens of milliseconds.
    const key = `${t.adapter.id}\0${id}\0${[...t.files].map(([role, f]) => `${role}=${f.hash ?? '-'}`).join('\0')}`;
    let ins = this.inspections.get(key);
    if (!ins) {
      ins = inspectOffThread(t.adapter.id, t.texts, gw, t.ctx);
      ins.catch(() => this.inspections.delete(key));
      this.inspections.set(key, ins);
      if (this.inspections.size > 64) this.inspections.delete(this.inspections.keys().next().value!);
    }
    t.inspected = { gw: id, ins };
    return ins;
  }
  /** Inspections made by this engine, by tool, gateway identity and file hashes (at most 64). */
  private readonly inspections = new Map<string, Promise<Inspection>>();

  private async report(t: LoadedTool, extra: Partial<ToolReport> = {}): Promise<ToolReport> {
    const rec = recordedTakeover(this.opts.stateDir, t.adapter.id);
    const suspended = rec?.state === 'suspended' ? { suspendedSince: rec.suspendedAt ?? '' } : {};
    const ins = t.detected ? await this.inspect(t) : undefined;
    return { ...reportFromTexts(t.adapter, t.ctx, this.identityFor(t), t.detected, t.texts, ins), ...suspended, ...extra };
  }

  /**
   * A report naming the tool and the file its status would name, with no status: what is left to
   * say when its files cannot be read. Reads nothing.
   */
  unreadable(id: ToolId): ToolReport {
    const adapter = adapterFor(id);
    const loc = adapter.locate(this.ctx);
    return { id, name: adapter.name, status: null, configPath: configPathOf(loc.files, loc.dir, {}), address: null };
  }

  /** True for a tool gwctl only launches (never takes over). */
  launchOnly(id: ToolId): boolean {
    return adapterFor(id).launchOnly === true;
  }

  async status(id: ToolId): Promise<ToolReport> {
    const t = await this.load(id);
    return await this.report(t);
  }

  /**
   * Every write runs under the per-HOME writer lock (src/home/lock.ts): one writer of tool
   * configs, the ledger and gwctl's state at a time, across processes and inside the agent.
   */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withWriterLock(this.opts.stateDir, this.opts.env, fn);
  }

  /** `fn` under the writer lock (callers running several engine writes as one command). */
  writeLocked<T>(fn: () => Promise<T>): Promise<T> {
    return this.locked(fn);
  }

  takeover(id: ToolId, { force = false }: { force?: boolean } = {}): Promise<ToolReport> {
    return this.locked(() => retryOnConcurrentWrite(() => this.takeoverOnce(id, force)));
  }

  private async takeoverOnce(id: ToolId, force: boolean): Promise<ToolReport> {
    const t = await this.load(id);
    const notes: string[] = [];
    if (t.adapter.launchOnly) {
      return await this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} is launch-only: it takes a gateway from its environment only, so there is nothing to take over. Run \`gwctl launch ${id}\` to start it pointed at the gateway.`,
      });
    }
    if (!t.detected) {
      return await this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} is not detected: ${t.dir} does not exist. Install ${t.adapter.name} and run it once, then take it over.`,
      });
    }
    const before = await this.inspect(t);
    const ledger = await this.ledger.load();
    const entry = ledger.tools[id];
    if (before.status === 'taken-over' && entry?.state === 'applied' && pointsAt(entry.gatewayRoot, this.opts.gateway.root)) {
      return await this.report(t, { action: 'already-taken-over' });
    }
    if (before.status === 'taken-over' && !entry) {
      // Taken over, but the ledger does not know it (moved aside, state dir cleaned): what the
      // files hold now is gwctl's, never the user's original. Nothing is written.
      const baks = await this.cleanBackups(t);
      const offer = baks.length
        ? `run \`gwctl restore ${id}\` to put back ${baks.join(', ')} (the copy from before the takeover, holding none of gwctl's settings)`
        : `run \`gwctl restore ${id}\` to remove gwctl's settings, then take it over again`;
      return await this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} already points at this gateway (${this.primaryPath(t)}), but gwctl's ledger has no record of that takeover (was ${this.ledger.path} moved aside or the state directory cleaned?); nothing was written. To start again from your original, ${offer}`,
      });
    }
    if (before.status === 'other-address' && !force) {
      return await this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} points at ${before.address ?? 'another address'} (${this.fileHolding(t, before)}); gwctl will not overwrite it. Run again with --force to take it over anyway (restore puts the old address back).`,
      });
    }
    if (entry) {
      // An earlier takeover (other gateway, or interrupted): undo it first so the ledger keeps
      // the user's true originals rather than our own earlier values.
      // The user's own .bak files set aside by that takeover stay aside: the new one records them.
      const userBackups = new Map(entry.files.flatMap((f) => (f.userBackup ? [[f.path, f.userBackup] as const] : [])));
      const undone = await this.restoreOnce(id, { revoke: true, keepUserBackups: true });
      notes.push(...(undone.notes ?? []).map((n) => `earlier takeover undone: ${n}`));
      const again = await this.load(id);
      if ((await this.inspect(again)).status === 'taken-over') {
        return await this.report(again, {
          action: 'failed',
          error: `${t.adapter.name}: the earlier takeover could not be undone (${this.primaryPath(again)} still points at the gateway); nothing new was written. Run \`gwctl restore ${id}\`, then take it over again`,
          ...(notes.length ? { notes } : {}),
        });
      }
      return this.takeoverFresh(again, notes, { keepBackup: true, force, userBackups });
    }
    return this.takeoverFresh(t, notes, { keepBackup: false, force });
  }

  /** The file that holds the address an inspection found (the one a refusal must name). */
  private fileHolding(t: LoadedTool, ins: Inspection): string {
    if (ins.address) {
      const raw = ins.address.replace(/\/+$/, '');
      const spec = t.specs.find((s) => t.texts[s.role]?.includes(raw));
      if (spec) return spec.path;
    }
    return this.primaryPath(t);
  }

  /** `.bak` files of this tool that exist and point nowhere near this gateway (restorable originals). */
  private async cleanBackups(t: LoadedTool): Promise<string[]> {
    const baks: Record<string, string | null> = { ...t.texts };
    const paths: string[] = [];
    for (const spec of t.specs) {
      if (!spec.writable || t.texts[spec.role] == null) continue;
      const bak = await readConfig(`${spec.path}.bak`).catch(() => undefined);
      if (!bak?.exists) continue;
      baks[spec.role] = bak.text;
      paths.push(bak.path);
    }
    if (!paths.length) return [];
    try {
      if (t.adapter.inspect(baks, this.opts.gateway, t.ctx).status === 'taken-over') return [];
    } catch {
      return [];
    }
    return paths;
  }

  /**
   * A dry run of `takeover`: what it would write to each file, computed by the same adapter plan
   * and format editors, without a health check, without minting a key (a placeholder stands in
   * for it) and without writing anything (no ledger entry, no .bak). The model list is what the
   * gateway lists for the configured key (LiteLLM: the master key), else the configured
   * gateway.models (a note says so).
   */
  async planTakeover(id: ToolId, { force = false } = {}): Promise<TakeoverPlan> {
    const t = await this.load(id);
    const notes: string[] = [];
    if (!t.detected) return { files: [], notes, refused: `${t.adapter.name} is not detected: ${t.dir} does not exist` };
    const before = await this.inspect(t);
    if (before.status === 'taken-over') return { files: [], notes, refused: `${t.adapter.name} already points at this gateway` };
    if (before.status === 'other-address') {
      if (!force) notes.push(`it points at ${before.address ?? 'another address'}: a takeover needs --force (restore puts that address back)`);
    }
    const gw = this.opts.gateway;
    let models: string[] = gw.models ?? [];
    let listed = false;
    try {
      const got = await (this.opts.keys.peekModels?.() ?? Promise.reject(new Error('no way to list models without a key')));
      if (got.length) [models, listed] = [got, true];
    } catch (e) {
      if (t.adapter.protocol === 'openai')
        notes.push(
          `models: the gateway's list could not be read (${(e as Error).message.slice(0, 120)}); ${models.length ? 'shown with gateway.models' : 'shown as MODEL; the takeover writes every model the gateway offers'}`,
        );
    }
    const defaultModel =
      gw.defaultModel && (models.length === 0 || models.includes(gw.defaultModel)) ? gw.defaultModel : (models[0] ?? gw.defaultModel ?? 'MODEL');
    if (gw.model && listed && !models.includes(gw.model)) return { files: [], notes, refused: `--model ${gw.model}: the gateway does not serve that model` };
    const target: TakeoverTarget = {
      ...gw,
      key: PLACEHOLDER_KEY,
      models: models.length ? models : [defaultModel],
      defaultModel: gw.model ?? defaultModel,
      chosenModel: gw.model ?? chooseModel(models, defaultModel, gw.defaultModel, t.adapter.protocol),
      modelsListed: listed,
      modelForced: gw.model !== undefined,
    };
    const planned = await this.renderWrites(t, t.adapter.plan(t.texts, target, t.ctx));
    return {
      files: planned.map((p) => ({ path: p.file.path, before: p.file.exists ? p.file.text : null, after: p.text })),
      notes,
    };
  }

  /**
   * What gwctl wrote to a tool, for people: the ledger's edits (each slot's value before the
   * takeover and now, credentials masked) and the `.bak` of each file. Reads only.
   */
  async describe(id: ToolId): Promise<ToolRecord> {
    const t = await this.load(id);
    const ledger = await this.ledger.load();
    const entry = ledger.tools[id];
    const backups: ToolRecord['backups'] = [];
    for (const spec of t.specs.filter((s) => s.writable)) {
      const path = `${spec.path}.bak`;
      const bak = await readConfig(path).catch(() => undefined);
      if (bak?.exists) backups.push({ path, bytes: Buffer.byteLength(bak.text), ours: ledger.backups[path] === bak.hash });
    }
    if (!entry) return { ledger: null, backups };
    const files = entry.files.map((lf) => {
      const spec = t.specs.find((s) => s.role === lf.role);
      const text = t.texts[lf.role];
      const edits = lf.records.map((r) => {
        const slot = formatPath(r.path);
        const last = r.path[r.path.length - 1];
        const name = typeof last === 'string' ? last : slot;
        let now: string;
        try {
          const current = spec && text != null ? editorFor(spec.format).get(text, r.path, spec.path) : undefined;
          now = hashValue(current) === r.afterHash ? `${maskValue(name, current)} (as written)` : `${maskValue(name, current)} (changed since)`;
        } catch {
          now = '(cannot read the file)';
        }
        return { slot, before: maskValue(name, r.before), now };
      });
      return { path: lf.path, created: !lf.existedBefore, backupPath: lf.backupPath, edits };
    });
    const keyRef = entry.keyRef
      ? { kind: entry.keyRef.kind, ...(entry.keyRef.alias ? { alias: entry.keyRef.alias } : {}), ...(entry.keyRef.id ? { id: entry.keyRef.id } : {}) }
      : null;
    return { ledger: { state: entry.state, takenOverAt: entry.takenOverAt, gatewayRoot: entry.gatewayRoot, keyRef, files }, backups };
  }

  private async ensureHealthy(): Promise<void> {
    // One check per engine, and an engine serves one command (CLI or agent request): a gateway
    // that is down or slow costs one timeout for the command, not one per tool.
    this.healthChecked ??= this.opts.keys.health();
    return this.healthChecked;
  }

  /**
   * The gateway's model list, fetched once per engine (one engine serves one command: `takeover
   * --all` asks once, not once per tool) with the first tool's key, and validated once by the
   * caller. A failed fetch is not kept: the next tool asks again with its own key.
   */
  private async models(key: string): Promise<string[]> {
    const cached = this.modelCache.get('');
    if (cached) return cached;
    const p = (async () => {
      let list = await this.opts.keys.models(key);
      if (list.length === 0) list = this.opts.gateway.models ?? [];
      if (list.length === 0) {
        throw new Error(
          `the gateway at ${this.opts.gateway.root} lists no models (GET ${this.opts.gateway.baseUrl.openai}/models) and none are configured; add a channel in the gateway, or set gateway.models`,
        );
      }
      return list;
    })();
    this.modelCache.set('', p);
    p.catch(() => {
      if (this.modelCache.get('') === p) this.modelCache.delete('');
    });
    return p;
  }

  /**
   * `keepBackup`: this is a re-apply over an earlier takeover, so a .bak gwctl made holds the
   * pre-takeover original and must not be replaced.
   */
  private async takeoverFresh(
    t: LoadedTool,
    notes: string[],
    {
      keepBackup,
      force,
      userBackups,
      reuse,
    }: {
      keepBackup: boolean;
      force: boolean;
      userBackups?: ReadonlyMap<string, { path: string; hash: string }>;
      /** The return from a suspension: this key (the gateway accepts it) instead of a new one. */
      reuse?: { key: string; ref: LedgerEntry['keyRef']; previous: LedgerEntry };
    },
  ): Promise<ToolReport> {
    const gw = this.opts.gateway;
    const id = t.adapter.id;
    await this.ensureHealthy();
    notes.push(...(await this.retryPendingAt(gw.root)));
    refuseEmptyJson(t);
    // Before the first write of any kind: every file this tool may write must be writable.
    for (const spec of t.specs) {
      const f = t.files.get(spec.role);
      if (spec.writable && f?.exists) await checkWritable(f);
    }
    const entry: LedgerEntry = {
      tool: id,
      state: 'minting',
      takenOverAt: (this.opts.now?.() ?? new Date()).toISOString(),
      gatewayRoot: gw.root,
      providerId: gw.providerId,
      keyHash: '',
      keyRef: null,
      files: [],
    };
    // Recorded before the key exists, and each name before it is asked for: a kill while
    // minting leaves an entry naming the key, which the next command revokes by that name.
    await this.ledger.update((l) => {
      l.tools[id] = entry;
    });
    let acquired: { key: string; ref: LedgerEntry['keyRef'] };
    try {
      if (reuse) {
        entry.keyRef = reuse.ref;
        acquired = { key: reuse.key, ref: reuse.ref };
      } else
        acquired = await this.opts.keys.acquire(id, {
          onAlias: async (alias) => {
            entry.keyRef = { kind: gw.kind, alias, gateway: gw.root };
            await this.ledger.update((l) => {
              l.tools[id] = entry;
            });
          },
        });
    } catch (e) {
      // The gateway answered (an error): nothing was minted. No answer (timeout, reset): a key
      // may exist under the name last asked for; it stays pending until revoked by that name.
      const answered = !(e instanceof GatewayError && e.status === undefined);
      const ref = entry.keyRef;
      await this.ledger.update((l) => {
        if (l.tools[id]?.takenOverAt === entry.takenOverAt) delete l.tools[id];
        if (!answered && ref?.alias) l.pending.push(pendingOf(id, ref, '', entry.takenOverAt, (e as Error).message));
      });
      throw e;
    }
    const { key, ref } = acquired;
    let committed = false;
    let changes: Change[] = [];
    try {
      entry.state = 'applying';
      entry.keyHash = hashValue(key);
      entry.keyRef = ref;
      await this.ledger.update((l) => {
        l.tools[id] = entry;
      });
      const edits = t.adapter.plan(t.texts, await this.target(t, key), t.ctx);
      const planned = await this.renderWrites(t, edits);
      changes = changesOf(planned, edits, key);
      for (const p of planned) {
        // A re-apply over an earlier takeover keeps what that one recorded of the user's own .bak files.
        const ub = userBackups?.get(p.ledgerFile.path);
        if (ub) p.ledgerFile.userBackup = ub;
      }
      // Fail before the first file change (no .bak) if any file cannot be written.
      for (const p of planned) await checkWritable(p.file);
      entry.files = planned.map((p) => p.ledgerFile);
      await this.ledger.update((l) => {
        l.tools[id] = entry;
      });
      const ours = await this.knownKeyHashes();
      const gwctlValues = (await this.inspect(t)).status === 'taken-over';
      const written: Array<{ file: ConfigFile; text: string; hash: string }> = [];
      try {
        for (const p of planned) {
          if (p.file.exists) {
            const dest = p.ledgerFile.backupPath!;
            // A re-apply keeps the .bak gwctl made whatever the file holds now, so the file need
            // not be searched for keys (every token of a large file hashed: seconds in lite mode).
            // A .bak that cannot be read is backup()'s to report, as before.
            const existing = keepBackup ? await this.readBackup(dest).catch(() => undefined) : undefined;
            const keptOurs = existing?.exists === true && (await this.ledger.load()).backups[dest] === existing.hash;
            // Otherwise a .bak is only ever made from a file that holds none of gwctl's keys or settings.
            if (!keptOurs && (gwctlValues || holdsKnownKey(p.file.text, ours))) {
              notes.push(`${p.file.path}: not backed up (it holds gwctl's own settings from an earlier takeover)`);
            } else {
              const bak = await this.backup(p.file, dest, notes, keepBackup, p.ledgerFile, existing);
              if (bak) notes.push(bak);
              if (p.ledgerFile.userBackup) {
                await this.ledger.update((l) => {
                  l.tools[id] = entry;
                });
              }
            }
          }
          await writeConfig(p.file, p.text, { expectHash: p.file.hash, mode: p.mode });
          written.push({ file: p.file, text: p.text, hash: p.ledgerFile.writtenHash });
          if (p.file.exists && p.mode !== p.file.mode) {
            notes.push(`${p.file.path}: mode ${octal(p.file.mode)} → ${octal(p.mode)} (it now holds a key; restore puts ${octal(p.file.mode)} back)`);
          }
          if (p.file.symlink) notes.push(`${p.file.path}: symlink kept; wrote its target ${p.file.realPath}`);
        }
      } catch (e) {
        await this.rollback(written, planned);
        throw e;
      }
      await this.ledger.update((l) => {
        const cur = l.tools[id];
        if (cur) cur.state = 'applied';
      });
      committed = true;
    } finally {
      if (!committed && reuse) {
        // The return failed: the tool stays suspended with its key (the agent tries again).
        await this.ledger
          .update((l) => {
            l.tools[id] = reuse.previous;
          })
          .catch(() => undefined);
      } else if (!committed) {
        // Never leave a minted key behind for a takeover that did not happen: revoked now, or
        // kept as revoke-pending (with the ledger entry gone in the same write).
        let why: string | undefined;
        await this.opts.keys.release(id, ref).catch((e: unknown) => (why = (e as Error).message));
        await this.ledger
          .update((l) => {
            if (l.tools[id]?.takenOverAt === entry.takenOverAt) delete l.tools[id];
            if (why !== undefined && ref && (ref.alias || ref.id)) l.pending.push(pendingOf(id, ref, hashValue(key), entry.takenOverAt, why));
          })
          .catch(() => undefined);
      }
    }
    // A takeover that does not take over says so: the status is computed again from disk, and
    // anything else than taken-over rolls gwctl's write back.
    const after = await this.load(id);
    const ins = await this.inspect(after);
    if (ins.status !== 'taken-over') {
      const undone = await this.restoreOnce(id, { revoke: true });
      const where = this.fileHolding(after, ins);
      return await this.report(await this.load(id), {
        action: 'failed',
        error: `${t.adapter.name} is still ${STATUS_LABEL[ins.status]} after the takeover${ins.address ? ` (${ins.address}, set in ${where})` : ` (${where})`}${ins.detail ? `: ${ins.detail}` : ''}; gwctl's change was rolled back${force ? '' : ''}`,
        notes: [...notes, ...(undone.notes ?? [])],
      });
    }
    return await this.report(after, { action: 'taken-over', ...(notes.length ? { notes } : {}), ...(changes.length ? { changes } : {}) });
  }

  /** Hashes of every key gwctl minted and still knows about (entries and revoke-pending). */
  private async knownKeyHashes(): Promise<Set<string>> {
    const l = await this.ledger.load();
    const out = new Set<string>();
    for (const e of Object.values(l.tools)) if (e?.keyHash) out.add(e.keyHash);
    for (const p of l.pending) if (p.keyHash) out.add(p.keyHash);
    return out;
  }

  /**
   * What the adapter writes. Every string in it that came from outside (the key, model ids, the
   * display name) is checked here, before any plan or write, whatever the gateway client did.
   */
  private async target(t: LoadedTool, key: string): Promise<TakeoverTarget> {
    const gw = this.opts.gateway;
    const source = `the gateway at ${gw.root}`;
    registerSecret(key);
    checkKey(key, source);
    // OpenAI-protocol tools need the list (they write every model); for the others it only tells
    // whether the user's model is served, so a gateway that cannot list leaves their model alone.
    let listed = true;
    let fetched: string[];
    if (t.adapter.protocol === 'openai') fetched = await this.models(key);
    else {
      fetched = await this.models(key).catch(() => {
        listed = false;
        return gw.models ?? [];
      });
    }
    const models = checkNames(fetched, 'model id', source);
    const defaultModel = gw.defaultModel && (models.length === 0 || models.includes(gw.defaultModel)) ? gw.defaultModel : (models[0] ?? gw.defaultModel ?? '');
    if (defaultModel) checkNames([defaultModel], 'model id', source);
    if (gw.model) {
      checkNames([gw.model], 'model id', 'the --model option');
      if (models.length && !models.includes(gw.model)) {
        const shown = models.slice(0, 30).join(', ');
        throw new Error(
          `--model ${gw.model}: the gateway at ${gw.root} does not serve that model; it lists ${models.length}: ${shown}${models.length > 30 ? ', …' : ''}`,
        );
      }
    }
    const chosenModel = gw.model ?? chooseModel(models, defaultModel, gw.defaultModel, t.adapter.protocol);
    checkNames([gw.displayName], 'display name', "gwctl's setting gateway.displayName");
    checkNames([gw.providerId], 'provider id', "gwctl's setting gateway.providerId");
    return {
      ...gw,
      key,
      models: models.length ? models : [defaultModel].filter(Boolean),
      defaultModel: gw.model ?? defaultModel,
      chosenModel,
      modelsListed: listed && models.length > 0,
      modelForced: gw.model !== undefined,
    };
  }

  /**
   * The new text of each file the edits touch (edits applied by the format editors and checked),
   * its mode, and the ledger record of what changed. Writes nothing.
   */
  private async renderWrites(t: LoadedTool, edits: Edit[]) {
    const byRole = new Map<string, Edit[]>();
    for (const e of edits) {
      if (!byRole.has(e.file)) byRole.set(e.file, []);
      byRole.get(e.file)!.push(e);
    }
    const out: Array<{ file: ConfigFile; text: string; mode: number; ledgerFile: LedgerFile }> = [];
    for (const [role, list] of byRole) {
      const spec = t.specs.find((s) => s.role === role);
      const file = t.files.get(role);
      if (!spec || !file) throw new Error(`internal: ${t.adapter.id} planned an edit to unknown file role '${role}'`);
      if (!spec.writable) throw new Error(`internal: ${t.adapter.id} planned an edit to read-only file ${spec.path}`);
      const { text, records } = await applyEditsOffThread(file.text, spec.format, list, spec.path);
      if (text === file.text) continue;
      const holdsKey = list.some((e) => e.secret);
      const mode = file.exists ? (holdsKey ? file.mode! & ~0o077 : file.mode!) : 0o600;
      out.push({
        file,
        text,
        mode,
        ledgerFile: {
          role,
          path: spec.path,
          existedBefore: file.exists,
          originalHash: file.hash,
          writtenHash: hashText(text),
          originalMode: file.mode,
          backupPath: file.exists ? `${spec.path}.bak` : null,
          records,
        },
      });
    }
    return out;
  }

  /** What is at a .bak's place now (refused when it cannot be one). */
  private readBackup(dest: string): Promise<ConfigFile> {
    return readConfig(dest).catch((e) => {
      if (e instanceof ConfigIoError && (e.code === 'EISDIR' || e.code === 'NOT_A_FILE' || e.code === 'DANGLING_SYMLINK')) {
        throw new ConfigIoError(dest, e.code, `cannot hold gwctl's backup (${e.message.split(': ').slice(1).join(': ')})`);
      }
      throw e;
    });
  }

  /** Copy the pre-takeover file to `<file>.bak`; a foreign .bak is kept aside, never overwritten. `read`: the .bak as just read. */
  private async backup(
    file: ConfigFile,
    dest: string,
    notes: string[],
    keepOurs: boolean,
    ledgerFile?: LedgerFile,
    read?: ConfigFile,
  ): Promise<string | undefined> {
    const ledger = await this.ledger.load();
    const existing = read ?? (await this.readBackup(dest));
    if (existing.exists && existing.hash === file.hash) {
      await this.ledger.update((l) => {
        l.backups[dest] = existing.hash!;
      });
      return undefined;
    }
    const ours = existing.exists && ledger.backups[dest] === existing.hash;
    if (ours && keepOurs) return `kept ${dest}: it holds the original from before the first takeover`;
    if (existing.exists && !ours) {
      let n = 1;
      while (
        await fsp.lstat(`${dest}.${n}`).then(
          () => true,
          () => false,
        )
      )
        n++;
      await fsp.rename(existing.symlink ? existing.path : existing.realPath, `${dest}.${n}`);
      if (ledgerFile && !existing.symlink) ledgerFile.userBackup = { path: `${dest}.${n}`, hash: existing.hash! };
      notes.push(`${dest} existed and was not gwctl's: kept it as ${dest}.${n}${ledgerFile && !existing.symlink ? ' (restore moves it back)' : ''}`);
    }
    await copyBackup(file, dest);
    await this.ledger.update((l) => {
      l.backups[dest] = file.hash!;
    });
    return `backed up ${file.path} to ${dest}`;
  }

  private async rollback(written: Array<{ file: ConfigFile; hash: string }>, planned: Array<{ file: ConfigFile }>): Promise<void> {
    for (const w of written.reverse()) {
      const orig = planned.find((p) => p.file === w.file)!.file;
      try {
        if (orig.exists) await writeConfig(orig, orig.text, { expectHash: w.hash, mode: orig.mode! });
        else await removeConfig(orig, w.hash);
      } catch {
        // Leave it: the ledger entry is dropped, and the .bak holds the original.
      }
    }
  }

  /**
   * A new virtual key for a taken-over tool: mint, write it (and refresh the model list), record
   * it, then revoke the old key. The ledger keeps the pre-takeover values, so restore still puts
   * the original back.
   */
  rotate(id: ToolId): Promise<ToolReport> {
    return this.locked(() => retryOnConcurrentWrite(() => this.rotateOnce(id)));
  }

  private async rotateOnce(id: ToolId): Promise<ToolReport> {
    const t = await this.load(id);
    const entry = (await this.ledger.load()).tools[id];
    if (!t.detected || !entry || entry.state !== 'applied' || (await this.inspect(t)).status !== 'taken-over') {
      return await this.report(t, { action: 'refused', error: `${t.adapter.name} is not taken over by gwctl; take it over first (gwctl takeover ${id})` });
    }
    const old = entry.keyRef;
    if (this.opts.keys.mints === false || !old || (!old.alias && !old.id)) {
      return await this.report(t, {
        action: 'refused',
        error: `this gateway kind has no key API: nothing to rotate (${t.adapter.name} uses the configured key; change it in the gateway, then \`gwctl config set gateway.key\` and \`gwctl takeover ${id}\`)`,
      });
    }
    await this.ensureHealthy();
    const notes = await this.retryPendingAt(this.opts.gateway.root);
    // The new key never takes the old one's name (revoking by that name would hit the new key).
    const { key, ref } = await this.opts.keys.acquire(id, { avoid: [old.alias, old.id].filter((x): x is string => !!x) });
    if (ref && old && ((ref.alias && ref.alias === old.alias) || (ref.id && ref.id === old.id))) {
      await this.opts.keys.release(id, ref).catch(() => undefined);
      throw new Error(`internal: the gateway gave the new key the old key's name or id (${refName(old)}); nothing was changed`);
    }
    let committed = false;
    try {
      const planned = await this.renderWrites(t, t.adapter.plan(t.texts, await this.target(t, key), t.ctx));
      for (const p of planned) await checkWritable(p.file);
      const files = entry.files.map((f) => ({ ...f }));
      for (const p of planned) {
        const prev = files.find((f) => f.role === p.ledgerFile.role);
        const merged: LedgerFile = prev
          ? { ...prev, writtenHash: p.ledgerFile.writtenHash, records: mergeRecords(prev.records, p.ledgerFile.records) }
          : p.ledgerFile;
        if (prev) files[files.indexOf(prev)] = merged;
        else files.push(merged);
      }
      for (const p of planned) await writeConfig(p.file, p.text, { expectHash: p.file.hash, mode: p.mode });
      await this.ledger.update((l) => {
        l.tools[id] = { ...entry, keyHash: hashValue(key), keyRef: ref, files };
      });
      committed = true;
    } finally {
      if (!committed) {
        let why: string | undefined;
        await this.opts.keys.release(id, ref).catch((e: unknown) => (why = (e as Error).message));
        if (why !== undefined && ref)
          await this.ledger.update((l) => void l.pending.push(pendingOf(id, ref, hashValue(key), entry.takenOverAt, why!))).catch(() => undefined);
      }
    }
    // The config's key must be one the gateway accepts.
    let accepted = true;
    try {
      await this.opts.keys.models(key);
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 401 || status === 403) accepted = false;
    }
    // The old key goes by its own id/alias, never the new one's.
    try {
      const note = await this.opts.keys.release(id, old);
      notes.push(note ?? 'new key written; the old key was revoked');
    } catch (e) {
      const why = redactKeys((e as Error).message);
      notes.push(pendingNote(old, why));
      await this.ledger.update((l) => void l.pending.push(pendingOf(id, old, entry.keyHash, entry.takenOverAt, why)));
    }
    const after = await this.load(id);
    if (!accepted) {
      return await this.report(after, {
        action: 'failed',
        notes,
        error: `the gateway refuses the new key written into ${this.primaryPath(after)} (GET ${this.opts.gateway.baseUrl.openai}/models answered 401/403); check the key in the gateway, then run gwctl rotate ${id} again`,
      });
    }
    return await this.report(after, { action: 'rotated', notes });
  }

  /**
   * Finish what a killed gwctl left half-done: a takeover that stopped while minting or writing
   * is undone (files put back where they are ours, key revoked or named), a restore that stopped
   * before revoking revokes. Returns a report per tool that needed it.
   */
  /**
   * The fallback (gateway down): the exact restore of `restore`, except that the key is kept
   * (stashed 0600 in the state dir, to be written again on return) and the ledger keeps the
   * takeover as 'suspended'. The user's own `.bak` files stay aside for the return.
   */
  suspend(id: ToolId): Promise<ToolReport> {
    return this.locked(() =>
      retryOnConcurrentWrite(async () => {
        const t = await this.load(id);
        const entry = (await this.ledger.load()).tools[id];
        if (!entry || entry.state !== 'applied') return await this.report(t, { action: 'refused', error: `${t.adapter.name} is not taken over` });
        const key = findToolKey(id, this.opts.home, this.opts.env, entry.keyHash);
        if (key) await stashKey(this.opts.stateDir, id, key);
        const notes: string[] = [];
        if (t.detected) for (const lf of entry.files) await this.restoreFile(t, entry, lf, notes, true);
        const at = (this.opts.now?.() ?? new Date()).toISOString();
        await this.ledger.update((l: Ledger) => {
          const cur = l.tools[id];
          if (cur) {
            cur.state = 'suspended';
            cur.suspendedAt = at;
          }
        });
        return await this.report(await this.load(id), {
          action: 'restored',
          notes: [`suspended: back on its own settings while the gateway is down (key kept)`, ...notes],
        });
      }),
    );
  }

  /**
   * The return (gateway back): take a suspended tool over again, with the same key if the gateway
   * still accepts it, else a fresh one (the old one revoked). A tool the user pointed elsewhere
   * meanwhile is not taken back: the suspension ends and its key is revoked.
   */
  resume(id: ToolId): Promise<ToolReport> {
    return this.locked(async () => {
      const t = await this.load(id);
      const entry = (await this.ledger.load()).tools[id];
      if (!entry || entry.state !== 'suspended') return await this.report(t, { action: 'refused', error: `${t.adapter.name} is not suspended` });
      const ins = t.detected ? await this.inspect(t) : undefined;
      if (!ins || ins.status === 'other-address') {
        const ended = await this.restoreOnce(id, { revoke: true });
        return {
          ...ended,
          action: 'refused',
          error: ins
            ? `${t.adapter.name} was pointed at ${ins.address ?? 'another address'} while the gateway was down; not taken back (run gwctl takeover ${id} --force to)`
            : `${t.adapter.name} is gone (${t.dir}); not taken back`,
        };
      }
      const key = (await readStash(this.opts.stateDir))[id];
      const accepted =
        key !== undefined &&
        (await this.opts.keys.models(key).then(
          () => true,
          () => false,
        ));
      const userBackups = new Map(entry.files.flatMap((f) => (f.userBackup ? [[f.path, f.userBackup] as const] : [])));
      const notes: string[] = [];
      let reuse: { key: string; ref: LedgerEntry['keyRef']; previous: LedgerEntry } | undefined;
      if (accepted && key) reuse = { key, ref: entry.keyRef, previous: entry };
      else {
        const undone = await this.restoreOnce(id, { revoke: true });
        notes.push(...(undone.notes ?? []).map((n) => `old key: ${n}`), 'the gateway no longer accepts the old key: a fresh one was minted');
      }
      const r = await this.takeoverFresh(await this.load(id), notes, { keepBackup: true, force: false, userBackups, ...(reuse ? { reuse } : {}) });
      if (r.action === 'taken-over') await stashKey(this.opts.stateDir, id, undefined);
      return r;
    });
  }

  reconcile(): Promise<ToolReport[]> {
    return this.locked(async () => {
      const ledger = await this.ledger.load();
      const reports: ToolReport[] = [];
      for (const [id, entry] of Object.entries(ledger.tools) as Array<[ToolId, LedgerEntry]>) {
        if (entry.state === 'applied' || entry.state === 'suspended') continue;
        reports.push(await retryOnConcurrentWrite(() => this.restoreOnce(id, { revoke: true })));
      }
      return reports;
    });
  }

  /** `revoke: false` (gwctl uninstall --keep-keys): the tool's key stays live at the gateway. */
  restore(id: ToolId, { revoke = true }: { revoke?: boolean } = {}): Promise<ToolReport> {
    return this.locked(() => retryOnConcurrentWrite(() => this.restoreOnce(id, { revoke })));
  }

  private async restoreOnce(id: ToolId, { revoke, keepUserBackups = false }: { revoke: boolean; keepUserBackups?: boolean }): Promise<ToolReport> {
    const t = await this.load(id);
    const ledger = await this.ledger.load();
    const entry = ledger.tools[id];
    const notes: string[] = [];
    if (!entry) return this.restoreWithoutLedger(t);
    if (entry.state === 'minting') {
      // An earlier takeover stopped while creating its key: gwctl knows at most the name asked for.
      if (!entry.keyRef?.alias) {
        notes.push(
          `an interrupted takeover may have created the key ${this.opts.keys.keyName?.(id) ?? `for ${id}`} in the gateway without recording it; revoke it there if it exists`,
        );
      }
    } else if (entry.state !== 'revoking' && entry.state !== 'suspended') {
      if (!t.detected) {
        notes.push(`${t.dir} no longer exists; nothing to put back`);
      } else {
        for (const lf of entry.files) await this.restoreFile(t, entry, lf, notes, keepUserBackups);
      }
      // The files are back; the entry stays (as 'revoking') until the key is revoked.
      await this.ledger.update((l: Ledger) => {
        const cur = l.tools[id];
        if (cur) {
          cur.state = 'revoking';
          cur.files = [];
        }
      });
    }
    const ref = entry.keyRef;
    let failed: string | undefined;
    if (revoke && ref && (entry.state !== 'minting' || ref.alias)) {
      try {
        const note = await this.opts.keys.release(id, ref);
        if (note) notes.push(note);
      } catch (e) {
        failed = redactKeys((e as Error).message);
        notes.push(pendingNote(ref, failed));
      }
    }
    if (entry.state === 'suspended') {
      await stashKey(this.opts.stateDir, id, undefined);
      notes.push('the suspension ended (the files already held your own settings)');
    }
    await this.ledger.update((l: Ledger) => {
      delete l.tools[id];
      // Not revoked: the key stays known (never its plaintext) until a later attempt succeeds.
      if (failed !== undefined && ref) l.pending.push(pendingOf(id, ref, entry.keyHash, entry.takenOverAt, failed));
    });
    if (failed === undefined && ref?.gateway) notes.push(...(await this.retryPendingAt(ref.gateway)));
    return await this.report(await this.load(id), { action: 'restored', ...(notes.length ? { notes } : {}) });
  }

  /**
   * Keys waiting to be revoked ('revoke-pending'): try each again; the ones revoked leave the
   * ledger. `only` limits the attempt (a gateway root, or one alias/id). Returns a note per key.
   */
  retryPending(only?: { gateway?: string; key?: string }): Promise<string[]> {
    return this.locked(async () => {
      const pending = (await this.ledger.load()).pending.filter(
        (p) =>
          (!only?.gateway || pointsAt(p.keyRef.gateway ?? this.opts.gateway.root, only.gateway)) &&
          (!only?.key || p.keyRef.alias === only.key || p.keyRef.id === only.key),
      );
      const notes: string[] = [];
      for (const p of pending) {
        let error: string | undefined;
        let note: string | undefined;
        try {
          note = await this.opts.keys.release(p.tool, p.keyRef);
        } catch (e) {
          error = redactKeys((e as Error).message);
        }
        const now = (this.opts.now?.() ?? new Date()).toISOString();
        await this.ledger.update((l) => {
          const i = l.pending.findIndex((x) => x.keyRef.alias === p.keyRef.alias && x.keyRef.id === p.keyRef.id && x.keyRef.gateway === p.keyRef.gateway);
          if (i < 0) return;
          if (error === undefined) l.pending.splice(i, 1);
          else l.pending[i] = { ...l.pending[i]!, lastTry: now, error };
        });
        notes.push(
          error === undefined
            ? `revoke-pending key of ${p.tool}: ${note ?? 'revoked'}`
            : `revoke-pending key '${refName(p.keyRef)}' of ${p.tool}: still not revoked (${error})`,
        );
      }
      return notes;
    });
  }

  /** Pending keys minted by the gateway at `root` (the one a command just reached). */
  private async retryPendingAt(root: string): Promise<string[]> {
    const l = await this.ledger.load();
    if (!l.pending.some((p) => pointsAt(p.keyRef.gateway ?? this.opts.gateway.root, root))) return [];
    return this.retryPending({ gateway: root });
  }

  /** What restoring one file would write (or remove), computed without writing. */
  private async computeRestore(t: LoadedTool, entry: LedgerEntry, lf: LedgerFile, notes: string[]) {
    const spec = t.specs.find((s) => s.role === lf.role) ?? { role: lf.role, path: lf.path, format: formatOf(t, lf.role), writable: true };
    const current = await readConfig(lf.path);
    if (!current.exists) {
      notes.push(`${lf.path} is gone; nothing to put back${lf.backupPath ? ` (the original is in ${lf.backupPath})` : ''}`);
      return undefined;
    }
    // The mode from before the takeover comes back, also when values changed since are kept: the
    // takeover narrowed it only because it wrote a key, and that key is gone now.
    const mode = lf.originalMode !== null ? lf.originalMode : current.mode!;
    // Nothing else changed since the takeover: the original bytes go back exactly (nothing to
    // parse or revert: a 2,000-model file is not read slot by slot to arrive at the same bytes).
    if (current.hash === lf.writtenHash && lf.backupPath) {
      const bak = await readConfig(lf.backupPath).catch(() => undefined);
      if (bak?.exists && bak.hash === lf.originalHash) return { spec, current, text: bak.text, mode, remove: false, stillThere: [] };
    }
    const gw: GatewayIdentity = { root: entry.gatewayRoot, baseUrl: this.opts.gateway.baseUrl, providerId: entry.providerId };
    const res = await revertRecordsOffThread(current.text, spec.format, lf.records, entry.gatewayRoot, spec.path);
    let text = res.text;
    const sweep = (t.adapter.sweep?.({ ...t.texts, [lf.role]: text }, gw, entry.providerId, t.ctx) ?? []).filter((e) => e.file === lf.role);
    if (sweep.length) text = applyEdits(text, spec.format, sweep, spec.path).text;
    const editor = editorFor(spec.format);
    const stillThere = res.kept.filter((k) => editor.get(text, k.path, spec.path) !== undefined);
    for (const k of stillThere) notes.push(`${spec.path}: kept ${formatPath(k.path)} as it is (changed since the takeover)`);
    const remove = !lf.existedBefore && isEmptyDocument(text, spec.format, spec.path);
    return { spec, current, text, mode, remove, stillThere };
  }

  /**
   * `restore --dry-run`: each file's text now and after a restore (null: removed), from the
   * ledger, writing nothing and revoking nothing.
   */
  async planRestore(id: ToolId): Promise<RestorePlan> {
    const t = await this.load(id);
    const entry = (await this.ledger.load()).tools[id];
    const notes: string[] = [];
    if (!entry) {
      const ins = await this.inspect(t);
      return {
        files: [],
        notes,
        refused:
          ins.status === 'taken-over'
            ? `gwctl has no record of this takeover: a dry run of a restore without the ledger is not supported (gwctl restore ${id} says what it did)`
            : 'nothing to restore',
      };
    }
    const files: RestorePlan['files'] = [];
    const secrets = new Set<string>();
    for (const lf of entry.files) {
      const r = await this.computeRestore(t, entry, lf, notes);
      if (!r) continue;
      files.push({ path: lf.path, before: r.current.text, after: r.remove ? null : r.text });
      // The tool's key as it stands in the file now (found by its hash), for the caller to mask.
      const editor = editorFor(r.spec.format);
      for (const rec of lf.records) {
        const leaves: string[] = [];
        const walk = (v: unknown): void => {
          if (typeof v === 'string') leaves.push(v);
          else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
        };
        walk(editor.get(r.current.text, rec.path, r.spec.path));
        for (const leaf of leaves) if (hashValue(leaf) === entry.keyHash) secrets.add(leaf);
      }
    }
    notes.push(
      entry.keyRef?.alias || entry.keyRef?.id ? "the tool's virtual key would be revoked" : 'the configured key would be kept (gwctl did not mint it)',
    );
    return { files, notes, secrets: [...secrets] };
  }

  private async restoreFile(t: LoadedTool, entry: LedgerEntry, lf: LedgerFile, notes: string[], keepUserBackups = false): Promise<void> {
    const r = await this.computeRestore(t, entry, lf, notes);
    if (!r) return;
    const { spec, current, text, mode, stillThere } = r;
    if (r.remove) {
      await removeConfig(current, current.hash!);
      notes.push(`${spec.path}: removed (the takeover had created it)`);
      return;
    }
    if (text !== current.text || mode !== current.mode) {
      await writeConfig(current, text, { expectHash: current.hash, mode });
      if (mode !== current.mode && stillThere.length) notes.push(`${spec.path}: mode ${octal(current.mode!)} → ${octal(mode)} put back`);
    }
    if (!keepUserBackups) await this.putBackUserBackup(lf, notes);
  }

  /** Move the user's own `.bak`, set aside as `.bak.N` by the takeover, back in place of gwctl's. */
  private async putBackUserBackup(lf: LedgerFile, notes: string[]): Promise<void> {
    const ub = lf.userBackup;
    if (!ub || !lf.backupPath) return;
    const theirs = await readConfig(ub.path).catch(() => undefined);
    if (!theirs?.exists || theirs.symlink || theirs.hash !== ub.hash) {
      notes.push(`${ub.path} (your own ${lf.backupPath}, set aside by the takeover) ${theirs?.exists ? 'changed since' : 'is gone'}: left as it is`);
      return;
    }
    const ledger = await this.ledger.load();
    const ours = await readConfig(lf.backupPath).catch(() => undefined);
    if (ours?.exists && ledger.backups[lf.backupPath] !== ours.hash) {
      notes.push(`${lf.backupPath} is not gwctl's copy any more: your own .bak stays at ${ub.path}`);
      return;
    }
    await fsp.rename(ub.path, lf.backupPath);
    await this.ledger.update((l) => {
      delete l.backups[lf.backupPath!];
    });
    notes.push(`${lf.backupPath}: your own .bak put back (the takeover had kept it as ${ub.path})`);
  }

  /**
   * No ledger entry (it was moved aside, or the state dir cleaned): if the tool still points
   * here, put back the `.bak` copies when they hold none of gwctl's settings (the originals from
   * before the takeover); else remove the slot (previous values unknown).
   */
  private async restoreWithoutLedger(t: LoadedTool): Promise<ToolReport> {
    if (!t.detected) return await this.report(t, { action: 'nothing-to-restore' });
    const ins = await this.inspect(t);
    if (ins.status !== 'taken-over') return await this.report(t, { action: 'nothing-to-restore' });
    const baks = await this.cleanBackups(t);
    if (baks.length) {
      const notes: string[] = [];
      const known = await this.knownKeyHashes();
      for (const spec of t.specs) {
        const file = t.files.get(spec.role);
        if (!file?.exists || !baks.includes(`${spec.path}.bak`)) continue;
        const bak = await readConfig(`${spec.path}.bak`);
        if (holdsKnownKey(bak.text, known)) continue;
        await writeConfig(file, bak.text, { expectHash: file.hash, mode: bak.mode ?? file.mode! });
        notes.push(
          `${spec.path}: put back ${spec.path}.bak (gwctl has no record of this takeover; the .bak is the copy from before it, so changes made since are not kept)`,
        );
      }
      const after = await this.load(t.adapter.id);
      if ((await this.inspect(after)).status !== 'taken-over') {
        notes.push(
          `the key in the config was not revoked (gwctl had no record of it): if the gateway lists a gwctl-${t.adapter.id}-… key nobody uses, delete it there`,
        );
        return await this.report(after, { action: 'restored', notes });
      }
      t = after;
    }
    const gw = this.opts.gateway;
    const probe: TakeoverTarget = {
      ...gw,
      key: '',
      models: gw.models?.length ? gw.models : [gw.defaultModel ?? 'model'],
      defaultModel: gw.defaultModel ?? 'model',
    };
    const edits = t.adapter.plan(t.texts, probe, t.ctx).filter((e) => e.value !== undefined);
    const notes: string[] = [];
    const byRole = new Map<string, SlotRecord[]>();
    for (const e of edits) {
      const spec = t.specs.find((s) => s.role === e.file);
      const text = t.texts[e.file];
      if (!spec || text == null) continue;
      const current = editorFor(spec.format).get(text, e.path, spec.path);
      if (current === undefined) continue;
      const rec: SlotRecord = { file: e.file, path: e.path, before: undefined, afterHash: hashValue(current), guard: e.guard ?? { kind: 'unchanged' } };
      if (!byRole.has(e.file)) byRole.set(e.file, []);
      byRole.get(e.file)!.push(rec);
    }
    for (const [role, records] of byRole) {
      const spec = t.specs.find((s) => s.role === role)!;
      const file = t.files.get(role)!;
      let { text } = await revertRecordsOffThread(file.text, spec.format, records, gw.root, spec.path);
      const sweep = (t.adapter.sweep?.({ ...t.texts, [role]: text }, gw, gw.providerId, t.ctx) ?? []).filter((e) => e.file === role);
      if (sweep.length) text = applyEdits(text, spec.format, sweep, spec.path).text;
      if (text !== file.text) {
        await writeConfig(file, text, { expectHash: file.hash, mode: file.mode! });
        notes.push(
          `${spec.path}: removed the settings pointing at ${gw.root} (gwctl has no record of this takeover, so earlier values are unknown${file.exists ? `; see ${spec.path}.bak if it exists` : ''})`,
        );
      }
    }
    return await this.report(await this.load(t.adapter.id), { action: notes.length ? 'restored' : 'nothing-to-restore', ...(notes.length ? { notes } : {}) });
  }
}

/** The file a tool's status names: its first writable file that exists, else the first it would create. */
function configPathOf(specs: readonly FileSpec[], dir: string, texts: FileTexts): string {
  const writable = specs.filter((s) => s.writable);
  const existing = writable.find((s) => texts[s.role] != null);
  return (existing ?? writable[0] ?? specs[0])?.path ?? dir;
}

/**
 * A tool's report from its files' texts (`null`: missing). Pure: the engine uses it on what it
 * just read, the agent on exactly the bytes its watcher hashed.
 */
export function reportFromTexts(
  adapter: ToolAdapter<ToolId>,
  ctx: AdapterEnv,
  gw: GatewayIdentity,
  detected: boolean,
  texts: FileTexts,
  inspected?: Inspection,
): ToolReport {
  const loc = adapter.locate(ctx);
  const report: ToolReport = { id: adapter.id, name: adapter.name, status: 'not-detected', configPath: configPathOf(loc.files, loc.dir, texts), address: null };
  if (!detected) return report;
  const ins = inspected ?? adapter.inspect(texts, gw, ctx);
  return { ...report, status: ins.status, address: ins.address ?? null, ...(ins.detail ? { detail: ins.detail } : {}) };
}

/** New records for a rotation, keeping what the first takeover found before each slot. */
function mergeRecords(old: readonly SlotRecord[], fresh: readonly SlotRecord[]): SlotRecord[] {
  const key = (r: SlotRecord) => JSON.stringify(r.path);
  const byPath = new Map(old.map((r) => [key(r), r]));
  const out = fresh.map((r) => {
    const o = byPath.get(key(r));
    if (!o) return r;
    const merged: SlotRecord = { ...r, before: o.before };
    if (o.createdParent) merged.createdParent = o.createdParent;
    else delete merged.createdParent;
    return merged;
  });
  const freshKeys = new Set(fresh.map(key));
  return [...old.filter((r) => !freshKeys.has(key(r))), ...out];
}

/**
 * A config that exists but has 0 bytes is what a tool rewriting it in place leaves for a moment
 * (truncate, then write). For JSON that is never a valid config, so it is refused rather than
 * taken as empty: a takeover on it would lose the tool's settings when its write lands.
 */
function refuseEmptyJson(t: LoadedTool): void {
  for (const spec of t.specs) {
    const f = t.files.get(spec.role);
    if (!spec.writable || !f?.exists || f.text !== '' || !['json', 'jsonc', 'json5'].includes(spec.format)) continue;
    throw new ConfigIoError(
      spec.path,
      'EMPTY',
      'is empty (0 bytes), which is not valid JSON: if the tool is writing it right now, run the command again; if it should be empty, delete it and run the command again',
    );
  }
}

function formatOf(t: LoadedTool, role: string) {
  const spec = t.specs.find((s) => s.role === role);
  if (!spec) throw new Error(`internal: ${t.adapter.id} has no file role '${role}'`);
  return spec.format;
}

/**
 * A file the takeover created may be deleted again when restore leaves nothing in it. A comment
 * (`#`, `//`, `/*`) means someone wrote there since: keep the file.
 */
function isEmptyDocument(text: string, format: FileSpec['format'], file: string): boolean {
  if (text.replace(/^\uFEFF/, '').trim() === '') return true;
  try {
    return Object.keys(editorFor(format).parse(text, file)).length === 0 && !/[#/]/.test(text);
  } catch (e) {
    if (e instanceof ConfigFormatError) return false;
    throw e;
  }
}

function octal(mode: number | null): string {
  return mode === null ? '—' : '0' + mode.toString(8);
}

/** A key's name for messages: alias, else id. */
function refName(ref: KeyRef): string {
  return ref.alias ?? ref.id ?? ref.kind;
}

function pendingOf(tool: ToolId, keyRef: KeyRef, keyHash: string, minted: string, error: string): PendingKey {
  const now = new Date().toISOString();
  return { tool, keyRef, keyHash, minted, since: now, lastTry: now, error: redactKeys(error) };
}

function pendingNote(ref: KeyRef, why: string): string {
  return `could not revoke key '${refName(ref)}'${ref.gateway ? ` at ${ref.gateway}` : ''} (${why}): it is kept as revoke-pending (listed by \`gwctl keys\`), retried when the gateway answers again, or now with \`gwctl keys revoke --pending\``;
}

function redactKeys(message: string): string {
  return redact(message);
}

/** Does `text` hold one of these keys (by hash)? Every token that could be a key is hashed. */
export function holdsKnownKey(text: string, hashes: ReadonlySet<string>): boolean {
  if (!hashes.size) return false;
  for (const m of text.matchAll(/[A-Za-z0-9_\-.~+/]{12,}/g)) if (hashes.has(hashValue(m[0]))) return true;
  return false;
}

/** Keys of suspended tools (0600 in the state dir): written again on the return, never shown. */
const STASH = 'suspended-keys.json';

async function readStash(stateDir: string): Promise<Record<string, string>> {
  const f = await readConfig(join(stateDir, STASH));
  if (!f.exists) return {};
  try {
    const data = JSON.parse(f.text) as unknown;
    return typeof data === 'object' && data !== null && !Array.isArray(data)
      ? Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : {};
  } catch {
    return {};
  }
}

async function stashKey(stateDir: string, id: ToolId, key: string | undefined): Promise<void> {
  const path = join(stateDir, STASH);
  const f = await readConfig(path);
  const data = await readStash(stateDir);
  if (key === undefined) {
    if (!(id in data)) return;
    delete data[id];
  } else data[id] = key;
  if (key !== undefined) registerSecret(key);
  if (!Object.keys(data).length && f.exists) return removeConfig(f, f.hash!);
  await writeConfig(f, JSON.stringify(data) + '\n', { expectHash: f.hash, mode: 0o600 });
}
