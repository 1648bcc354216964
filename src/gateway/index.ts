/**
 * Floor: gateway, below engine: gateway kinds, keys, health, detection. See docs/floors.md.
 *
 * Gateway kinds and the KeySource the engine uses. `resolveGateway` turns settings and the
 * environment into GatewaySettings (root, base URL per protocol, provider id, models) and a
 * KeySource: health probe, model list, mint a key per tool (or the configured key), revoke.
 */
import { hostname as osHostname } from 'node:os';
import type { ToolId } from '../adapters/index.ts';
import { gwctlPaths } from '../home/paths.ts';
import { readSecret } from '../home/secrets.ts';
import { readSettings, type GatewaySettingsFile } from '../home/settings.ts';
import { gatewayRootProblem, trimRoot } from '../shared/address.ts';
import type { AcquireHooks, GatewaySettings, KeyRef, KeySource } from './types.ts';
import { GatewayClient } from './client.ts';
import { DEFAULT_TIMEOUT_MS, GatewayError } from './http.ts';
import { keyName, shortHost } from './keyname.ts';
import { GATEWAY_KINDS, KINDS, type KindId } from './kinds/index.ts';
import type { GatewayKind } from './kinds/types.ts';
import { listModels, modelIds, notAGateway } from './models.ts';
import { MAX_MODEL_LIST_BYTES, request } from './http.ts';
import { registerSecret } from '../shared/redact.ts';
import { checkKey } from '../shared/validate.ts';

export { GATEWAY_KINDS, KIND_LIST, KINDS, type KindId } from './kinds/index.ts';
export type { GatewayKind } from './kinds/types.ts';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:11580';
/** The provider id of the default kind (each kind has its own: `GatewayKind.providerId`). */
export const DEFAULT_PROVIDER_ID = 'servbay';
export const DEFAULT_KIND: KindId = 'servbay';

export function isKindId(s: string): s is KindId {
  return (GATEWAY_KINDS as readonly string[]).includes(s);
}

export function kindOf(id: string): GatewayKind {
  if (!isKindId(id)) throw new Error(`unknown gateway kind '${id}' (kinds: ${GATEWAY_KINDS.join(', ')}); set gateway.kind or GWCTL_GATEWAY_KIND`);
  return KINDS[id];
}

type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveOptions {
  /** Where secrets.json is (default: gwctl's config dir from HOME/XDG_CONFIG_HOME). */
  configDir?: string;
  /** Machine name for key names (default os.hostname()). */
  hostname?: string;
}

export interface ResolvedGateway {
  settings: GatewaySettings;
  /** The environment it was resolved from (which HOME's state, and so which writer lock). */
  env: Env;
  keys: KeySource;
  kind: GatewayKind;
  /** Where each value came from, for `gwctl gateway status` / `config list`. */
  source: { url: 'env' | 'settings' | 'default'; kind: 'env' | 'settings' | 'default' };
  /** The admin credential (env first, then secrets.json); read when needed. */
  adminKey(): string | undefined;
  /** The configured key for kinds that cannot mint (env first, then secrets.json). */
  configuredKey(): string | undefined;
  /** A client on the gateway root with the admin credential attached. */
  client(timeoutMs?: number): GatewayClient;
  /**
   * Mint a key named `gwctl-<label>-<host>` through the kind's key API (`label`: a tool id or a
   * named key's name). Throws, saying what to set, when the kind cannot mint or lacks credentials.
   */
  mint(label: string): Promise<{ key: string; ref: KeyRef }>;
  /** The name `mint(label)` asks for first (`gwctl-<label>-<host>`, shortened where the kind limits it). */
  keyNameFor(label: string): string;
  /** Revoke a minted key; 'gone' when the gateway no longer had it. Throws when it could not. */
  revoke(ref: KeyRef): Promise<'revoked' | 'gone'>;
  /** new-api: the user the access token belongs to. */
  userId: string | undefined;
}

function timeoutFrom(env: Env): number {
  const n = Number(env.GWCTL_GATEWAY_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_TIMEOUT_MS;
}

function configDirFrom(env: Env): string | undefined {
  const home = env.HOME;
  return home && home.startsWith('/') ? gwctlPaths({ home, env }).configDir : undefined;
}

/** The gateway as configured: gwctl's settings in `configDir`, overridden by GWCTL_GATEWAY_* in `env`. */
export function configuredGateway(configDir: string, env: Env): ResolvedGateway {
  return resolveGateway(readSettings(configDir).gateway, env, { configDir });
}

export function resolveGateway(file: GatewaySettingsFile, env: Env, opts: ResolveOptions = {}): ResolvedGateway {
  const kindId = env.GWCTL_GATEWAY_KIND || file.kind || DEFAULT_KIND;
  const kind = kindOf(kindId);
  const rawRoot = env.GWCTL_GATEWAY_URL || file.url || kind.defaultRoot;
  if (!rawRoot) {
    throw new Error(`a ${kind.id} gateway has no default address; set gateway.url (gwctl config set gateway.url http://127.0.0.1:PORT) or GWCTL_GATEWAY_URL`);
  }
  const problem = gatewayRootProblem(rawRoot);
  if (problem) {
    const from = env.GWCTL_GATEWAY_URL ? 'GWCTL_GATEWAY_URL' : file.url ? 'gateway.url (gwctl config set gateway.url URL)' : `the ${kind.id} default`;
    throw new Error(`gateway URL '${rawRoot}' from ${from} cannot be used: ${problem}`);
  }
  const root = trimRoot(new URL(rawRoot).toString());
  const settings: GatewaySettings = {
    kind: kind.id,
    root,
    baseUrl: kind.baseUrls(root),
    providerId: file.providerId || kind.providerId,
    displayName: file.displayName || kind.displayName,
    ...(file.defaultModel ? { defaultModel: file.defaultModel } : {}),
    // `gwctl takeover --model ID` (GWCTL_GATEWAY_MODEL): the model every tool of this command gets.
    ...(env.GWCTL_GATEWAY_MODEL?.trim() ? { model: env.GWCTL_GATEWAY_MODEL.trim() } : {}),
    ...(file.models?.length ? { models: file.models } : {}),
  };
  const configDir = opts.configDir ?? configDirFrom(env);
  const secret = (name: 'gateway.adminKey' | 'gateway.key') => (configDir ? readSecret(configDir, name) : undefined);
  const registered = (v: string | undefined) => {
    registerSecret(v);
    return v;
  };
  const adminKey = () => registered(env.GWCTL_GATEWAY_ADMIN_KEY?.trim() || secret('gateway.adminKey'));
  const configuredKey = () => registered(env.GWCTL_GATEWAY_KEY?.trim() || secret('gateway.key'));
  const userId = file.userId ? String(file.userId) : undefined;
  const timeoutMs = timeoutFrom(env);
  const minted: string[] = [];
  const client = (t = timeoutMs) => {
    const keyApi = kind.keys;
    return new GatewayClient(root, {
      timeoutMs: t,
      headers: () => keyApi?.adminHeaders(adminKey(), userId) ?? {},
      secrets: () => [quiet(adminKey) ?? '', quiet(configuredKey) ?? '', ...minted],
    });
  };
  const clientFor = (otherRoot: string, other: GatewayKind) =>
    new GatewayClient(otherRoot, {
      timeoutMs,
      headers: () => other.keys?.adminHeaders(adminKey(), userId) ?? {},
      secrets: () => [quiet(adminKey) ?? '', quiet(configuredKey) ?? '', ...minted],
    });
  const deps: KeyDeps = {
    client,
    clientFor,
    adminKey,
    configuredKey,
    userId,
    hostname: opts.hostname ?? osHostname(),
    timeoutMs,
    remember: (k) => {
      registerSecret(k);
      minted.push(k);
    },
  };
  const keys = keySource(kind, settings, deps);
  return {
    settings,
    env,
    keys,
    kind,
    source: {
      url: env.GWCTL_GATEWAY_URL ? 'env' : file.url ? 'settings' : 'default',
      kind: env.GWCTL_GATEWAY_KIND ? 'env' : file.kind ? 'settings' : 'default',
    },
    adminKey,
    configuredKey,
    client,
    mint: (label) => mintKey(kind, settings, deps, label),
    keyNameFor: (label) => keyName(label, deps.hostname, kind.keys?.maxName),
    async revoke(ref) {
      if (!kind.keys || ref.kind !== kind.id) throw new Error(`the key was minted on a ${ref.kind} gateway, but gateway.kind is ${kind.id}`);
      return kind.keys.revoke(client(), ref, userId);
    },
    userId,
  };
}

/** For scrubbing messages: a secrets file that cannot be read is reported elsewhere. */
function quiet(read: () => string | undefined): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

interface KeyDeps {
  client: (timeoutMs?: number) => GatewayClient;
  /** A client for another root and kind (a key minted by a gateway configured earlier). */
  clientFor: (root: string, kind: GatewayKind) => GatewayClient;
  adminKey: () => string | undefined;
  configuredKey: () => string | undefined;
  userId: string | undefined;
  hostname: string;
  timeoutMs: number;
  remember: (key: string) => void;
}

const SET_ADMIN = 'set GWCTL_GATEWAY_ADMIN_KEY, or run `gwctl config set gateway.adminKey` (it reads the value from stdin)';

/** The configured key of a kind that cannot mint, or an error saying where to get and put one. */
export function requireConfiguredKey(kind: GatewayKind, root: string, key: string | undefined): string {
  // Not checked here: `gwctl env` quotes any key for the shell; a takeover checks it (engine).
  if (key) return key;
  throw new GatewayError(
    root,
    `no virtual key: ${kind.keyHelp ?? 'take the key from the gateway'} and pass it as GWCTL_GATEWAY_KEY, or save it with \`gwctl config set gateway.key\` (reads stdin); ${kind.label} cannot mint keys, so every tool uses this one`,
  );
}

async function mintKey(kind: GatewayKind, gw: GatewaySettings, d: KeyDeps, label: string, hooks?: AcquireHooks): Promise<{ key: string; ref: KeyRef }> {
  const api = kind.keys;
  if (!api) throw new GatewayError(gw.root, `${kind.label} cannot mint keys; gwctl uses the configured key (gateway.key)`);
  if (api.adminRequired && !d.adminKey()) {
    throw new GatewayError(gw.root, `gwctl mints a key per tool on ${kind.label} at ${gw.root} and needs ${api.adminCredential}: ${SET_ADMIN}`);
  }
  if (api.userIdHelp && !d.userId) throw new GatewayError(gw.root, api.userIdHelp);
  const name = keyName(label, d.hostname, api.maxName);
  const minted = await api.mint({
    client: d.client(),
    tool: label,
    name,
    hostname: shortHost(d.hostname),
    ...(d.userId ? { userId: d.userId } : {}),
    ...(hooks?.onAlias ? { onAlias: hooks.onAlias } : {}),
    ...(hooks?.avoid ? { avoid: hooks.avoid } : {}),
  });
  d.remember(minted.key);
  try {
    checkKey(minted.key, `${kind.label} at ${gw.root}`);
  } catch (e) {
    // Never leave a key behind that gwctl will not use.
    await api.revoke(d.client(), minted.ref, d.userId).catch(() => undefined);
    throw e;
  }
  // Where it was minted: revocation goes there, whatever gateway.url says later.
  return { key: minted.key, ref: { ...minted.ref, gateway: gw.root } };
}

/** How long the model list health() read stands in for the same request from models(). */
const LISTED_REUSE_MS = 5000;

function keySource(kind: GatewayKind, gw: GatewaySettings, d: KeyDeps): KeySource {
  const label = `${kind.label} at ${gw.root}`;
  // The list health() just read with a key: the next models() for that key takes it instead of
  // asking the same question again (one request less per takeover and re-apply with a configured key).
  let listed: { key: string | undefined; ids: string[]; at: number } | undefined;
  return {
    mints: kind.keys !== undefined,
    async health() {
      await kind.health(d.client());
      // Any web server answers `GET /`: an AI gateway also answers its model list, as JSON.
      const key = d.configuredKey() ?? (kind.keys?.adminListsModels ? d.adminKey() : undefined);
      const url = `${gw.baseUrl.openai}/models`;
      const res = await request(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, maxBytes: MAX_MODEL_LIST_BYTES, timeoutMs: d.timeoutMs });
      const foreign = notAGateway(url, res);
      if (foreign) throw foreign;
      // A gateway that lists models only for a key it minted (new-api, Bifrost) refuses in JSON.
      if (res.status === 401 || res.status === 403) return;
      if (res.status >= 500) {
        // A gateway in trouble; a configured list stands in for its listing (see models()).
        if (gw.models?.length) return;
        throw new GatewayError(url, `GET ${url} answered HTTP ${res.status}; check the gateway's logs`, res.status);
      }
      if (res.status !== 200) {
        throw new GatewayError(
          url,
          `this does not look like an AI gateway (GET ${url} answered HTTP ${res.status}); check gateway.url and gateway.kind (\`gwctl gateway detect\` shows what answers)`,
          res.status,
        );
      }
      listed = { key, ids: modelIds(url, res.json()), at: Date.now() };
    },

    async models(key) {
      const fresh = listed;
      listed = undefined;
      if (fresh && fresh.key === key && Date.now() - fresh.at < LISTED_REUSE_MS) return [...fresh.ids];
      try {
        return await listModels(gw.baseUrl.openai, key, d.timeoutMs);
      } catch (e) {
        // The gateway is up (health passed): a configured list stands in for a broken listing,
        // but not for a key the gateway refuses (the tool could not use it either).
        const status = (e as GatewayError).status;
        if (gw.models?.length && status !== 401 && status !== 403) return gw.models;
        throw e;
      }
    },

    async acquire(tool: ToolId, hooks?: AcquireHooks) {
      const api = kind.keys;
      if (!api) {
        return { key: requireConfiguredKey(kind, gw.root, d.configuredKey()), ref: { kind: kind.id } };
      }
      return mintKey(kind, gw, d, tool, hooks);
    },

    async peekModels() {
      // What `gwctl gateway status` counts: the configured key, or LiteLLM's master key; never a new key.
      const key = d.configuredKey() ?? (kind.keys?.adminListsModels ? d.adminKey() : undefined);
      return listModels(gw.baseUrl.openai, key, d.timeoutMs);
    },

    keyName(tool: ToolId) {
      return kind.keys ? `'${keyName(tool, d.hostname, kind.keys.maxName)}'` : `(the configured ${kind.label} key)`;
    },

    async release(_tool: ToolId, ref: KeyRef | null) {
      const named = ref?.alias ?? ref?.id;
      if (!ref || !named) {
        const was = ref?.kind ?? kind.id;
        return `the configured key was kept: gwctl did not mint it (${was} keys are not minted by gwctl), so nothing was revoked; revoke it in the gateway if no tool needs it`;
      }
      // Revoked where it was minted, whatever gateway.url and gateway.kind say now.
      const mintedBy = isKindId(ref.kind) ? KINDS[ref.kind] : undefined;
      const root = ref.gateway ?? gw.root;
      // A LiteLLM id is the key's 64-hex hash: named by alias; short ids (new-api, Bifrost) are shown.
      const what = `key '${named}'${ref.alias && ref.id && ref.id.length <= 40 ? ` (id ${ref.id})` : ''}`;
      if (!mintedBy?.keys) throw new GatewayError(root, `${what} was minted on a ${ref.kind} gateway, which gwctl cannot revoke keys on: revoke it there`);
      const there = `${mintedBy.label} at ${root}`;
      const client = root === gw.root && mintedBy.id === kind.id ? d.client() : d.clientFor(root, mintedBy);
      let r: 'revoked' | 'gone';
      try {
        r = ref.id ? await mintedBy.keys.revoke(client, ref, d.userId) : await revokeByName(mintedBy, client, ref.alias!, d.userId);
      } catch (e) {
        const why = (e as Error).message;
        const hint = mintedBy.keys.adminRequired && !d.adminKey() ? `; ${SET_ADMIN}` : '';
        throw new GatewayError(root, `could not revoke ${what} on ${there}: ${why}${hint}`);
      }
      return r === 'revoked' ? `revoked ${what} on ${there}` : `${what} was already gone from ${there}`;
    },
  };
}

/** A key known only by the name it was minted under (a kill during minting): revoked by that name. */
async function revokeByName(kind: GatewayKind, client: GatewayClient, name: string, userId: string | undefined): Promise<'revoked' | 'gone'> {
  if (!kind.keys?.revokeByName)
    throw new GatewayError(
      client.root,
      `${kind.label} keys can only be revoked by id, and gwctl never learned this one's: delete the key named '${name}' in ${kind.label}'s UI`,
    );
  return kind.keys.revokeByName(client, name, userId);
}
