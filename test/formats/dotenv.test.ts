import { describe, expect, it, vi } from 'vitest';
import { dotenvEditor as env } from '../../src/formats/dotenv.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';

const GEMINI_FILE = '/home/u/.gemini/.env';
const QWEN_FILE = '/home/u/.qwen/.env';

const GEMINI = [
  '# Gemini CLI',
  '# key from https://aistudio.google.com/apikey',
  'GEMINI_API_KEY="AIzaSyA-old-key" # personal key',
  '',
  'export GOOGLE_CLOUD_PROJECT=my-project-123',
  'GEMINI_MODEL = gemini-2.5-pro',
  `SYSTEM_PROMPT='You are #1 at "code" review'`,
  'GREETING=`hi # there`',
  '',
].join('\n');

// Qwen Code on Windows: BOM, CRLF, no final newline.
const QWEN = '\uFEFFOPENAI_API_KEY=sk-old\r\nOPENAI_BASE_URL = https://dashscope.aliyuncs.com/compatible-mode/v1\r\nOPENAI_MODEL=qwen3-coder-plus';

const PEM = [
  '# service account',
  'PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA7',
  'this line is part of the key',
  '-----END RSA PRIVATE KEY-----"',
  'GEMINI_API_KEY=abc',
  '',
].join('\n');
const PEM_VALUE = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nthis line is part of the key\n-----END RSA PRIVATE KEY-----';

const DUPLICATES = 'OPENAI_API_KEY=first\n# later override\nexport OPENAI_API_KEY="second"   # wins\nOPENAI_MODEL=qwen3-coder\n';

function formatError(f: () => unknown): ConfigFormatError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFormatError);
    return err as ConfigFormatError;
  }
  throw new Error('expected a ConfigFormatError');
}

describe('dotenvEditor.parse / get', () => {
  it('reads what dotenv reads: comments, export, quotes, inline comments', () => {
    expect(env.parse(GEMINI, GEMINI_FILE)).toEqual({
      GEMINI_API_KEY: 'AIzaSyA-old-key',
      GOOGLE_CLOUD_PROJECT: 'my-project-123',
      GEMINI_MODEL: 'gemini-2.5-pro',
      SYSTEM_PROMPT: 'You are #1 at "code" review',
      GREETING: 'hi # there',
    });
    expect(env.get(GEMINI, ['GEMINI_MODEL'], GEMINI_FILE)).toBe('gemini-2.5-pro');
    expect(env.get(GEMINI, ['MISSING'], GEMINI_FILE)).toBeUndefined();
  });

  it('strips a BOM and reads CRLF files', () => {
    expect(env.parse(QWEN, QWEN_FILE)).toEqual({
      OPENAI_API_KEY: 'sk-old',
      OPENAI_BASE_URL: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
      OPENAI_MODEL: 'qwen3-coder-plus',
    });
  });

  it('reads multiline double-quoted values and lets the last duplicate win', () => {
    expect(env.get(PEM, ['PRIVATE_KEY'], GEMINI_FILE)).toBe(PEM_VALUE);
    expect(env.get(DUPLICATES, ['OPENAI_API_KEY'], QWEN_FILE)).toBe('second');
  });

  it('reads empty files and `\\n` escapes in double quotes', () => {
    expect(env.parse('', GEMINI_FILE)).toEqual({});
    expect(env.parse('\uFEFF', GEMINI_FILE)).toEqual({});
    expect(env.parse('\n\n# only comments\n', GEMINI_FILE)).toEqual({});
    expect(env.get('K="a\\nb"\n', ['K'], GEMINI_FILE)).toBe('a\nb');
  });

  it('neither prints nor touches process.env', () => {
    const log = vi.spyOn(console, 'log');
    const error = vi.spyOn(console, 'error');
    env.parse('GWCTL_DOTENV_TEST_VAR=1\n', GEMINI_FILE);
    expect(process.env.GWCTL_DOTENV_TEST_VAR).toBeUndefined();
    expect(log).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    log.mockRestore();
    error.mockRestore();
  });
});

describe('dotenvEditor.set', () => {
  it('replaces a value in place, keeping quotes and the inline comment', () => {
    expect(env.set(GEMINI, ['GEMINI_API_KEY'], 'sk-test-123', GEMINI_FILE)).toBe(
      GEMINI.replace('GEMINI_API_KEY="AIzaSyA-old-key" # personal key', 'GEMINI_API_KEY="sk-test-123" # personal key'),
    );
  });

  it('keeps `export `, spacing around `=`, single quotes and backticks', () => {
    expect(env.set(GEMINI, ['GOOGLE_CLOUD_PROJECT'], 'other', GEMINI_FILE)).toContain('\nexport GOOGLE_CLOUD_PROJECT=other\n');
    expect(env.set(GEMINI, ['GEMINI_MODEL'], 'gpt-4o', GEMINI_FILE)).toContain('\nGEMINI_MODEL = gpt-4o\n');
    expect(env.set(GEMINI, ['SYSTEM_PROMPT'], 'Be #2', GEMINI_FILE)).toContain(`\nSYSTEM_PROMPT='Be #2'\n`);
    expect(env.set(GEMINI, ['GREETING'], 'yo', GEMINI_FILE)).toContain('\nGREETING=`yo`\n');
  });

  it('switches quotes only when the old style cannot hold the new value', () => {
    expect(env.set(GEMINI, ['SYSTEM_PROMPT'], "it's", GEMINI_FILE)).toContain(`\nSYSTEM_PROMPT="it's"\n`);
    expect(env.set(GEMINI, ['GEMINI_MODEL'], 'a # b', GEMINI_FILE)).toContain('\nGEMINI_MODEL = "a # b"\n');
    expect(env.set('K=x # note\n', ['K'], 'a b', GEMINI_FILE)).toBe('K=a b # note\n');
    expect(env.set('K=x\n', ['K'], '  padded', GEMINI_FILE)).toBe('K="  padded"\n');
    expect(env.set('K=x\n', ['K'], 'say "hi" # now', GEMINI_FILE)).toBe(`K='say "hi" # now'\n`);
    expect(env.set('K=x\n', ['K'], `it's "x" #`, GEMINI_FILE)).toBe('K=`it\'s "x" #`\n');
  });

  it("appends a new variable as the last line with the file's line breaks", () => {
    expect(env.set(GEMINI, ['GOOGLE_GEMINI_BASE_URL'], 'http://127.0.0.1:11580', GEMINI_FILE)).toBe(`${GEMINI}GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:11580\n`);
    // No final newline: the new line goes after a line break and keeps that style.
    expect(env.set(QWEN, ['OPENAI_MODEL_2'], 'gpt-4o', QWEN_FILE)).toBe(`${QWEN}\r\nOPENAI_MODEL_2=gpt-4o`);
    expect(env.set('', ['GEMINI_API_KEY'], 'sk-1', GEMINI_FILE)).toBe('GEMINI_API_KEY=sk-1\n');
    expect(env.set('\uFEFF', ['GEMINI_API_KEY'], 'sk-1', GEMINI_FILE)).toBe('\uFEFFGEMINI_API_KEY=sk-1\n');
  });

  it('quotes new values only when needed', () => {
    expect(env.set('', ['K'], 'sk-abc_DEF-123', GEMINI_FILE)).toBe('K=sk-abc_DEF-123\n');
    expect(env.set('', ['K'], 'http://127.0.0.1:11580/v1?x=1', GEMINI_FILE)).toBe('K=http://127.0.0.1:11580/v1?x=1\n');
    expect(env.set('', ['K'], 'two words', GEMINI_FILE)).toBe('K=two words\n');
    expect(env.set('', ['K'], 'a#b', GEMINI_FILE)).toBe('K="a#b"\n');
    expect(env.set('', ['K'], 'line1\nline2', GEMINI_FILE)).toBe('K="line1\\nline2"\n');
    expect(env.set('', ['K'], 'x\ry', GEMINI_FILE)).toBe('K="x\\ry"\n');
    expect(env.set('', ['K'], '', GEMINI_FILE)).toBe('K=\n');
    expect(env.set('', ['K'], '日本語 ✓', GEMINI_FILE)).toBe('K=日本語 ✓\n');
  });

  it('changes only the effective (last) duplicate', () => {
    expect(env.set(DUPLICATES, ['OPENAI_API_KEY'], 'sk-new', QWEN_FILE)).toBe(
      'OPENAI_API_KEY=first\n# later override\nexport OPENAI_API_KEY="sk-new"   # wins\nOPENAI_MODEL=qwen3-coder\n',
    );
  });

  it('keeps CRLF, the BOM and the missing final newline when replacing', () => {
    expect(env.set(QWEN, ['OPENAI_BASE_URL'], 'http://127.0.0.1:11580/v1', QWEN_FILE)).toBe(
      '\uFEFFOPENAI_API_KEY=sk-old\r\nOPENAI_BASE_URL = http://127.0.0.1:11580/v1\r\nOPENAI_MODEL=qwen3-coder-plus',
    );
    expect(env.set(QWEN, ['OPENAI_MODEL'], 'gpt-4o', QWEN_FILE)).toBe(
      '\uFEFFOPENAI_API_KEY=sk-old\r\nOPENAI_BASE_URL = https://dashscope.aliyuncs.com/compatible-mode/v1\r\nOPENAI_MODEL=gpt-4o',
    );
  });

  it("writes multiline values into a multiline double-quoted slot with the file's line breaks", () => {
    const replaced = env.set(PEM, ['PRIVATE_KEY'], 'sk-1', GEMINI_FILE);
    expect(replaced).toBe('# service account\nPRIVATE_KEY="sk-1"\nGEMINI_API_KEY=abc\n');
    expect(env.set(replaced, ['PRIVATE_KEY'], PEM_VALUE, GEMINI_FILE)).toBe(PEM);
    const crlf = PEM.replace(/\n/g, '\r\n');
    expect(env.set(env.set(crlf, ['PRIVATE_KEY'], 'x', GEMINI_FILE), ['PRIVATE_KEY'], PEM_VALUE, GEMINI_FILE)).toBe(crlf);
    expect(env.set(PEM, ['GEMINI_API_KEY'], 'sk-2', GEMINI_FILE)).toBe(PEM.replace('GEMINI_API_KEY=abc', 'GEMINI_API_KEY=sk-2'));
  });

  it('keeps `\\n` escapes when the slot already uses them', () => {
    expect(env.set('K="a\\nb" # two lines\n', ['K'], 'x\ny\nz', GEMINI_FILE)).toBe('K="x\\ny\\nz" # two lines\n');
  });

  it('fills an empty value after `=`', () => {
    expect(env.set('K=\nL=1\n', ['K'], 'v', GEMINI_FILE)).toBe('K=v\nL=1\n');
    expect(env.set('K= # fill me\n', ['K'], 'v', GEMINI_FILE)).toBe('K=v # fill me\n');
    expect(env.set('K: old\n', ['K'], 'new', GEMINI_FILE)).toBe('K: new\n');
  });

  it('refuses values no quoting can carry, without echoing them', () => {
    const secret = `a'b"c\`d # sk-secret`;
    const err = formatError(() => env.set('K=1\n', ['K'], secret, GEMINI_FILE));
    expect(err.message).toContain(GEMINI_FILE);
    expect(err.message).not.toContain('sk-secret');
    // dotenv always turns `\n` into a line break inside double quotes: a literal backslash-n
    // plus all three quote kinds has no spelling.
    formatError(() => env.set('', ['K'], `\\n'"\` #`, GEMINI_FILE));
  });

  it('is idempotent and restores the original bytes', () => {
    const cases: [string, string, string][] = [
      [GEMINI, 'GEMINI_API_KEY', 'sk-test-123'],
      [GEMINI, 'GOOGLE_GEMINI_BASE_URL', 'http://127.0.0.1:11580'],
      [GEMINI, 'SYSTEM_PROMPT', 'http://127.0.0.1:11580'],
      [QWEN, 'OPENAI_API_KEY', 'sk-test-123'],
      [QWEN, 'OPENAI_BASE_URL', 'http://127.0.0.1:11580/v1'],
      [PEM, 'PRIVATE_KEY', 'sk-test'],
      [DUPLICATES, 'OPENAI_API_KEY', 'sk-test'],
    ];
    for (const [text, key, value] of cases) {
      const once = env.set(text, [key], value, GEMINI_FILE);
      expect(env.get(once, [key], GEMINI_FILE)).toBe(value);
      expect(env.set(once, [key], value, GEMINI_FILE)).toBe(once);
      const old = env.get(text, [key], GEMINI_FILE);
      const back = old === undefined ? env.delete(once, [key], GEMINI_FILE) : env.set(once, [key], old, GEMINI_FILE);
      expect(back).toBe(text);
    }
  });
});

describe('dotenvEditor.delete', () => {
  it('removes the line and nothing else', () => {
    expect(env.delete(GEMINI, ['GEMINI_MODEL'], GEMINI_FILE)).toBe(GEMINI.replace('GEMINI_MODEL = gemini-2.5-pro\n', ''));
    expect(env.delete(GEMINI, ['GOOGLE_CLOUD_PROJECT'], GEMINI_FILE)).toBe(GEMINI.replace('export GOOGLE_CLOUD_PROJECT=my-project-123\n', ''));
  });

  it('removes every line of a multiline value', () => {
    expect(env.delete(PEM, ['PRIVATE_KEY'], GEMINI_FILE)).toBe('# service account\nGEMINI_API_KEY=abc\n');
  });

  it('removes every duplicate so the variable is gone', () => {
    const out = env.delete(DUPLICATES, ['OPENAI_API_KEY'], QWEN_FILE);
    expect(out).toBe('# later override\nOPENAI_MODEL=qwen3-coder\n');
    expect(env.get(out, ['OPENAI_API_KEY'], QWEN_FILE)).toBeUndefined();
  });

  it('keeps a missing final newline, CRLF and the BOM', () => {
    expect(env.delete(QWEN, ['OPENAI_MODEL'], QWEN_FILE)).toBe(
      '\uFEFFOPENAI_API_KEY=sk-old\r\nOPENAI_BASE_URL = https://dashscope.aliyuncs.com/compatible-mode/v1',
    );
    expect(env.delete(QWEN, ['OPENAI_API_KEY'], QWEN_FILE)).toBe(
      '\uFEFFOPENAI_BASE_URL = https://dashscope.aliyuncs.com/compatible-mode/v1\r\nOPENAI_MODEL=qwen3-coder-plus',
    );
    expect(env.delete('K=1', ['K'], QWEN_FILE)).toBe('');
    expect(env.delete('\uFEFFK=1\r\n', ['K'], QWEN_FILE)).toBe('\uFEFF');
  });

  it('returns the same text when the variable is absent', () => {
    expect(env.delete(GEMINI, ['NOPE'], GEMINI_FILE)).toBe(GEMINI);
    expect(env.delete('', ['NOPE'], GEMINI_FILE)).toBe('');
  });

  it('is the exact inverse of appending', () => {
    for (const text of [GEMINI, QWEN, PEM, DUPLICATES, '', '\uFEFF', '\n', 'A=1', '# only a comment', 'A=1\r\n\r\n']) {
      for (const value of ['http://127.0.0.1:11580', 'sk-x', 'a # b', 'multi\nline', '']) {
        const added = env.set(text, ['GWCTL_NEW'], value, GEMINI_FILE);
        expect(env.delete(added, ['GWCTL_NEW'], GEMINI_FILE)).toBe(text);
      }
    }
  });
});

describe('dotenvEditor errors', () => {
  it('names the file and line of a line that is not a setting, without its text', () => {
    const err = formatError(() => env.parse('GEMINI_API_KEY=x\nthis is not env\n', GEMINI_FILE));
    expect(err.line).toBe(2);
    expect(err.file).toBe(GEMINI_FILE);
    expect(err.message).toContain(`${GEMINI_FILE}:2`);
    expect(err.message).not.toContain('this is not env');
    expect(formatError(() => env.parse('\uFEFF# c\r\n\r\nA=1\r\nOPENAI_API_KEY\r\n', QWEN_FILE)).line).toBe(4);
    expect(formatError(() => env.parse('K:value', QWEN_FILE)).line).toBe(1);
    expect(() => env.set('oops\n', ['K'], 'v', GEMINI_FILE)).toThrow(ConfigFormatError);
    expect(() => env.delete('oops\n', ['K'], GEMINI_FILE)).toThrow(ConfigFormatError);
    expect(() => env.get('oops\n', ['K'], GEMINI_FILE)).toThrow(ConfigFormatError);
  });

  it('accepts what is plainly not a mistake', () => {
    // Continuation lines of a quoted value, `export NAME`, comments, blanks, `NAME: value`.
    expect(() => env.parse(PEM, GEMINI_FILE)).not.toThrow();
    expect(env.parse("export PATH_EXTRA\n  # indented comment\n\t\nNOTE: hello there\nS='a\nb'\n", GEMINI_FILE)).toEqual({
      NOTE: 'hello there',
      S: 'a\nb',
    });
  });

  it("reports an unterminated quote's stray lines", () => {
    expect(formatError(() => env.parse('K="abc\nmore text\n', GEMINI_FILE)).line).toBe(2);
  });

  it('supports only a single variable name as the path', () => {
    for (const path of [[], ['a', 'b'], [{ item: 'x' }], [{ match: { id: 'x' } }]] as const) {
      expect(formatError(() => env.set('', path, 'v', GEMINI_FILE)).message).toContain('not supported for .env');
      expect(formatError(() => env.get('', path, GEMINI_FILE)).message).toContain('not supported for .env');
      expect(formatError(() => env.delete('', path, GEMINI_FILE)).message).toContain('not supported for .env');
    }
  });

  it('accepts only string values and valid names', () => {
    for (const value of [1, true, null, ['a'], { a: 'b' }]) formatError(() => env.set('', ['K'], value, GEMINI_FILE));
    for (const name of ['MY KEY', 'K=V', '', '__proto__', 'NAMÉ']) formatError(() => env.set('', [name], 'v', GEMINI_FILE));
  });
});
