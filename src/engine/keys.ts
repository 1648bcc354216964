/**
 * Every virtual key gwctl knows, for `gwctl keys`, `gwctl usage` and `gwctl test`: one per
 * taken-over tool (from the ledger; the key itself is read back from the tool's config, found by
 * its hash) and the named keys (`gwctl env NAME`, launch keys; from the 0600 secrets store).
 * The key values stay inside this process: callers print aliases only.
 */
import { readConfigSync } from '../configio/io.ts';
import { adapterFor } from '../adapters/index.ts';
import { TOOL_IDS, type ToolId } from '../adapters/index.ts';
import { editorFor } from '../formats/index.ts';
import { hashValue } from '../formats/path.ts';
import type { Format, JsonObject, JsonValue } from '../formats/slot.ts';
import type { ResolvedGateway } from '../gateway/index.ts';
import { request } from '../gateway/http.ts';
import type { UsageQuery } from '../gateway/kinds/types.ts';
import type { KeyRef } from '../gateway/types.ts';
import { namedKeysWithValues } from '../gateway/named-keys.ts';
import { LedgerStore } from './ledger.ts';

export interface KnownKey {
  /** A tool id, or a named key's name. */
  id: string;
  type: 'tool' | 'named';
  /** The key's name in the gateway; null for a configured key (not minted by gwctl). */
  alias: string | null;
  ref: KeyRef | null;
  kind: string;
  created: string;
  gatewayRoot: string;
  /** The plaintext key, when gwctl still has it (never printed). */
  key: string | undefined;
  /** A restore or `keys revoke` could not revoke it yet. */
  revokePending: boolean;
  /** A gwctl was stopped while minting it: gwctl never got the key (named keys). */
  interrupted?: boolean;
}

/** A parsed config file, or undefined when it cannot be read or parsed. */
export function parseConfigFile(path: string, format: Format): JsonObject | undefined {
  let text: string;
  try {
    // The one non-blocking, size-capped reader: a FIFO in a project never stalls doctor.
    const f = readConfigSync(path);
    if (!f.exists) return undefined;
    text = f.text;
  } catch {
    return undefined;
  }
  try {
    return editorFor(format).parse(text, path);
  } catch {
    return undefined;
  }
}

/** Every string value in a parsed document. */
export function allStrings(v: JsonValue | undefined, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) allStrings(x, out);
  return out;
}

/** The key gwctl wrote into a tool's config (found by the ledger's hash), if it is still there. */
export function findToolKey(tool: ToolId, home: string, env: Readonly<Record<string, string | undefined>>, keyHash: string): string | undefined {
  for (const spec of adapterFor(tool).locate({ home, env }).files) {
    const key = allStrings(parseConfigFile(spec.path, spec.format)).find((s) => hashValue(s) === keyHash);
    if (key) return key;
  }
  return undefined;
}

export async function knownKeys(o: {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  stateDir: string;
  configDir: string;
}): Promise<KnownKey[]> {
  const ledger = await new LedgerStore(o.stateDir).load();
  const out: KnownKey[] = [];
  for (const tool of TOOL_IDS) {
    const e = ledger.tools[tool];
    if (!e || e.state === 'minting') continue;
    const ref = e.keyRef && (e.keyRef.alias || e.keyRef.id) ? (e.keyRef as KeyRef) : null;
    out.push({
      id: tool,
      type: 'tool',
      alias: ref ? (ref.alias ?? ref.id ?? null) : null,
      ref,
      kind: e.keyRef?.kind ?? 'unknown',
      created: e.takenOverAt,
      gatewayRoot: e.gatewayRoot,
      key: e.keyHash ? findToolKey(tool, o.home, o.env, e.keyHash) : undefined,
      revokePending: e.state === 'revoking',
    });
  }
  // Tool keys whose revocation failed (a restore with the gateway down): revoke-pending until revoked.
  for (const p of ledger.pending) {
    out.push({
      id: p.tool,
      type: 'tool',
      alias: p.keyRef.alias ?? p.keyRef.id ?? null,
      ref: p.keyRef,
      kind: p.keyRef.kind,
      created: p.minted,
      gatewayRoot: p.keyRef.gateway ?? '',
      key: undefined,
      revokePending: true,
    });
  }
  for (const n of namedKeysWithValues(o.configDir)) {
    out.push({
      id: n.name,
      type: 'named',
      alias: n.alias,
      ref: { kind: n.kind, alias: n.alias, ...(n.id ? { id: n.id } : {}) },
      kind: n.kind,
      created: n.created,
      gatewayRoot: n.url,
      key: n.key || undefined,
      revokePending: n.revokePending === true,
      ...(n.minting ? { interrupted: true } : {}),
    });
  }
  return out;
}

export type KeyState = 'active' | 'rejected' | 'revoke-pending' | 'unknown';

export interface KeyHealth {
  state: KeyState;
  /** Why, in a few words (never the key). */
  why: string;
  lastUsed: string | null | undefined;
}

/** Not this gateway: the key's gateway (root, kind) differs from the configured one. */
export function elsewhere(k: KnownKey, gw: ResolvedGateway): string | undefined {
  if (k.gatewayRoot !== gw.settings.root) return `minted on ${k.gatewayRoot}; the gateway is now ${gw.settings.root}`;
  if (k.ref && k.ref.kind !== gw.kind.id) return `minted on a ${k.ref.kind} gateway; gateway.kind is now ${gw.kind.id}`;
  return undefined;
}

/**
 * A live check: the gateway's own record of the key where its kind has one (Bifrost), then what
 * the tool would see (`GET <openai base>/models` with the key: 2xx active, 401/403 rejected).
 * Last used where the gateway says (LiteLLM: the day; new-api, Bifrost: the time).
 */
export async function checkKey(k: KnownKey, gw: ResolvedGateway, now = new Date()): Promise<KeyHealth> {
  if (k.revokePending)
    return {
      state: 'revoke-pending',
      why: 'a revoke has not gone through yet; run `gwctl keys revoke NAME` again (named keys) or `gwctl keys revoke --pending` (tools; gwctl also retries whenever it reaches their gateway)',
      lastUsed: undefined,
    };
  if (k.interrupted)
    return {
      state: 'unknown',
      why: `a gwctl was stopped while minting it; if the gateway lists '${k.alias}', revoke it there (gwctl keys revoke ${k.id} forgets it)`,
      lastUsed: undefined,
    };
  const other = elsewhere(k, gw);
  if (other) return { state: 'unknown', why: other, lastUsed: undefined };
  const api = gw.kind.keys;
  const q: UsageQuery | undefined = k.ref ? { ref: k.ref, key: k.key, since: new Date(0), until: now, ...(gw.userId ? { userId: gw.userId } : {}) } : undefined;
  let state: KeyState = 'unknown';
  let why = '';
  if (q && api?.state) {
    const s = await api.state(gw.client(), q).catch(() => undefined);
    if (s === 'rejected') return { state: 'rejected', why: `${gw.kind.label} no longer has it, or has disabled it`, lastUsed: undefined };
  }
  if (!k.key) {
    why = k.type === 'tool' ? "the key is no longer in the tool's config" : 'gwctl does not have the key';
  } else {
    try {
      const res = await request(`${gw.settings.baseUrl.openai}/models`, { headers: { authorization: `Bearer ${k.key}` }, timeoutMs: gw.client().timeoutMs });
      if (res.status === 401 || res.status === 403) {
        state = 'rejected';
        why = `HTTP ${res.status} on GET /v1/models`;
      } else if (res.status >= 200 && res.status < 300) {
        state = 'active';
        why = 'accepted by GET /v1/models';
      } else {
        why = `GET /v1/models answered HTTP ${res.status}`;
      }
    } catch (e) {
      why = gw
        .client()
        .scrub((e as Error).message)
        .split(k.key)
        .join('…');
    }
  }
  let lastUsed: string | null | undefined;
  if (q && api?.lastUsed && state !== 'rejected') {
    lastUsed = await api.lastUsed(gw.client(), q).then(
      (d) => (d ? d.toISOString() : null),
      () => undefined,
    );
  }
  return { state, why, lastUsed };
}

export interface KeysContext {
  gateway: ResolvedGateway;
  keys: KnownKey[];
}

/** The configured gateway and every key gwctl knows, from HOME and the environment. */
export async function keysContext(env: Readonly<Record<string, string | undefined>>): Promise<KeysContext> {
  const [{ gwctlPaths, homeFrom }, { configuredGateway }] = await Promise.all([import('../home/paths.ts'), import('../gateway/index.ts')]);
  const home = homeFrom(env);
  const paths = gwctlPaths({ home, env });
  const gateway = configuredGateway(paths.configDir, env);
  return { gateway, keys: await knownKeys({ home, env, stateDir: paths.stateDir, configDir: paths.configDir }) };
}

/** Keys selected by tool id or named-key name (all when none given); unknown names are returned apart. */
export function selectKeys(keys: KnownKey[], wanted: string[]): { selected: KnownKey[]; unknown: string[] } {
  if (!wanted.length) return { selected: keys, unknown: [] };
  return { selected: keys.filter((k) => wanted.includes(k.id)), unknown: wanted.filter((w) => !keys.some((k) => k.id === w)) };
}
