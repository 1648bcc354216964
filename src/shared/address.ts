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
