/**
 * Floor: shared (bottom): pure helpers with no gwctl dependency. See docs/floors.md.
 *
 * Address comparison: scheme, loopback host spelling, default port and trailing slash normalised.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

export interface NormalisedUrl {
  scheme: string;
  host: string;
  port: string;
  path: string;
}

export function normaliseUrl(raw: string): NormalisedUrl | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const scheme = url.protocol.slice(0, -1);
  const hostname = url.hostname.toLowerCase();
  const host = LOOPBACK.has(hostname) || /^127\./.test(hostname) ? 'loopback' : hostname;
  const port = url.port || (scheme === 'https' ? '443' : '80');
  const path = url.pathname.replace(/\/+$/, '');
  return { scheme, host, port, path };
}

/** True when `address` is the gateway root or any path below it (e.g. root + '/v1'). */
export function pointsAt(address: unknown, gatewayRoot: string): boolean {
  if (typeof address !== 'string') return false;
  const a = normaliseUrl(address);
  const g = normaliseUrl(gatewayRoot);
  if (!a || !g) return false;
  if (a.scheme !== g.scheme || a.host !== g.host || a.port !== g.port) return false;
  return a.path === g.path || a.path.startsWith(g.path + '/');
}

/** Gateway root without a trailing slash. */
export function trimRoot(root: string): string {
  return root.trim().replace(/\/+$/, '');
}

/**
 * Protocol paths gwctl appends to the gateway root itself (`/v1` for OpenAI tools, Bifrost's
 * `/anthropic` and `/genai`, Gemini's `/v1beta`). A root given with one of them at its end would
 * give Codex `…/v1/v1`.
 */
const PROTOCOL_SUFFIX = /\/(v1|v1beta|v1alpha|anthropic|genai|openai|chat\/completions|responses|messages)$/i;

/**
 * Why `raw` is not usable as a gateway root, with the root to give instead; undefined when it is.
 * A path prefix (a gateway behind a reverse proxy at https://host/litellm) is fine.
 */
export function gatewayRootProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return 'it is not a URL (give the gateway root, e.g. http://127.0.0.1:11580)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'it must start with http:// or https://';
  if (u.search || u.hash) return 'the gateway root has no query string or #fragment';
  const path = u.pathname.replace(/\/+$/, '');
  const m = PROTOCOL_SUFFIX.exec(path);
  if (m) {
    const root = trimRoot(`${u.protocol}//${u.host}${path.slice(0, m.index)}`);
    return `it ends in ${m[0]}, a path gwctl adds itself where a tool needs it; give the gateway root: ${root}`;
  }
  return undefined;
}
