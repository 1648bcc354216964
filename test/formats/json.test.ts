import { describe, expect, it } from 'vitest';
import { jsonEditor, jsoncEditor } from '../../src/formats/json.ts';
import { deepEqual, deleteIn, getIn, setIn } from '../../src/formats/path.ts';
import { ConfigFormatError, type FormatEditor, type JsonValue, type SlotPath } from '../../src/formats/slot.ts';

const FILE = '/home/u/.claude/settings.json';
const lines = (...l: string[]): string => l.join('\n');

/** A Claude Code settings.json as users have them: tabs, hooks, plugins, unicode. */
const claude = lines(
  '{',
  '\t"$schema": "https://json.schemastore.org/claude-code-settings.json",',
  '\t"model": "claude-sonnet-4-5",',
  '\t"apiKeyHelper": "~/.claude/anthropic_key.sh",',
  '\t"env": {',
  '\t\t"DISABLE_TELEMETRY": "1",',
  '\t\t"GREETING": "こんにちは — ünïcödé ✓"',
  '\t},',
  '\t"permissions": {',
  '\t\t"allow": ["Bash(npm run lint)", "Read(~/.zshrc)"],',
  '\t\t"deny": [',
  '\t\t\t"Bash(curl:*)",',
  '\t\t\t"Read(./.env)"',
  '\t\t],',
  '\t\t"defaultMode": "acceptEdits"',
  '\t},',
  '\t"hooks": {',
  '\t\t"PreToolUse": [',
  '\t\t\t{',
  '\t\t\t\t"matcher": "Bash",',
  '\t\t\t\t"hooks": [',
  '\t\t\t\t\t{ "type": "command", "command": "echo \\"$CLAUDE_TOOL_INPUT\\" >> ~/.claude/log.txt" }',
  '\t\t\t\t]',
  '\t\t\t}',
  '\t\t]',
  '\t},',
  '\t"enabledPlugins": {',
  '\t\t"formatter@anthropic-tools": true',
  '\t},',
  '\t"statusLine": {',
  '\t\t"type": "command",',
  '\t\t"command": "~/.claude/statusline.sh",',
  '\t\t"padding": 0',
  '\t}',
  '}',
  '',
);

/** Windows-edited file: BOM, CRLF, 4 spaces, no final newline. */
const crlf = '\uFEFF{\r\n    "env": {\r\n        "A": "1"\r\n    },\r\n    "name": "Zoë"\r\n}';

/** opencode.jsonc with line and block comments and trailing commas. */
const opencode = lines(
  '// opencode configuration',
  '{',
  '  "$schema": "https://opencode.ai/config.json",',
  '  /* providers I use */',
  '  "provider": {',
  '    "anthropic": {',
  '      "options": { "apiKey": "{env:ANTHROPIC_API_KEY}" }, // from env',
  '    },',
  '  },',
  '  "model": "anthropic/claude-sonnet-4-5", // default',
  '  "mcp": {},',
  '}',
  '',
);

const compact = '{"model":"gpt-4o","env":{"A":"1"},"list":[1,2]}';

/** set then delete (and the parent the set created) must give back the original bytes. */
function expectInverse(ed: FormatEditor, text: string, path: SlotPath, value: JsonValue): string {
  const doc = ed.parse(text, FILE);
  expect(getIn(doc, path)).toBeUndefined();
  let created = path;
  for (let i = 1; i < path.length; i++) {
    if (getIn(doc, path.slice(0, i)) === undefined) {
      created = path.slice(0, i);
      break;
    }
  }
  const out = ed.set(text, path, value, FILE);
  expect(ed.set(out, path, value, FILE)).toBe(out);
  expect(deepEqual(ed.parse(out, FILE), setIn(doc, path, value))).toBe(true);
  let back = ed.delete(out, path, FILE);
  if (created !== path) back = ed.delete(back, created, FILE);
  expect(back).toBe(text);
  return out;
}

function formatError(fn: () => unknown): ConfigFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigFormatError);
    return e as ConfigFormatError;
  }
  throw new Error('expected a ConfigFormatError');
}

describe('Claude Code settings.json (strict JSON, tabs)', () => {
  it('parses and gets values, arrays by {item} and {match}', () => {
    const doc = jsonEditor.parse(claude, FILE);
    expect(doc.model).toBe('claude-sonnet-4-5');
    expect(jsonEditor.get(claude, ['env', 'GREETING'], FILE)).toBe('こんにちは — ünïcödé ✓');
    expect(jsonEditor.get(claude, ['permissions', 'deny', { item: 'Read(./.env)' }], FILE)).toBe('Read(./.env)');
    expect(jsonEditor.get(claude, ['hooks', 'PreToolUse', { match: { matcher: 'Bash' } }, 'hooks', { match: { type: 'command' } }, 'type'], FILE)).toBe(
      'command',
    );
    expect(jsonEditor.get(claude, ['hooks', 'PreToolUse', { match: { matcher: 'Write' } }], FILE)).toBeUndefined();
    expect(jsonEditor.get(claude, ['model', 'x'], FILE)).toBeUndefined();
  });

  it('adds a key to an existing object on its own line, in tabs', () => {
    const out = expectInverse(jsonEditor, claude, ['env', 'ANTHROPIC_BASE_URL'], 'http://127.0.0.1:11580');
    expect(out).toBe(
      claude.replace(
        '\t\t"GREETING": "こんにちは — ünïcödé ✓"\n',
        '\t\t"GREETING": "こんにちは — ünïcödé ✓",\n\t\t"ANTHROPIC_BASE_URL": "http://127.0.0.1:11580"\n',
      ),
    );
  });

  it('deletes a key with its line (middle and last member)', () => {
    expect(jsonEditor.delete(claude, ['apiKeyHelper'], FILE)).toBe(claude.replace('\t"apiKeyHelper": "~/.claude/anthropic_key.sh",\n', ''));
    const noStatus = jsonEditor.delete(claude, ['statusLine'], FILE);
    expect(noStatus.endsWith('\t"enabledPlugins": {\n\t\t"formatter@anthropic-tools": true\n\t}\n}\n')).toBe(true);
    expect(deepEqual(jsonEditor.parse(noStatus, FILE), deleteIn(jsonEditor.parse(claude, FILE), ['statusLine']))).toBe(true);
  });

  it('appends to a one-line array inline and to a multi-line array on a new line', () => {
    const allow = expectInverse(jsonEditor, claude, ['permissions', 'allow', { item: 'mcp__gateway' }], 'mcp__gateway');
    expect(allow).toBe(claude.replace('"Read(~/.zshrc)"]', '"Read(~/.zshrc)", "mcp__gateway"]'));
    const deny = expectInverse(jsonEditor, claude, ['permissions', 'deny', { item: 'WebFetch' }], 'WebFetch');
    expect(deny).toBe(claude.replace('\t\t\t"Read(./.env)"\n', '\t\t\t"Read(./.env)",\n\t\t\t"WebFetch"\n'));
    expect(jsonEditor.delete(claude, ['permissions', 'deny', { item: 'Read(./.env)' }], FILE)).toBe(
      claude.replace('\t\t\t"Bash(curl:*)",\n\t\t\t"Read(./.env)"\n', '\t\t\t"Bash(curl:*)"\n'),
    );
  });

  it('appends a hook by {match}, pretty-printed at the right depth', () => {
    const value = { matcher: 'Write', hooks: [{ type: 'command', command: 'prettier --write' }] };
    const out = expectInverse(jsonEditor, claude, ['hooks', 'PreToolUse', { match: { matcher: 'Write' } }], value);
    expect(out).toBe(
      claude.replace(
        '\t\t\t\t]\n\t\t\t}\n\t\t]',
        '\t\t\t\t]\n\t\t\t},\n\t\t\t{\n\t\t\t\t"matcher": "Write",\n\t\t\t\t"hooks": [\n\t\t\t\t\t{\n\t\t\t\t\t\t"type": "command",\n\t\t\t\t\t\t"command": "prettier --write"\n\t\t\t\t\t}\n\t\t\t\t]\n\t\t\t}\n\t\t]',
      ),
    );
  });

  it('edits inside a one-line object nested in {match} elements inline', () => {
    const path: SlotPath = ['hooks', 'PreToolUse', { match: { matcher: 'Bash' } }, 'hooks', { match: { type: 'command' } }, 'timeout'];
    const out = expectInverse(jsonEditor, claude, path, 30);
    expect(out).toBe(claude.replace('log.txt" }', 'log.txt", "timeout": 30 }'));
  });

  it('creates missing parents as pretty objects and removes them again', () => {
    const out = expectInverse(jsonEditor, claude, ['gateway', 'servbay', 'url'], 'http://127.0.0.1:11580');
    expect(out).toBe(
      claude.replace(
        '\t\t"padding": 0\n\t}\n}\n',
        '\t\t"padding": 0\n\t},\n\t"gateway": {\n\t\t"servbay": {\n\t\t\t"url": "http://127.0.0.1:11580"\n\t\t}\n\t}\n}\n',
      ),
    );
  });

  it('replaces a string in place with its JSON form, and writing the old value back is byte-identical', () => {
    const out = jsonEditor.set(claude, ['model'], 'gpt-4o "turbo" ✓', FILE);
    expect(out).toBe(claude.replace('"model": "claude-sonnet-4-5"', '"model": "gpt-4o \\"turbo\\" ✓"'));
    expect(jsonEditor.set(out, ['model'], 'claude-sonnet-4-5', FILE)).toBe(claude);
    const pad = jsonEditor.set(claude, ['statusLine', 'padding'], 2, FILE);
    expect(jsonEditor.set(pad, ['statusLine', 'padding'], 0, FILE)).toBe(claude);
  });

  it('replaces an object value and restores it semantically', () => {
    const out = jsonEditor.set(claude, ['env'], { ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580' }, FILE);
    expect(out).toContain('\t"env": {\n\t\t"ANTHROPIC_BASE_URL": "http://127.0.0.1:11580"\n\t},\n');
    const back = jsonEditor.set(out, ['env'], jsonEditor.get(claude, ['env'], FILE) as JsonValue, FILE);
    expect(back).toBe(claude);
  });

  it('setting a value equal to the current one leaves the text alone', () => {
    expect(jsonEditor.set(claude, ['enabledPlugins'], { 'formatter@anthropic-tools': true }, FILE)).toBe(claude);
  });

  it('replaces a non-object on the path by an object, as setIn does', () => {
    const out = jsonEditor.set(claude, ['model', 'id'], 'gpt-4o', FILE);
    expect(out).toBe(claude.replace('"model": "claude-sonnet-4-5"', '"model": {\n\t\t"id": "gpt-4o"\n\t}'));
  });

  it('deleting an absent path returns the text unchanged', () => {
    expect(jsonEditor.delete(claude, ['nope'], FILE)).toBe(claude);
    expect(jsonEditor.delete(claude, ['env', 'NOPE'], FILE)).toBe(claude);
    expect(jsonEditor.delete(claude, ['model', 'x'], FILE)).toBe(claude);
    expect(jsonEditor.delete(claude, ['permissions', 'allow', { item: 'x' }], FILE)).toBe(claude);
  });
});

describe('CRLF file with a BOM', () => {
  it('keeps BOM, CRLF, 4-space indent and the missing final newline', () => {
    const out = expectInverse(jsonEditor, crlf, ['env', 'B'], '2');
    expect(out).toBe('\uFEFF{\r\n    "env": {\r\n        "A": "1",\r\n        "B": "2"\r\n    },\r\n    "name": "Zoë"\r\n}');
    const nested = expectInverse(jsonEditor, crlf, ['model', 'id'], 'gpt-4o');
    expect(nested).toBe(
      '\uFEFF{\r\n    "env": {\r\n        "A": "1"\r\n    },\r\n    "name": "Zoë",\r\n    "model": {\r\n        "id": "gpt-4o"\r\n    }\r\n}',
    );
  });

  it('deleting the only key of an object leaves {}', () => {
    expect(jsonEditor.delete(crlf, ['env', 'A'], FILE)).toBe('\uFEFF{\r\n    "env": {},\r\n    "name": "Zoë"\r\n}');
    expect(jsonEditor.parse(crlf, FILE)).toEqual({ env: { A: '1' }, name: 'Zoë' });
  });
});

describe('opencode.jsonc (comments, trailing commas)', () => {
  it('adds a provider after the trailing comma, keeping the comma style and every comment', () => {
    const provider = {
      npm: '@ai-sdk/openai-compatible',
      name: 'ServBay AI Gateway',
      options: { baseURL: 'http://127.0.0.1:11580/v1' },
      models: { 'gpt-4o': {} },
    };
    const out = expectInverse(jsoncEditor, opencode, ['provider', 'servbay'], provider);
    expect(out).toBe(
      opencode.replace(
        '    },\n  },\n',
        lines(
          '    },',
          '    "servbay": {',
          '      "npm": "@ai-sdk/openai-compatible",',
          '      "name": "ServBay AI Gateway",',
          '      "options": {',
          '        "baseURL": "http://127.0.0.1:11580/v1"',
          '      },',
          '      "models": {',
          '        "gpt-4o": {}',
          '      }',
          '    },',
          '  },',
          '',
        ),
      ),
    );
  });

  it('replaces a value in place, keeping the comment after it', () => {
    const out = jsoncEditor.set(opencode, ['model'], 'servbay/gpt-4o', FILE);
    expect(out).toBe(opencode.replace('"anthropic/claude-sonnet-4-5", // default', '"servbay/gpt-4o", // default'));
    expect(jsoncEditor.set(out, ['model'], 'anthropic/claude-sonnet-4-5', FILE)).toBe(opencode);
  });

  it('expands an empty {} and collapses it back', () => {
    const out = expectInverse(jsoncEditor, opencode, ['mcp', 'gw', 'enabled'], true);
    expect(out).toBe(opencode.replace('  "mcp": {},', '  "mcp": {\n    "gw": {\n      "enabled": true\n    }\n  },'));
  });

  it('adds to a one-line object followed by a comment', () => {
    const out = expectInverse(jsoncEditor, opencode, ['provider', 'anthropic', 'options', 'baseURL'], 'http://127.0.0.1:11580');
    expect(out).toBe(opencode.replace('"{env:ANTHROPIC_API_KEY}" }', '"{env:ANTHROPIC_API_KEY}", "baseURL": "http://127.0.0.1:11580" }'));
  });

  it('deleting a key keeps the comments around it', () => {
    const out = jsoncEditor.delete(opencode, ['model'], FILE);
    expect(out).toBe(opencode.replace('  "model": "anthropic/claude-sonnet-4-5", // default\n', '  // default\n'));
    // The sole member goes with its trailing comma, and the object collapses back to {}.
    expect(jsoncEditor.delete(opencode, ['provider', 'anthropic'], FILE)).toBe(
      opencode.replace('{\n    "anthropic": {\n      "options": { "apiKey": "{env:ANTHROPIC_API_KEY}" }, // from env\n    },\n  }', '{}'),
    );
  });

  it('never joins text onto a line that ends in a // comment', () => {
    const text = '{\n  "a": 1, // keep\n  "b": 2}';
    const out = jsoncEditor.delete(text, ['b'], FILE);
    expect(out).toBe('{\n  "a": 1 // keep\n  }');
    expect(jsoncEditor.parse(out, FILE)).toEqual({ a: 1 });
  });

  it('a comment-only file is an empty document', () => {
    const text = '// nothing configured yet\n';
    expect(jsoncEditor.parse(text, FILE)).toEqual({});
    expect(jsoncEditor.set(text, ['model'], 'gpt-4o', FILE)).toBe('// nothing configured yet\n{\n  "model": "gpt-4o"\n}\n');
  });
});

describe('compact and empty documents', () => {
  it('keeps a minified document minified', () => {
    expect(expectInverse(jsonEditor, compact, ['env', 'B'], '2')).toBe('{"model":"gpt-4o","env":{"A":"1","B":"2"},"list":[1,2]}');
    expect(expectInverse(jsonEditor, compact, ['new', 'x'], { y: [1, 'z'] })).toBe('{"model":"gpt-4o","env":{"A":"1"},"list":[1,2],"new":{"x":{"y":[1,"z"]}}}');
    expect(expectInverse(jsonEditor, compact, ['list', { item: 3 }], 3)).toBe('{"model":"gpt-4o","env":{"A":"1"},"list":[1,2,3]}');
  });

  it('keeps a one-line spaced document on one line', () => {
    const spaced = '{ "a": 1, "b": [], "c": {} }\n';
    expect(expectInverse(jsonEditor, spaced, ['b', { item: 'x' }], 'x')).toBe('{ "a": 1, "b": ["x"], "c": {} }\n');
    expect(expectInverse(jsonEditor, spaced, ['c', 'k'], { deep: true })).toBe('{ "a": 1, "b": [], "c": {"k": {"deep": true}} }\n');
  });

  it('expands {} with the default two-space indent', () => {
    expect(expectInverse(jsonEditor, '{}', ['a'], 1)).toBe('{\n  "a": 1\n}');
    expect(expectInverse(jsonEditor, '{}\n', ['a', 'b'], [1])).toBe('{\n  "a": {\n    "b": [\n      1\n    ]\n  }\n}\n');
  });

  it('an empty object spread over lines survives a set and delete byte for byte', () => {
    const text = '{\n  "env": {\n  }\n}\n';
    expect(expectInverse(jsonEditor, text, ['env', 'K'], 'v')).toBe('{\n  "env": { "K": "v"\n  }\n}\n');
  });

  it('an empty or blank file is {} and set creates the document', () => {
    for (const ed of [jsonEditor, jsoncEditor]) {
      expect(ed.parse('', FILE)).toEqual({});
      expect(ed.parse(' \n\t\n', FILE)).toEqual({});
      expect(ed.parse('\uFEFF', FILE)).toEqual({});
      expect(ed.get('', ['env', 'A'], FILE)).toBeUndefined();
      expect(ed.delete('', ['env'], FILE)).toBe('');
      expect(ed.set('', ['key'], 'value', FILE)).toBe('{\n  "key": "value"\n}\n');
      expect(ed.set('', ['env', 'ANTHROPIC_BASE_URL'], 'http://127.0.0.1:11580', FILE)).toBe(
        '{\n  "env": {\n    "ANTHROPIC_BASE_URL": "http://127.0.0.1:11580"\n  }\n}\n',
      );
    }
  });
});

describe('arrays of objects and primitives', () => {
  const models = lines(
    '{',
    '  "availableModels": ["gpt-4o"],',
    '  "models": [',
    '    { "id": "gpt-4o", "name": "GPT-4o" },',
    '    { "id": "qwen3-coder", "name": "Qwen" }',
    '  ]',
    '}',
  );

  it('edits a field of the element a {match} selects', () => {
    const out = jsonEditor.set(models, ['models', { match: { id: 'qwen3-coder' } }, 'name'], 'Qwen3 Coder', FILE);
    expect(out).toBe(models.replace('"name": "Qwen"', '"name": "Qwen3 Coder"'));
  });

  it('appends a missing element and deletes it again', () => {
    const out = expectInverse(jsonEditor, models, ['models', { match: { id: 'claude' } }], { id: 'claude', name: 'Claude' });
    expect(out).toBe(models.replace('"name": "Qwen" }\n', '"name": "Qwen" },\n    {\n      "id": "claude",\n      "name": "Claude"\n    }\n'));
  });

  it('deletes the first, the last and the only element', () => {
    expect(jsonEditor.delete(models, ['models', { match: { id: 'gpt-4o' } }], FILE)).toBe(models.replace('    { "id": "gpt-4o", "name": "GPT-4o" },\n', ''));
    expect(jsonEditor.delete(models, ['models', { match: { id: 'qwen3-coder' } }], FILE)).toBe(
      models.replace('"GPT-4o" },\n    { "id": "qwen3-coder", "name": "Qwen" }\n', '"GPT-4o" }\n'),
    );
    expect(jsonEditor.delete(models, ['availableModels', { item: 'gpt-4o' }], FILE)).toBe(models.replace('["gpt-4o"]', '[]'));
    const one = '{\n  "list": [\n    "x"\n  ]\n}';
    expect(jsonEditor.delete(one, ['list', { item: 'x' }], FILE)).toBe('{\n  "list": []\n}');
  });
});

describe('duplicate keys (last wins, as JSON.parse)', () => {
  const dup = '{\n  "model": "a",\n  "env": { "X": "1" },\n  "model": "b",\n  "env": { "Y": "2" }\n}';

  it('get and set act on the last occurrence', () => {
    expect(jsonEditor.parse(dup, FILE)).toEqual(JSON.parse(dup));
    expect(jsonEditor.get(dup, ['model'], FILE)).toBe('b');
    expect(jsonEditor.get(dup, ['env', 'X'], FILE)).toBeUndefined();
    expect(jsonEditor.set(dup, ['model'], 'c', FILE)).toBe(dup.replace('"model": "b"', '"model": "c"'));
    const out = jsonEditor.set(dup, ['env', 'Z'], '3', FILE);
    expect(out).toBe(dup.replace('{ "Y": "2" }', '{ "Y": "2", "Z": "3" }'));
    expect(jsonEditor.delete(out, ['env', 'Z'], FILE)).toBe(dup);
  });

  it('deleting a duplicated key is refused with its position', () => {
    const err = formatError(() => jsonEditor.delete(dup, ['model'], FILE));
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(4);
    expect(err.message).toContain('more than once');
  });
});

describe('malformed input', () => {
  const secret = 'sk-very-secret-key';

  it('a truncated file names the file and the line', () => {
    const err = formatError(() => jsonEditor.parse(`{\n  "env": {\n    "KEY": "${secret}"\n`, FILE));
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(4);
    expect(err.message.startsWith(`${FILE}:4:`)).toBe(true);
    expect(err.message).not.toContain(secret);
  });

  it('strict JSON rejects comments and trailing commas, JSONC accepts them', () => {
    const withComment = `{\n  "a": 1, // note\n  "key": "${secret}"\n}`;
    const c = formatError(() => jsonEditor.parse(withComment, FILE));
    expect([c.line, c.column]).toEqual([2, 11]);
    expect(c.message).toContain('comments are not allowed');
    expect(c.message).not.toContain(secret);
    const t = formatError(() => jsonEditor.set(`{\n  "key": "${secret}",\n}`, ['a'], 1, FILE));
    expect(t.line).toBe(3);
    expect(t.message).toContain('trailing commas are not allowed');
    expect(jsoncEditor.parse(withComment, FILE)).toEqual({ a: 1, key: secret });
    expect(jsoncEditor.parse(`{\n  "key": "${secret}",\n}`, FILE)).toEqual({ key: secret });
  });

  it('a top level that is not an object is refused', () => {
    for (const text of ['[1, 2]', '"text"', '42', 'null', '\n\ntrue']) {
      for (const ed of [jsonEditor, jsoncEditor]) {
        const err = formatError(() => ed.get(text, ['a'], FILE));
        expect(err.message).toContain('not a JSON object');
        expect(err.line).toBe(text.startsWith('\n') ? 3 : 1);
      }
    }
  });

  it('garbage after the object, unquoted keys and bad numbers are errors in both formats', () => {
    for (const text of ['{"a": 1} x', '{a: 1}', '{"a": 01}', '{"a": .5}', `{"a": "x\ty"}`]) {
      for (const ed of [jsonEditor, jsoncEditor]) {
        const err = formatError(() => ed.parse(text, FILE));
        expect(err.line).toBe(1);
        expect(err.file).toBe(FILE);
      }
    }
  });

  it('set and delete refuse an empty path', () => {
    expect(formatError(() => jsonEditor.set('{}', [], 1, FILE)).file).toBe(FILE);
    expect(formatError(() => jsonEditor.delete('{}', [], FILE)).file).toBe(FILE);
  });
});

describe('through applyEdits / revertRecords (takeover and restore)', () => {
  // Imported lazily: apply.ts loads every editor through index.ts.
  const load = () => import('../../src/formats/apply.ts');
  const ROOT = 'http://127.0.0.1:11580';

  it('a Claude takeover is verified, and restore gives back the exact bytes', async () => {
    const { applyEdits, revertRecords, toSlotRecords } = await load();
    const { text, applied } = applyEdits(
      claude,
      'json',
      [
        { file: 'settings', path: ['env', 'ANTHROPIC_BASE_URL'], value: ROOT, guard: { kind: 'address' } },
        { file: 'settings', path: ['env', 'ANTHROPIC_AUTH_TOKEN'], value: 'sk-test-1', secret: true },
        { file: 'settings', path: ['model'], value: 'gpt-4o' },
        { file: 'settings', path: ['permissions', 'allow', { item: 'mcp__gateway' }], value: 'mcp__gateway' },
      ],
      FILE,
    );
    expect(jsonEditor.get(text, ['env', 'ANTHROPIC_AUTH_TOKEN'], FILE)).toBe('sk-test-1');
    const restored = revertRecords(text, 'json', toSlotRecords(applied), ROOT, FILE);
    expect(restored.kept).toEqual([]);
    expect(restored.text).toBe(claude);
  });

  it('an opencode takeover that creates parents is undone byte for byte', async () => {
    const { applyEdits, revertRecords, toSlotRecords } = await load();
    const provider = { npm: '@ai-sdk/openai-compatible', options: { baseURL: `${ROOT}/v1` } };
    const { text, applied } = applyEdits(
      opencode,
      'jsonc',
      [
        { file: 'config', path: ['provider', 'servbay'], value: provider, guard: { kind: 'address', field: ['options', 'baseURL'] } },
        { file: 'config', path: ['model'], value: 'servbay/gpt-4o' },
        { file: 'config', path: ['small_model'], value: 'servbay/gpt-4o' },
        { file: 'config', path: ['mcp', 'servbay', 'enabled'], value: true },
        { file: 'config', path: ['enabled_providers', { item: 'servbay' }], value: 'servbay' },
      ],
      FILE,
    );
    expect(applied[3]?.createdParent).toEqual(['mcp', 'servbay']);
    expect(applied[4]?.createdParent).toEqual(['enabled_providers']);
    expect(revertRecords(text, 'jsonc', toSlotRecords(applied), ROOT, FILE).text).toBe(opencode);
  });

  it('a deleted key comes back on restore (at the end of its object)', async () => {
    const { applyEdits, revertRecords, toSlotRecords } = await load();
    const { text, applied } = applyEdits(claude, 'json', [{ file: 'settings', path: ['apiKeyHelper'], value: undefined }], FILE);
    expect(jsonEditor.get(text, ['apiKeyHelper'], FILE)).toBeUndefined();
    const back = revertRecords(text, 'json', toSlotRecords(applied), ROOT, FILE).text;
    expect(jsonEditor.parse(back, FILE)).toEqual(jsonEditor.parse(claude, FILE));
  });
});
