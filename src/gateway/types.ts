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
  /** The model this command was asked for (`--model ID`, GWCTL_GATEWAY_MODEL): set in every tool. */
  model?: string;
}

/** What revocation needs (gateway kind, id or alias); never the key. Kept in the ledger. */
export interface KeyRef {
  kind: string;
  id?: string;
  alias?: string;
  /** Root URL of the gateway that minted the key (absent in ledgers written before it was recorded). */
  gateway?: string;
}

export interface AcquireHooks {
  /** Awaited with each name before it is asked for (the ledger records it: a kill mid-mint leaves a key found by name). */
  onAlias?: (alias: string) => Promise<void>;
  /** Names and ids the new key must not get (the key being rotated out). */
  avoid?: string[];
}

/** Where virtual keys come from, and where they go back (gateway kinds implement this). */
export interface KeySource {
  /** Check the gateway is up; throws with what to do when it is not. */
  health(): Promise<void>;
  /** Every model the gateway offers for `key` (may be empty). */
  models(key: string): Promise<string[]>;
  /** A key for this tool. */
  acquire(tool: ToolId, hooks?: AcquireHooks): Promise<{ key: string; ref: KeyRef | null }>;
  /**
   * Give a key back (revoke), at the gateway that minted it (`ref.gateway`). Returns a note for
   * the user (e.g. a configured key that gwctl does not revoke). Throws when the key could not be
   * revoked: the engine then keeps it as revoke-pending.
   */
  release(tool: ToolId, ref: KeyRef | null): Promise<string | undefined>;
  /** The name a key minted for `tool` gets in the gateway (to name one gwctl could not record). */
  keyName?(tool: ToolId): string;
  /** false: this gateway kind has no key API (a configured key for every tool; nothing to rotate). */
  readonly mints?: boolean;
  /** The models the gateway lists without a new key (for a dry run; see Engine.planTakeover). */
  peekModels?(): Promise<string[]>;
}
