/**
 * `ccswitch://` provider links, as gateways emit them from a "Fill CC Switch" button and as
 * CC Switch parses them. Verified against:
 * - farion1231/cc-switch `src-tauri/src/deeplink/parser.rs` (5ca9459d5): scheme `ccswitch`, host
 *   `v1` (the protocol version), path `/import`, query `resource` (`provider`, `prompt`, `mcp`,
 *   `skill`); a provider needs `app` and `name`, `endpoint` (may be comma-separated, each
 *   http(s), `utils.rs validate_url`) and `apiKey` are optional there (v3.8+ can carry a base64
 *   `config` instead), `model`, `haikuModel`, `sonnetModel`, `opusModel` optional.
 * - QuantumNous/new-api `web/src/components/table/tokens/modals/CCSwitchModal.jsx` (0ce83f7a):
 *   `resource=provider&app=claude|codex|gemini&name&endpoint&apiKey=sk-…&model…&homepage&enabled`,
 *   endpoint = server address, plus `/v1` for codex.
 * Pure: no I/O. The key is returned to the caller and never put into an error message.
 */

export interface ProviderLink {
  app: string;
  name: string | undefined;
  /** The gateway root: the endpoint without a trailing `/v1` (or `/`). */
  root: string;
  /** The endpoint as the link gave it (the first, when it lists several). */
  endpoint: string;
  apiKey: string;
  model: string | undefined;
  /** Other endpoints the link listed (not used). */
  otherEndpoints: string[];
}

export class LinkError extends Error {}

export function parseCcSwitchLink(raw: string): ProviderLink {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LinkError(
      'this is not a link: expected ccswitch://v1/import?resource=provider&app=…&endpoint=…&apiKey=… (copy it from the gateway\'s "CC Switch" button)',
    );
  }
  if (url.protocol !== 'ccswitch:') throw new LinkError(`only ccswitch:// links can be imported, not ${url.protocol.replace(/:$/, '')}:// ones`);
  // WHATWG URL keeps `v1` as the host of a non-special scheme: ccswitch://v1/import → host v1, path /import.
  if (url.host !== 'v1') throw new LinkError(`unsupported ccswitch link version '${url.host || '(none)'}': gwctl reads ccswitch://v1/import links`);
  if (url.pathname !== '/import') throw new LinkError(`unsupported ccswitch link path '${url.pathname}': gwctl reads ccswitch://v1/import links`);
  const p = url.searchParams;
  const resource = p.get('resource');
  if (resource !== 'provider') {
    throw new LinkError(
      `this link imports a ${resource ? `'${resource}'` : 'resource it does not name'}; gwctl imports only provider links (resource=provider)`,
    );
  }
  const app = p.get('app') ?? '';
  if (!app) throw new LinkError("the link has no 'app' parameter; it is not a CC Switch provider link");
  const endpoints = (p.get('endpoint') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const apiKey = (p.get('apiKey') ?? '').trim();
  if (!endpoints.length || !apiKey) {
    const missing = [!endpoints.length && 'endpoint', !apiKey && 'apiKey'].filter(Boolean).join(' and ');
    throw new LinkError(
      `the link has no ${missing}${p.has('config') ? ' (it carries a config file instead, which gwctl does not read)' : ''}; copy the link again from the gateway's token page`,
    );
  }
  if (/[\s\0]/.test(apiKey)) throw new LinkError('the apiKey in the link holds spaces or control characters; copy the link again');
  const endpoint = endpoints[0]!;
  let ep: URL;
  try {
    ep = new URL(endpoint);
  } catch {
    throw new LinkError(`the link's endpoint '${endpoint}' is not a URL`);
  }
  if (ep.protocol !== 'http:' && ep.protocol !== 'https:') throw new LinkError(`the link's endpoint must be http(s), not ${ep.protocol.replace(/:$/, '')}:`);
  if (ep.username || ep.password) throw new LinkError("the link's endpoint carries a user name or password; gwctl will not store it in gateway.url");
  if (ep.search || ep.hash) throw new LinkError("the link's endpoint has a query or fragment; it must be the gateway's address");
  const path = ep.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  const root = `${ep.protocol}//${ep.host}${path}`;
  const model = p.get('model')?.trim() || undefined;
  return { app, name: p.get('name') ?? undefined, root, endpoint, apiKey, model, otherEndpoints: endpoints.slice(1) };
}
