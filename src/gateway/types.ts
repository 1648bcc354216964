/** What the engine needs from a gateway: its settings (no key) and a KeySource. */
import type { GatewayIdentity } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';

export interface GatewaySettings extends GatewayIdentity {
  kind: string;
  providerId: string;
  displayName: string;
  /** Configured default model (else the first the gateway lists). */
  defaultModel?: string;
  /** Configured model list, used when the gateway's list is empty or unavailable. */
  models?: string[];
}

/** What revocation needs (gateway kind, id or alias); never the key. Kept in the ledger. */
export interface KeyRef {
  kind: string;
  id?: string;
  alias?: string;
}

/** Where virtual keys come from, and where they go back (gateway kinds implement this). */
export interface KeySource {
  /** Check the gateway is up; throws with what to do when it is not. */
  health(): Promise<void>;
  /** Every model the gateway offers for `key` (may be empty). */
  models(key: string): Promise<string[]>;
  /** A key for this tool. */
  acquire(tool: ToolId): Promise<{ key: string; ref: KeyRef | null }>;
  /** Give a key back (revoke). Returns a note for the user when nothing could be revoked. */
  release(tool: ToolId, ref: KeyRef | null): Promise<string | undefined>;
  /** The name a key minted for `tool` gets in the gateway (to name one gwctl could not record). */
  keyName?(tool: ToolId): string;
  /** The models the gateway lists without a new key (for a dry run; see Engine.planTakeover). */
  peekModels?(): Promise<string[]>;
}
