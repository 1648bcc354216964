import { randomBytes } from 'node:crypto';
/** What a gateway kind knows: its default root, health probe, base paths, and its key API. */
import type { Protocol } from '../../adapters/types.ts';
import type { ToolId } from '../../adapters/index.ts';
import type { GatewayClient } from '../client.ts';
import { NOT_JSON, parseGatewayJson } from '../http.ts';
import type { KeyRef } from '../types.ts';

/** What minting and revoking need besides the client. */
export interface KeyContext {
  /** Client for management calls (admin credentials attached). */
  client: GatewayClient;
  /** The tool id, or a named key's name (`env`): goes into the key's metadata/description. */
  tool: string;
  /** The key's name: `gwctl-<tool>-<host>` (already shortened where the kind limits it). */
  name: string;
  hostname: string;
  /** new-api only: the user the access token belongs to. */
  userId?: string;
  /** Called with each name before it is asked for (the ledger records it first: a kill mid-mint leaves a key found by name). */
  onAlias?: (alias: string) => Promise<void>;
  /** Names the new key must not get (the key being rotated out). */
  avoid?: string[];
}

/**
 * One gateway kind: its own file in this directory, declared with its id
 * (`export const x: GatewayKind<'x'> = {…}`), and one line in the list in ./index.ts. Everything
 * that differs between kinds is said here, never by `kind.id === …` elsewhere.
 */
export interface GatewayKind<Id extends string = string> {
  id: Id;
  /** Human name, e.g. "LiteLLM". */
  label: string;
  /** The name written where a tool shows one, unless gateway.displayName says otherwise. */
  displayName: string;
  /** The provider id written into tools' configs unless gateway.providerId says otherwise (its own name). */
  providerId: string;
  /** Its probe answers only on this kind (an endpoint of its own): detection tries it first. */
  signedProbe: boolean;
  /** Kinds that cannot mint: where the user gets the one key every tool uses. */
  keyHelp?: string;
  /** Where it listens out of the box (null: no default, `static`). */
  defaultRoot: string | null;
  /** Base URL per wire protocol. */
  baseUrls(root: string): Record<Protocol, string>;
  /** The probe, for messages: e.g. "GET /health/liveliness". */
  probe: string;
  /** Throws a GatewayError saying what to do when the gateway is not usable. */
  health(client: GatewayClient): Promise<void>;
  /** Does whatever answers at the client's root look like this kind? Never throws. */
  looksLike(client: GatewayClient): Promise<boolean>;
  /** Key API; absent when the kind cannot mint (a configured key is used for every tool). */
  keys?: {
    /** The admin credential is required (LiteLLM master key, new-api access token). */
    adminRequired: boolean;
    /** What the admin credential is, for messages and `gwctl config --help`. */
    adminCredential: string;
    /** The credential belongs to a user whose id goes with it (gateway.userId): how to find it. */
    userIdHelp?: string;
    /** The admin credential may list models (gateway status counts them with it). */
    adminListsModels?: boolean;
    /** Longest key name the gateway accepts. */
    maxName?: number;
    /** Headers carrying the admin credential. */
    adminHeaders(adminKey: string | undefined, userId: string | undefined): Record<string, string>;
    mint(ctx: KeyContext): Promise<{ key: string; ref: KeyRef }>;
    /** 'gone': the gateway no longer had it. Throws when it could not be revoked. */
    revoke(client: GatewayClient, ref: KeyRef, userId: string | undefined): Promise<'revoked' | 'gone'>;
    /** Revoke every key with this exact name (one minted by gwctl, whose id was never recorded). Absent: not supported. */
    revokeByName?(client: GatewayClient, name: string, userId: string | undefined): Promise<'revoked' | 'gone'>;
    /** Requests, tokens and spend of one key over a time range, as the gateway records them. */
    usage?(client: GatewayClient, q: UsageQuery): Promise<KeyUsage>;
    /** When the key was last used, as the gateway records it (null: never, or not in its window). */
    lastUsed?(client: GatewayClient, q: UsageQuery): Promise<Date | null>;
    /** The key's state from the gateway's own records (undefined: it cannot say). */
    state?(client: GatewayClient, q: UsageQuery): Promise<'active' | 'rejected' | undefined>;
  };
}

/** What a usage or key-state question needs: the key's ref, the key itself where the API wants its hash. */
export interface UsageQuery {
  ref: KeyRef;
  /** The plaintext key (LiteLLM files usage under its sha256); undefined when gwctl no longer has it. */
  key: string | undefined;
  since: Date;
  until: Date;
  userId?: string;
}

export interface KeyUsage {
  requests: number;
  tokensIn: number;
  tokensOut: number;
  spend: number | null;
  currency: string | null;
  /** How the gateway counted, when it differs from the range asked (e.g. whole UTC days). */
  note?: string;
}

/** A number from a gateway answer, or 0 when absent; anything else is an error. */
export function num(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new Error(`the gateway answered a ${what} that is not a number`);
}

/** Root, `/v1`, root: what LiteLLM, new-api and ServBay serve. */
export function standardBases(root: string): Record<Protocol, string> {
  return { anthropic: root, openai: `${root}/v1`, gemini: root };
}

/** GET path and test the answer; false on any failure (for detection). */
export async function answers(client: GatewayClient, path: string, test: (status: number, text: string) => boolean): Promise<boolean> {
  try {
    const res = await client.call('GET', path, { auth: false });
    return test(res.status, res.text);
  } catch {
    return false;
  }
}

/** Parsed JSON, or undefined (not JSON, or nested deeper than any gateway answer needs). */
export function parseJson(text: string): unknown {
  const v = parseGatewayJson(text);
  return v === NOT_JSON ? undefined : v;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names tried before random suffixes: `name`, `name-2` … `name-5`. */
export const NUMBERED_NAMES = 5;
/** Attempts in all: after the numbered names, `name-<random>` (names never run out). */
export const NAME_ATTEMPTS = 12;

/** `name`, then `name-2` … `name-5`, then `name-<6 random hex>`; each at most `max` characters. */
export function nameCandidate(name: string, attempt: number, max = Infinity): string {
  const suffix = attempt <= 1 ? '' : attempt <= NUMBERED_NAMES ? `-${attempt}` : `-${randomBytes(3).toString('hex')}`;
  return name.slice(0, Math.max(1, max - suffix.length)).replace(/-+$/, '') + suffix;
}
