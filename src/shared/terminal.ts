/**
 * Text from outside (a gateway's error message, a project's settings, a file path) must never
 * drive the terminal: escape sequences could retitle it, clear it or hide a line. `visible()`
 * shows every control character as an escape (`\u001b`), keeping line breaks and tabs; applied
 * where gwctl prints. Inside `--json` output those characters are already JSON escapes, except
 * C1 controls and DEL, which JSON.stringify leaves raw: `\u009b` is both visible and valid JSON.
 */

// C0 except \t and \n, DEL, C1, and the Unicode line/paragraph separators and bidi overrides.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(CONTROL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** One line: line breaks and tabs escaped too (table cells, notification titles). */
export function visibleLine(text: string): string {
  return visible(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
}
