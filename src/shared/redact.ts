/**
 * Redaction for anything that may reach the user or a log: every secret gwctl handles in this
 * process (minted keys, the admin credential, the configured key, header values it sent) is
 * registered here and masked by VALUE, whatever it looks like; then anything shaped like a
 * bearer token is masked by prefix, for keys gwctl never saw.
 */

const MASK = '…redacted';
const MIN_SECRET = 4;
const secrets = new Set<string>();
let ordered: string[] | undefined;

/** Remember a secret for the life of the process (short values would mask ordinary words). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string') return;
  for (const v of new Set([value, value.trim()])) {
    if (v.length >= MIN_SECRET && !secrets.has(v)) {
      secrets.add(v);
      ordered = undefined;
    }
  }
}

/** Test hook: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  ordered = undefined;
}

/** `text` with every registered secret and anything token-shaped masked, at most 600 characters. */
export function redact(text: string): string {
  let out = String(text);
  if (secrets.size) {
    ordered ??= [...secrets].sort((a, b) => b.length - a.length);
    for (const s of ordered) if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out.replace(/\b(sk|pk|ak|vk|key)[-_][A-Za-z0-9_\-]{6,}/gi, '$1-…redacted').slice(0, 600);
}

/** Like redact, without the length cap (for structured output that is already bounded). */
export function redactAll(text: string): string {
  let out = text;
  if (secrets.size) {
    ordered ??= [...secrets].sort((a, b) => b.length - a.length);
    for (const s of ordered) if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}
