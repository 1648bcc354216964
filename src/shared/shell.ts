/**
 * Environment variables as each shell reads them back exactly: `eval "$(…)"` in bash/zsh,
 * `… | source` in fish, `… | Invoke-Expression` in PowerShell. Pure: no gwctl dependencies.
 */

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** POSIX single quotes: nothing inside is special; a `'` is closed, escaped and reopened. */
export function posixQuote(value: string): string {
  return `'${value.split("'").join("'\\''")}'`;
}

/** fish single quotes: only `\\` and `\'` are escapes inside them. */
export function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** PowerShell verbatim strings: a `'` is doubled; nothing else is special. */
export function powershellQuote(value: string): string {
  // Typographic single quotes also close a verbatim string in PowerShell: double them too.
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;
}

/** One line per variable that `shell` evaluates back to exactly these values. */
export function exportLines(vars: ReadonlyArray<readonly [string, string]>, shell: Shell): string {
  return vars
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`'${name}' is not a valid environment variable name`);
      if (value.includes('\0')) throw new Error(`${name}: a value cannot hold a NUL byte`);
      switch (shell) {
        case 'bash':
        case 'zsh':
          return `export ${name}=${posixQuote(value)}`;
        case 'fish':
          return `set -gx ${name} ${fishQuote(value)}`;
        case 'powershell':
          return `$env:${name} = ${powershellQuote(value)}`;
      }
    })
    .join('\n');
}

/** The shell to print for, from `$SHELL` (a login shell path); bash-compatible when unknown. */
export function shellFromEnv(shellPath: string | undefined): Shell {
  const base =
    (shellPath ?? '')
      .split(/[\\/]/)
      .pop()
      ?.replace(/\.exe$/i, '')
      .toLowerCase() ?? '';
  if (base === 'fish') return 'fish';
  if (base === 'zsh') return 'zsh';
  if (base === 'pwsh' || base === 'powershell') return 'powershell';
  return 'bash';
}
