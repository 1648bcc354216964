/**
 * Hide secrets in text shown to people (the UI's detail pane): values of keys whose name ends in
 * key/token/secret/password, and anything shaped like an API key (`sk-…`, `key_…`). Pure;
 * no gwctl dependencies.
 */

/** A name that ends in key/token/secret/password/credential(s): `apiKey`, `ANTHROPIC_AUTH_TOKEN`, not `MAX_OUTPUT_TOKENS`. */
const SECRET_NAME = /(key|token|secret|passw(or)?d|credentials?)$/i;
const KEY_SHAPED = /\b(sk|pk|ak|vk|key)[-_][A-Za-z0-9_-]{6,}/gi;
/** `NAME = value`, `"name": value`, `name: value` (dotenv, TOML, JSON/JSONC, YAML-ish). */
const ASSIGNMENT = /^(\s*(?:export\s+)?["']?([A-Za-z0-9_.\-[\]]+)["']?\s*[:=]\s*)(.*?)(,?\s*)$/;

export const MASK = '…redacted';

/** True when a setting of this name holds a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** One line of a config file with any credential in it replaced by {@link MASK}. */
export function maskLine(line: string): string {
  const m = ASSIGNMENT.exec(line);
  if (m && isSecretName(m[2]!) && m[3]!.trim() !== '' && !/^[[{]$/.test(m[3]!.trim())) {
    const value = m[3]!.trim();
    const quote = /^["']/.test(value) ? value[0]! : '';
    const empty = quote ? value.length <= 2 : false;
    if (!empty && value !== 'null' && value !== 'true' && value !== 'false') return `${m[1]}${quote}${MASK}${quote}${m[4]}`;
  }
  return line.replace(KEY_SHAPED, `$1-${MASK}`);
}

/** A value as one line, masked when its slot's name (the last path step) says it is a credential. */
export function maskValue(slot: string, value: unknown): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string' && value !== '' && isSecretName(slot)) return MASK;
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : JSON.stringify(value, (k, v: unknown) => (typeof v === 'string' && v !== '' && isSecretName(k) ? MASK : v));
  return maskLine(text ?? String(value)).replace(KEY_SHAPED, `$1-${MASK}`);
}
