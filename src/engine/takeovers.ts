/**
 * What the agent needs to know about gwctl's takeovers, read from the ledger (which stays the
 * engine's: nothing above the engine opens it to decide).
 */
import type { ToolId } from '../adapters/index.ts';
import { readFileSync } from 'node:fs';
import { pathStamp } from '../shared/stamp.ts';
import { ledgerPath, LedgerStore, type LedgerEntry } from './ledger.ts';

export { ledgerPath };

export interface Takeover {
  /** 'applied' once every file is written (see LedgerEntry.state). */
  state: LedgerEntry['state'];
  /** Each file the takeover wrote and the hash of what it wrote. */
  files: Array<{ path: string; writtenHash: string }>;
}

/** The takeover recorded for `tool`, if any. Throws when the ledger cannot be read. */
export async function takeoverOf(stateDir: string, tool: ToolId): Promise<Takeover | undefined> {
  const entry = (await new LedgerStore(stateDir).load()).tools[tool];
  return entry ? { state: entry.state, files: entry.files.map((f) => ({ path: f.path, writtenHash: f.writtenHash })) } : undefined;
}

/** Is any tool taken over (applied)? False when the ledger cannot be read. */
export async function anyTakenOver(stateDir: string): Promise<boolean> {
  const ledger = await new LedgerStore(stateDir).load().catch(() => undefined);
  return !!ledger && Object.values(ledger.tools).some((e) => e?.state === 'applied');
}

/** Are keys waiting to be revoked (revoke-pending)? False when the ledger cannot be read. */
export async function anyPendingRevocation(stateDir: string): Promise<boolean> {
  const ledger = await new LedgerStore(stateDir).load().catch(() => undefined);
  return !!ledger && ledger.pending.length > 0;
}

/** The provider id each taken-over tool was written with (a change of gateway.providerId would orphan them). */
export async function providerIdsInUse(stateDir: string): Promise<Array<{ tool: ToolId; providerId: string }>> {
  const ledger = await new LedgerStore(stateDir).load();
  return Object.values(ledger.tools).flatMap((e) => (e ? [{ tool: e.tool, providerId: e.providerId }] : []));
}

/**
 * The provider id a tool's recorded takeover was written with, read synchronously (the agent's
 * status path): status must recognise a takeover by the id it was made with, also after the
 * configured or default id changed (each kind now has its own default). Undefined: none recorded,
 * or the ledger cannot be read (the engine reports that on its own path).
 */
export function recordedProviderId(stateDir: string, tool: ToolId): string | undefined {
  return recordedTakeover(stateDir, tool)?.providerId;
}

type Recorded = { providerId?: string; state?: string; suspendedAt?: string };

/**
 * What status needs of each entry, from the ledger as it is on disk now: parsed again only when
 * the file's stamp moved. Status asks for it two or three times per tool; a ledger that records a
 * 2,000-model takeover is about half a megabyte, and parsing it each time held the agent's loop
 * for 130 ms per status of all tools.
 */
let recent: { path: string; stamp: string; tools: Map<string, Recorded> } | undefined;

function recordedEntries(stateDir: string): Map<string, Recorded> | undefined {
  const path = ledgerPath(stateDir);
  const stamp = pathStamp(path, 'f');
  if (recent?.path === path && recent.stamp === stamp) return recent.tools;
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as { tools?: Record<string, Record<string, unknown> | undefined> };
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const tools = new Map<string, Recorded>();
    for (const [tool, e] of Object.entries(data.tools ?? {})) {
      if (!e || typeof e !== 'object') continue;
      const out: Recorded = {};
      if (str(e.providerId)) out.providerId = str(e.providerId)!;
      if (str(e.state)) out.state = str(e.state)!;
      if (str(e.suspendedAt)) out.suspendedAt = str(e.suspendedAt)!;
      tools.set(tool, out);
    }
    // The stamp from before the read: a write meanwhile moves it, and the next call reads again.
    recent = { path, stamp, tools };
    return tools;
  } catch {
    return undefined;
  }
}

/** A tool's ledger entry as status needs it (provider id, state, suspended since), read synchronously. */
export function recordedTakeover(stateDir: string, tool: ToolId): Recorded | undefined {
  const e = recordedEntries(stateDir)?.get(tool);
  return e ? { ...e } : undefined;
}

/** Tools the fallback moved back to their own settings (ledger state 'suspended'). */
export async function suspendedTools(stateDir: string): Promise<ToolId[]> {
  const ledger = await new LedgerStore(stateDir).load().catch(() => undefined);
  return ledger ? Object.values(ledger.tools).flatMap((e) => (e?.state === 'suspended' ? [e.tool] : [])) : [];
}

/** Tools taken over now (ledger state 'applied'). */
export async function appliedTools(stateDir: string): Promise<ToolId[]> {
  const ledger = await new LedgerStore(stateDir).load().catch(() => undefined);
  return ledger ? Object.values(ledger.tools).flatMap((e) => (e?.state === 'applied' ? [e.tool] : [])) : [];
}
