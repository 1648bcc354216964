/**
 * The one check for strings gwctl writes into a tool's config that came from outside (a
 * gateway's minted key, its model ids, a display name). The tools expand their configs
 * (opencode `{file:…}`/`{env:…}`, Crush `$(…)`/`$VAR`, CodeBuddy `${VAR}`), and a line break in
 * a key ends up as a second setting in a `.env` file: so only a conservative alphabet is
 * written, and anything else is refused naming where it came from, never the value.
 */

/** A key: one token of letters, digits and `._~+/=:-`. */
export const KEY_ALPHABET = /^[A-Za-z0-9._~+/=:-]+$/;
export const KEY_MIN = 8;
export const KEY_MAX = 512;
/** Model ids and display names. */
export const NAME_MAX = 256;
/** No control/format characters, nothing any tool expands or a format must escape. */
const NAME_FORBIDDEN = /[\p{C}{}$`\\"]/u;

export class UntrustedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedValueError';
  }
}

export function isSafeKey(v: unknown): v is string {
  return typeof v === 'string' && v.length >= KEY_MIN && v.length <= KEY_MAX && KEY_ALPHABET.test(v);
}

export function isSafeName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= NAME_MAX && v.trim() === v && !NAME_FORBIDDEN.test(v);
}

/** Throws (naming `source`, never the value) unless `key` is a safe key. */
export function checkKey(key: unknown, source: string): string {
  if (isSafeKey(key)) return key;
  const len = typeof key === 'string' ? key.length : 0;
  const why =
    typeof key !== 'string'
      ? 'not a string'
      : len < KEY_MIN || len > KEY_MAX
        ? `${len} characters long (gwctl writes ${KEY_MIN}–${KEY_MAX})`
        : 'not one token of letters, digits and ._~+/=:-';
  throw new UntrustedValueError(
    `${source} gave a key gwctl will not write into a tool's config: it is ${why}; nothing was written (check the gateway, or use a key made of those characters)`,
  );
}

/** Throws unless every id is a safe name; `what` says what they are ("model id", "display name"). */
export function checkNames(values: readonly unknown[], what: string, source: string): string[] {
  const bad = values.findIndex((v) => !isSafeName(v));
  if (bad < 0) return values as string[];
  throw new UntrustedValueError(
    `${source} gave a ${what} gwctl will not write into a tool's config (number ${bad + 1} of ${values.length}: empty, longer than ${NAME_MAX} characters, blank at either end, or holding a control character or one of { } $ \` \\ "); nothing was written (rename it in the gateway, or list the models you want with gwctl config set gateway.models)`,
  );
}
