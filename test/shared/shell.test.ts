/** Shell quoting (src/shared/shell.ts); bash, zsh and fish are also run for real in test/cli/env.test.ts. */
import { describe, expect, it } from 'vitest';
import { exportLines, fishQuote, posixQuote, powershellQuote, shellFromEnv } from '../../src/shared/shell.ts';

describe('quoting', () => {
  it('POSIX: single quotes, a quote closed, escaped and reopened', () => {
    expect(posixQuote(`it's $HOME`)).toBe(`'it'\\''s $HOME'`);
    expect(posixQuote('')).toBe(`''`);
  });
  it('fish: only backslash and single quote are escaped', () => {
    expect(fishQuote(`a\\b 'c' $d`)).toBe(`'a\\\\b \\'c\\' $d'`);
  });
  it('PowerShell: verbatim strings double every kind of single quote', () => {
    expect(powershellQuote(`it's $env:X \u2019`)).toBe(`'it''s $env:X \u2019\u2019'`);
  });
  it('refuses names a shell would misread and NUL bytes', () => {
    expect(() => exportLines([['A-B', 'x']], 'bash')).toThrow(/not a valid environment variable name/);
    expect(() => exportLines([['A', 'x\0y']], 'fish')).toThrow(/NUL/);
    expect(
      exportLines(
        [
          ['A', 'x'],
          ['B', 'y'],
        ],
        'powershell',
      ),
    ).toBe(`$env:A = 'x'\n$env:B = 'y'`);
  });
  it('the shell from $SHELL, bash-compatible when unknown', () => {
    expect(['/bin/zsh', '/usr/bin/fish', '/opt/pwsh', 'C:\\pwsh.exe', '/bin/sh', undefined].map(shellFromEnv)).toEqual([
      'zsh',
      'fish',
      'powershell',
      'powershell',
      'bash',
      'bash',
    ]);
  });
});
