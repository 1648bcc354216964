/** Virtual key names: `gwctl-<tool>-<host>`, so the gateway's UI shows whose key it is. */
import type { ToolId } from '../adapters/index.ts';

/** The machine's short name, lower-case, safe in a key name (`MacBook-Pro.local` → `macbook-pro`). */
export function shortHost(hostname: string): string {
  const first = hostname.trim().toLowerCase().split('.')[0] ?? '';
  const safe = first
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return safe || 'host';
}

/** `label` is a tool id, or a named key's name (`env`, `launch-codex`). */
export function keyName(label: string, hostname: string, max = Infinity): string {
  return `gwctl-${label}-${shortHost(hostname)}`.slice(0, max).replace(/-+$/, '');
}
