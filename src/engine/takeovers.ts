/**
 * What the agent needs to know about gwctl's takeovers, read from the ledger (which stays the
 * engine's: nothing above the engine opens it to decide).
 */
import type { ToolId } from '../adapters/index.ts';
import { readFileSync } from 'node:fs';
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

/** A tool's ledger entry as status needs it (provider id, state, suspended since), read synchronously. */
export function recordedTakeover(stateDir: string, tool: ToolId): { providerId?: string; state?: string; suspendedAt?: string } | undefined {
  try {
    const data = JSON.parse(readFileSync(ledgerPath(stateDir), 'utf8')) as { tools?: Record<string, Record<string, unknown> | undefined> };
    const e = data.tools?.[tool];
    if (!e) return undefined;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const out: { providerId?: string; state?: string; suspendedAt?: string } = {};
    if (str(e.providerId)) out.providerId = str(e.providerId)!;
    if (str(e.state)) out.state = str(e.state)!;
    if (str(e.suspendedAt)) out.suspendedAt = str(e.suspendedAt)!;
    return out;
  } catch {
    return undefined;
  }
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
