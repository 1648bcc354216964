/** Redact anything that looks like a bearer token from text that may reach the user or a log. */
export function redact(text: string): string {
  return text.replace(/\b(sk|pk|ak|vk|key)[-_][A-Za-z0-9_\-]{6,}/gi, '$1-…redacted').slice(0, 600);
}
