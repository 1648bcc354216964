/**
 * Named virtual keys: one key per NAME (`env`, `launch-codex`, …) for programs that are not a
 * taken-over tool (`gwctl env`, `gwctl exec`, `gwctl launch`). Minted once through the gateway
 * kind's key API as `gwctl-<name>-<host>`, kept in gwctl's 0600 secrets store (section
 * `namedKeys`, never the ledger) with the gateway (url, kind) that minted it, and reused while the
 * gateway is the same. Kinds without a key API (servbay, static) hand out the configured key.
 *
 * A key minted on another gateway stays recorded (it is still live there) until it is revoked
 * while that gateway is configured again. A revoke that fails leaves the entry marked
 * `revokePending` (the key is no longer handed out) so that `gwctl keys revoke NAME` can retry.
 */
import { readSecretSection, withSecretsLock, writeSecretSection } from '../home/secrets.ts';
import { redact } from '../shared/redact.ts';
import { requireConfiguredKey, type ResolvedGateway } from './index.ts';
import type { KeyRef } from './types.ts';

const SECTION = 'namedKeys';
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** What the secrets store keeps per named key. `key` is the secret; everything else may be shown. */
interface StoredNamedKey {
  name: string;
  alias: string;
  id?: string;
  kind: string;
  url: string;
  created: string;
  key: string;
  revokePending?: boolean;
  /** Written before the gateway is asked to mint: a gwctl killed meanwhile leaves this behind. */
  minting?: boolean;
}

/** A named key as it may be shown (never the key itself). */
export type NamedKeyInfo = Omit<StoredNamedKey, 'key'>;

export interface NamedKey {
  key: string;
  /** The key's name in the gateway (`gwctl-env-host`), or `gateway.key` for a configured key. */
  alias: string;
  /** True when this call minted it. */
  minted: boolean;
  /** Something the user should know (an earlier interrupted mint), never the key. */
  warning?: string;
}

export const CONFIGURED_ALIAS = 'gateway.key';

export function checkKeyName(name: string): string {
  if (!NAME.test(name)) throw new Error(`key name '${name}' is not valid: use 1-40 lower-case letters, digits, '-' or '_' (e.g. env, my-app)`);
  return name;
}

function read(configDir: string): StoredNamedKey[] {
  const raw = readSecretSection(configDir, SECTION);
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is StoredNamedKey =>
      typeof e === 'object' &&
      e !== null &&
      ['name', 'alias', 'kind', 'url', 'created', 'key'].every((k) => typeof (e as Record<string, unknown>)[k] === 'string'),
  );
}

function write(configDir: string, entries: StoredNamedKey[]): void {
  writeSecretSection(configDir, SECTION, entries.length ? entries : undefined);
}

const sameGateway = (e: StoredNamedKey, gw: ResolvedGateway) => e.kind === gw.kind.id && e.url === gw.settings.root;

function info(e: StoredNamedKey): NamedKeyInfo {
  const { key: _key, ...rest } = e;
  return rest;
}

/**
 * The key named `name` on the configured gateway: the stored one when this gateway minted it,
 * else a new one minted now (and stored before it is returned). Configured key for kinds that
 * cannot mint.
 */
export async function namedKey(gw: ResolvedGateway, configDir: string, name: string): Promise<NamedKey> {
  checkKeyName(name);
  if (!gw.kind.keys) return { key: requireConfiguredKey(gw.kind, gw.settings.root, gw.configuredKey()), alias: CONFIGURED_ALIAS, minted: false };
  const live = (all: StoredNamedKey[]) => all.find((e) => e.name === name && sameGateway(e, gw) && !e.revokePending && !e.minting);
  const found = live(read(configDir));
  if (found) return { key: found.key, alias: found.alias, minted: false };
  return withSecretsLock(configDir, gw.env, async () => {
    // Another gwctl may have minted it while we waited for the lock.
    const again = live(read(configDir));
    if (again) return { key: again.key, alias: again.alias, minted: false };
    // We hold the lock: a `minting` entry of this name and gateway is from a gwctl that was killed
    // between asking the gateway and storing the key. Its key may be live there, unknown to us.
    const stale = read(configDir).find((e) => e.name === name && sameGateway(e, gw) && e.minting);
    const warning = stale
      ? `an earlier gwctl was stopped while minting '${stale.alias}' on ${gw.kind.label} at ${stale.url} (${stale.created}); if the gateway lists that key, revoke it in its UI`
      : undefined;
    const marker: StoredNamedKey = {
      name,
      alias: gw.keyNameFor(name),
      kind: gw.kind.id,
      url: gw.settings.root,
      created: new Date().toISOString(),
      key: '',
      minting: true,
    };
    // Only this call's marker is replaced; a stale one stays listed (`gwctl keys`) until revoked.
    const others = (all: StoredNamedKey[]) => all.filter((e) => !(e.minting && e.name === name && e.created === marker.created && sameGateway(e, gw)));
    write(configDir, [...others(read(configDir)), marker]);
    let minted: { key: string; ref: KeyRef };
    try {
      minted = await gw.mint(name);
    } catch (e) {
      // The kind cleans up what it half-created; nothing of ours to keep.
      write(configDir, others(read(configDir)));
      throw e;
    }
    const { key, ref } = minted;
    const entry: StoredNamedKey = {
      name,
      alias: ref.alias ?? ref.id ?? name,
      ...(ref.id ? { id: ref.id } : {}),
      kind: gw.kind.id,
      url: gw.settings.root,
      created: new Date().toISOString(),
      key,
    };
    try {
      write(configDir, [...others(read(configDir)), entry]);
    } catch (e) {
      // A key gwctl cannot remember must not stay live.
      const undone = await gw.revoke(ref).then(
        () => 'it was revoked again',
        () => `revoke '${entry.alias}' in the gateway's UI`,
      );
      throw new Error(`${(e as Error).message}; the key just minted could not be stored, ${undone}`);
    }
    return { key, alias: entry.alias, minted: true, ...(warning ? { warning } : {}) };
  });
}

/**
 * The named keys with their values, for live checks (`gwctl keys`, `gwctl usage`) inside this
 * process. Never print or log what this returns; show `listNamedKeys` instead.
 */
export function namedKeysWithValues(configDir: string): Array<NamedKeyInfo & { key: string }> {
  return read(configDir).map((e) => ({ ...e }));
}

/** Every named key gwctl holds, on any gateway (never the keys themselves). */
export function listNamedKeys(configDir: string): NamedKeyInfo[] {
  return read(configDir).map(info);
}

export interface RevokeResult {
  /** Entries revoked (or already gone from the gateway) and forgotten. */
  revoked: NamedKeyInfo[];
  /** Entries that stay: minted on another gateway, or the revoke failed (now revokePending). */
  kept: Array<NamedKeyInfo & { why: string }>;
}

/**
 * Revoke the key(s) named `name` minted on the configured gateway and forget them. A failed
 * revoke marks the entry `revokePending`; keys of that name on other gateways are kept and named.
 */
export async function revokeNamedKey(gw: ResolvedGateway, configDir: string, name: string): Promise<RevokeResult> {
  checkKeyName(name);
  return withSecretsLock(configDir, gw.env, async () => {
    const result: RevokeResult = { revoked: [], kept: [] };
    const all = read(configDir);
    const mine = all.filter((e) => e.name === name);
    if (!mine.length) {
      const why = gw.kind.keys
        ? `gwctl holds no key named '${name}'`
        : `${gw.kind.label} cannot mint keys: '${name}' uses the configured key (gateway.key), which gwctl does not revoke`;
      throw new Error(why);
    }
    const outcome = new Map<StoredNamedKey, 'forget' | 'pending'>();
    for (const e of mine) {
      if (e.minting) {
        outcome.set(e, 'forget');
        result.kept.push({
          ...info(e),
          why: `an interrupted mint: gwctl never got this key; if the ${e.kind} gateway at ${e.url} lists '${e.alias}', revoke it in its UI (gwctl forgets it now)`,
        });
        continue;
      }
      if (!sameGateway(e, gw)) {
        result.kept.push({
          ...info(e),
          why: `minted on ${e.kind} at ${e.url}; set gateway.url/gateway.kind back to it and run this again, or revoke '${e.alias}' there`,
        });
        continue;
      }
      try {
        await gw.revoke({ kind: e.kind, alias: e.alias, ...(e.id ? { id: e.id } : {}) });
        outcome.set(e, 'forget');
        result.revoked.push(info(e));
      } catch (err) {
        outcome.set(e, 'pending');
        const msg = redact((err as Error).message)
          .split(e.key)
          .join('…redacted');
        result.kept.push({ ...info(e), revokePending: true, why: `could not revoke '${e.alias}': ${msg}` });
      }
    }
    const next: StoredNamedKey[] = [];
    for (const e of read(configDir)) {
      const o = [...outcome].find(([k]) => k.alias === e.alias && k.url === e.url && k.name === e.name)?.[1];
      if (o === 'forget') continue;
      next.push(o === 'pending' ? { ...e, revokePending: true } : e);
    }
    write(configDir, next);
    return result;
  });
}
