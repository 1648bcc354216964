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
import { adapterFor } from '../adapters/index.ts';
import type { AdapterEnv, FileSpec, FileTexts, GatewayIdentity, Inspection, Status, TakeoverTarget, ToolAdapter } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import { ConcurrentWriteError, ConfigIoError, checkWritable, copyBackup, dirExists, hashText, readConfig, removeConfig, writeConfig, type ConfigFile } from '../configio/io.ts';
import { applyEdits, revertRecords, toSlotRecords, type SlotRecord } from '../formats/apply.ts';
import { editorFor } from '../formats/index.ts';
import { formatPath, hashValue } from '../formats/path.ts';
import { ConfigFormatError, type Edit } from '../formats/slot.ts';
import { registerSecret } from '../shared/redact.ts';
import { checkKey, checkNames } from '../shared/validate.ts';
import type { GatewaySettings, KeySource } from '../gateway/types.ts';
import { pointsAt } from '../shared/address.ts';
import { maskValue } from '../shared/mask.ts';
import { LedgerStore, type Ledger, type LedgerEntry, type LedgerFile } from './ledger.ts';

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
  error?: string;
}

/** What `planTakeover` found: each file's text now (null: absent) and after a takeover. */
export interface TakeoverPlan {
  files: Array<{ path: string; before: string | null; after: string }>;
  notes: string[];
  /** Why there is nothing to plan (not detected, already taken over). */
  refused?: string;
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

  private inspect(t: LoadedTool): Inspection {
    return t.adapter.inspect(t.texts, this.opts.gateway, t.ctx);
  }

  private report(t: LoadedTool, extra: Partial<ToolReport> = {}): ToolReport {
    return { ...reportFromTexts(t.adapter, t.ctx, this.opts.gateway, t.detected, t.texts), ...extra };
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
    return this.report(t);
  }

  async takeover(id: ToolId, { force = false } = {}): Promise<ToolReport> {
    return retryOnConcurrentWrite(() => this.takeoverOnce(id, force));
  }

  private async takeoverOnce(id: ToolId, force: boolean): Promise<ToolReport> {
    const t = await this.load(id);
    const notes: string[] = [];
    if (t.adapter.launchOnly) {
      return this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} is launch-only: it takes a gateway from its environment only, so there is nothing to take over. Run \`gwctl launch ${id}\` to start it pointed at the gateway.`,
      });
    }
    if (!t.detected) {
      return this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} is not detected: ${t.dir} does not exist. Install ${t.adapter.name} and run it once, then take it over.`,
      });
    }
    const before = this.inspect(t);
    const ledger = await this.ledger.load();
    const entry = ledger.tools[id];
    if (before.status === 'taken-over' && entry?.state === 'applied' && pointsAt(entry.gatewayRoot, this.opts.gateway.root)) {
      return this.report(t, { action: 'already-taken-over' });
    }
    if (before.status === 'other-address' && !force) {
      return this.report(t, {
        action: 'refused',
        error: `${t.adapter.name} points at ${before.address ?? 'another address'} (${this.primaryPath(t)}); gwctl will not overwrite it. Run again with --force to take it over anyway (restore puts the old address back).`,
      });
    }
    if (entry) {
      // An earlier takeover (other gateway, or interrupted): undo it first so the ledger keeps
      // the user's true originals rather than our own earlier values.
      const undone = await this.restoreOnce(id, { revoke: true });
      notes.push(...(undone.notes ?? []).map((n) => `earlier takeover undone: ${n}`));
      return this.takeoverFresh(await this.load(id), notes, { keepBackup: true });
    }
    return this.takeoverFresh(t, notes, { keepBackup: false });
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
    const before = this.inspect(t);
    if (before.status === 'taken-over') return { files: [], notes, refused: `${t.adapter.name} already points at this gateway` };
    if (before.status === 'other-address') {
      if (!force) notes.push(`it points at ${before.address ?? 'another address'}: a takeover needs --force (restore puts that address back)`);
    }
    const gw = this.opts.gateway;
    let models: string[] = gw.models ?? [];
    if (t.adapter.protocol === 'openai') {
      try {
        const listed = await (this.opts.keys.peekModels?.() ?? Promise.reject(new Error('no way to list models without a key')));
        if (listed.length) models = listed;
      } catch (e) {
        notes.push(`models: the gateway's list could not be read (${(e as Error).message.slice(0, 120)}); ${models.length ? 'shown with gateway.models' : "shown as MODEL; the takeover writes every model the gateway offers"}`);
      }
    }
    const defaultModel = gw.defaultModel && (models.length === 0 || models.includes(gw.defaultModel)) ? gw.defaultModel : (models[0] ?? gw.defaultModel ?? 'MODEL');
    const target: TakeoverTarget = { ...gw, key: PLACEHOLDER_KEY, models: models.length ? models : [defaultModel], defaultModel };
    const planned = this.renderWrites(t, t.adapter.plan(t.texts, target, t.ctx));
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
    const keyRef = entry.keyRef ? { kind: entry.keyRef.kind, ...(entry.keyRef.alias ? { alias: entry.keyRef.alias } : {}), ...(entry.keyRef.id ? { id: entry.keyRef.id } : {}) } : null;
    return { ledger: { state: entry.state, takenOverAt: entry.takenOverAt, gatewayRoot: entry.gatewayRoot, keyRef, files }, backups };
  }

  private async ensureHealthy(): Promise<void> {
    // One check per engine, and an engine serves one command (CLI or agent request): a gateway
    // that is down or slow costs one timeout for the command, not one per tool.
    this.healthChecked ??= this.opts.keys.health();
    return this.healthChecked;
  }

  private async models(key: string): Promise<string[]> {
    const cached = this.modelCache.get(key);
    if (cached) return cached;
    const p = (async () => {
      let list = await this.opts.keys.models(key);
      if (list.length === 0) list = this.opts.gateway.models ?? [];
      if (list.length === 0) {
        throw new Error(`the gateway at ${this.opts.gateway.root} lists no models (GET ${this.opts.gateway.baseUrl.openai}/models) and none are configured; add a channel in the gateway, or set gateway.models`);
      }
      return list;
    })();
    this.modelCache.set(key, p);
    return p;
  }

  /**
   * `keepBackup`: this is a re-apply over an earlier takeover, so a .bak gwctl made holds the
   * pre-takeover original and must not be replaced.
   */
  private async takeoverFresh(t: LoadedTool, notes: string[], { keepBackup }: { keepBackup: boolean }): Promise<ToolReport> {
    const gw = this.opts.gateway;
    const id = t.adapter.id;
    await this.ensureHealthy();
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
    // Recorded before the key exists, so a crash while minting is named by the next command.
    await this.ledger.update((l) => {
      l.tools[id] = entry;
    });
    let acquired: { key: string; ref: LedgerEntry['keyRef'] };
    try {
      acquired = await this.opts.keys.acquire(id);
    } catch (e) {
      await this.ledger.update((l) => {
        delete l.tools[id];
      });
      throw e;
    }
    const { key, ref } = acquired;
    let committed = false;
    try {
      entry.state = 'applying';
      entry.keyHash = hashValue(key);
      entry.keyRef = ref;
      await this.ledger.update((l) => {
        l.tools[id] = entry;
      });
      const edits = t.adapter.plan(t.texts, await this.target(t, key), t.ctx);
      const planned = this.renderWrites(t, edits);
      // Fail before the first file change (no .bak) if any file cannot be written.
      for (const p of planned) await checkWritable(p.file);
      entry.files = planned.map((p) => p.ledgerFile);
      await this.ledger.update((l) => {
        l.tools[id] = entry;
      });
      const written: Array<{ file: ConfigFile; text: string; hash: string }> = [];
      try {
        for (const p of planned) {
          if (p.file.exists) {
            const bak = await this.backup(p.file, p.ledgerFile.backupPath!, notes, keepBackup);
            if (bak) notes.push(bak);
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
      return this.report(await this.load(id), { action: 'taken-over', ...(notes.length ? { notes } : {}) });
    } finally {
      if (!committed) {
        // Never leave a minted key behind for a takeover that did not happen; the ledger entry
        // goes only once the key is revoked, so a crash in between is reconciled later.
        await this.opts.keys.release(id, ref).catch(() => undefined);
        await this.ledger
          .update((l) => {
            if (l.tools[id]?.takenOverAt === entry.takenOverAt) delete l.tools[id];
          })
          .catch(() => undefined);
      }
    }
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
    const models = checkNames(t.adapter.protocol === 'openai' ? await this.models(key) : (gw.models ?? []), 'model id', source);
    const defaultModel = gw.defaultModel && (models.length === 0 || models.includes(gw.defaultModel)) ? gw.defaultModel : (models[0] ?? gw.defaultModel ?? '');
    if (defaultModel) checkNames([defaultModel], 'model id', source);
    checkNames([gw.displayName], 'display name', "gwctl's setting gateway.displayName");
    checkNames([gw.providerId], 'provider id', "gwctl's setting gateway.providerId");
    return { ...gw, key, models: models.length ? models : [defaultModel].filter(Boolean), defaultModel };
  }

  /**
   * The new text of each file the edits touch (edits applied by the format editors and checked),
   * its mode, and the ledger record of what changed. Writes nothing.
   */
  private renderWrites(t: LoadedTool, edits: Edit[]) {
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
      const { text, applied } = applyEdits(file.text, spec.format, list, spec.path);
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
          records: toSlotRecords(applied),
        },
      });
    }
    return out;
  }

  /** Copy the pre-takeover file to `<file>.bak`; a foreign .bak is kept aside, never overwritten. */
  private async backup(file: ConfigFile, dest: string, notes: string[], keepOurs: boolean): Promise<string | undefined> {
    const ledger = await this.ledger.load();
    const existing = await readConfig(dest).catch((e) => {
      if (e instanceof ConfigIoError && (e.code === 'EISDIR' || e.code === 'NOT_A_FILE' || e.code === 'DANGLING_SYMLINK')) {
        throw new ConfigIoError(dest, e.code, `cannot hold gwctl's backup (${e.message.split(': ').slice(1).join(': ')})`);
      }
      throw e;
    });
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
      while (await fsp.lstat(`${dest}.${n}`).then(() => true, () => false)) n++;
      await fsp.rename(existing.symlink ? existing.path : existing.realPath, `${dest}.${n}`);
      notes.push(`${dest} existed and was not gwctl's: kept it as ${dest}.${n}`);
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
  async rotate(id: ToolId): Promise<ToolReport> {
    return retryOnConcurrentWrite(() => this.rotateOnce(id));
  }

  private async rotateOnce(id: ToolId): Promise<ToolReport> {
    const t = await this.load(id);
    const entry = (await this.ledger.load()).tools[id];
    if (!t.detected || !entry || entry.state !== 'applied' || this.inspect(t).status !== 'taken-over') {
      return this.report(t, { action: 'refused', error: `${t.adapter.name} is not taken over by gwctl; take it over first (gwctl takeover ${id})` });
    }
    await this.ensureHealthy();
    const { key, ref } = await this.opts.keys.acquire(id);
    let committed = false;
    try {
      const planned = this.renderWrites(t, t.adapter.plan(t.texts, await this.target(t, key), t.ctx));
      for (const p of planned) await checkWritable(p.file);
      const files = entry.files.map((old) => ({ ...old }));
      for (const p of planned) {
        const old = files.find((f) => f.role === p.ledgerFile.role);
        const merged: LedgerFile = old
          ? { ...old, writtenHash: p.ledgerFile.writtenHash, records: mergeRecords(old.records, p.ledgerFile.records) }
          : p.ledgerFile;
        if (old) files[files.indexOf(old)] = merged;
        else files.push(merged);
      }
      for (const p of planned) await writeConfig(p.file, p.text, { expectHash: p.file.hash, mode: p.mode });
      await this.ledger.update((l) => {
        l.tools[id] = { ...entry, keyHash: hashValue(key), keyRef: ref, files };
      });
      committed = true;
    } finally {
      if (!committed) await this.opts.keys.release(id, ref).catch(() => undefined);
    }
    const note = await this.opts.keys.release(id, entry.keyRef);
    return this.report(await this.load(id), { action: 'rotated', notes: [note ?? 'new key written; the old key was revoked'] });
  }

  /**
   * Finish what a killed gwctl left half-done: a takeover that stopped while minting or writing
   * is undone (files put back where they are ours, key revoked or named), a restore that stopped
   * before revoking revokes. Returns a report per tool that needed it.
   */
  async reconcile(): Promise<ToolReport[]> {
    const ledger = await this.ledger.load();
    const reports: ToolReport[] = [];
    for (const [id, entry] of Object.entries(ledger.tools) as Array<[ToolId, LedgerEntry]>) {
      if (entry.state === 'applied') continue;
      reports.push(await this.restore(id));
    }
    return reports;
  }

  async restore(id: ToolId): Promise<ToolReport> {
    return retryOnConcurrentWrite(() => this.restoreOnce(id, { revoke: true }));
  }

  private async restoreOnce(id: ToolId, { revoke }: { revoke: boolean }): Promise<ToolReport> {
    const t = await this.load(id);
    const ledger = await this.ledger.load();
    const entry = ledger.tools[id];
    const notes: string[] = [];
    if (!entry) return this.restoreWithoutLedger(t);
    if (entry.state === 'minting') {
      // An earlier takeover stopped while creating its key: gwctl never learned which.
      notes.push(`an interrupted takeover may have created the key ${this.opts.keys.keyName?.(id) ?? `for ${id}`} in the gateway without recording it; revoke it there if it exists`);
    } else if (entry.state !== 'revoking') {
      if (!t.detected) {
        notes.push(`${t.dir} no longer exists; nothing to put back`);
      } else {
        for (const lf of entry.files) await this.restoreFile(t, entry, lf, notes);
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
    if (revoke && entry.state !== 'minting') {
      const note = await this.opts.keys.release(id, entry.keyRef);
      if (note) notes.push(note);
    }
    await this.ledger.update((l: Ledger) => {
      delete l.tools[id];
    });
    return this.report(await this.load(id), { action: 'restored', ...(notes.length ? { notes } : {}) });
  }

  private async restoreFile(t: LoadedTool, entry: LedgerEntry, lf: LedgerFile, notes: string[]): Promise<void> {
    const spec = t.specs.find((s) => s.role === lf.role) ?? { role: lf.role, path: lf.path, format: formatOf(t, lf.role), writable: true };
    const current = await readConfig(lf.path);
    if (!current.exists) {
      notes.push(`${lf.path} is gone; nothing to put back${lf.backupPath ? ` (the original is in ${lf.backupPath})` : ''}`);
      return;
    }
    const gw: GatewayIdentity = { root: entry.gatewayRoot, baseUrl: this.opts.gateway.baseUrl, providerId: entry.providerId };
    const res = revertRecords(current.text, spec.format, lf.records, entry.gatewayRoot, spec.path);
    let text = res.text;
    const sweep = (t.adapter.sweep?.({ ...t.texts, [lf.role]: text }, gw, entry.providerId, t.ctx) ?? []).filter((e) => e.file === lf.role);
    if (sweep.length) text = applyEdits(text, spec.format, sweep, spec.path).text;
    const editor = editorFor(spec.format);
    const stillThere = res.kept.filter((k) => editor.get(text, k.path, spec.path) !== undefined);
    for (const k of stillThere) notes.push(`${spec.path}: kept ${formatPath(k.path)} as it is (changed since the takeover)`);

    // Nothing else changed since the takeover: put the original bytes back exactly.
    if (current.hash === lf.writtenHash && lf.backupPath) {
      const bak = await readConfig(lf.backupPath).catch(() => undefined);
      if (bak?.exists && bak.hash === lf.originalHash) text = bak.text;
    }
    const secretsLeft = stillThere.length > 0;
    const mode = lf.originalMode !== null && !secretsLeft ? lf.originalMode : current.mode!;
    if (!lf.existedBefore && isEmptyDocument(text, spec.format, spec.path)) {
      await removeConfig(current, current.hash!);
      notes.push(`${spec.path}: removed (the takeover had created it)`);
      return;
    }
    if (text !== current.text || mode !== current.mode) {
      await writeConfig(current, text, { expectHash: current.hash, mode });
    }
  }

  /** No ledger entry: if the tool still points here, remove the slot (previous values unknown). */
  private async restoreWithoutLedger(t: LoadedTool): Promise<ToolReport> {
    if (!t.detected) return this.report(t, { action: 'nothing-to-restore' });
    const ins = this.inspect(t);
    if (ins.status !== 'taken-over') return this.report(t, { action: 'nothing-to-restore' });
    const gw = this.opts.gateway;
    const probe: TakeoverTarget = { ...gw, key: '', models: gw.models?.length ? gw.models : [gw.defaultModel ?? 'model'], defaultModel: gw.defaultModel ?? 'model' };
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
      let { text } = revertRecords(file.text, spec.format, records, gw.root, spec.path);
      const sweep = (t.adapter.sweep?.({ ...t.texts, [role]: text }, gw, gw.providerId, t.ctx) ?? []).filter((e) => e.file === role);
      if (sweep.length) text = applyEdits(text, spec.format, sweep, spec.path).text;
      if (text !== file.text) {
        await writeConfig(file, text, { expectHash: file.hash, mode: file.mode! });
        notes.push(`${spec.path}: removed the settings pointing at ${gw.root} (gwctl has no record of this takeover, so earlier values are unknown${file.exists ? `; see ${spec.path}.bak if it exists` : ''})`);
      }
    }
    return this.report(await this.load(t.adapter.id), { action: notes.length ? 'restored' : 'nothing-to-restore', ...(notes.length ? { notes } : {}) });
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
export function reportFromTexts(adapter: ToolAdapter<ToolId>, ctx: AdapterEnv, gw: GatewayIdentity, detected: boolean, texts: FileTexts): ToolReport {
  const loc = adapter.locate(ctx);
  const report: ToolReport = { id: adapter.id, name: adapter.name, status: 'not-detected', configPath: configPathOf(loc.files, loc.dir, texts), address: null };
  if (!detected) return report;
  const ins = adapter.inspect(texts, gw, ctx);
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
    throw new ConfigIoError(spec.path, 'EMPTY', 'is empty (0 bytes), which is not valid JSON: if the tool is writing it right now, run the command again; if it should be empty, delete it and run the command again');
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
