import { describe, expect, it } from 'vitest';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { tomlEditor as toml } from '../../src/formats/toml.ts';
import { ConfigFormatError, type Edit, type JsonValue, type SlotPath } from '../../src/formats/slot.ts';

const CODEX_FILE = '/home/u/.codex/config.toml';
const KIMI_FILE = '/home/u/.kimi/config.toml';
const GW = 'http://127.0.0.1:11580';

const CODEX = [
  '# ~/.codex/config.toml — personal settings ✨',
  '# Docs: https://github.com/openai/codex/blob/main/docs/config.md',
  '',
  'model = "gpt-5-codex"',
  'approval_policy = "on-request"  # ask before running commands',
  "sandbox_mode = 'workspace-write'",
  'notify = ["notify-send", "Codex"]',
  '',
  '# 日本語のコメント: MCP サーバー 🚀',
  '[mcp_servers.github]',
  'command = "npx"',
  'args = [',
  '  "-y",',
  '  "@modelcontextprotocol/server-github", # pinned',
  ']',
  '',
  '[mcp_servers.github.env]',
  'GITHUB_PERSONAL_ACCESS_TOKEN = "ghp_example"',
  '',
  '[projects."/home/u/x"]',
  'trust_level = "trusted"',
  '',
  '[profiles.fast]',
  'model = "gpt-5-mini"',
  'model_reasoning_effort = "low"',
  '',
  '[tui]',
  'notifications = true',
  '',
].join('\n');

const SERVBAY = {
  name: 'ServBay AI Gateway',
  base_url: `${GW}/v1`,
  experimental_bearer_token: 'sk-test-123',
  wire_api: 'responses',
};
const SERVBAY_BLOCK = [
  '[model_providers.servbay]',
  'name = "ServBay AI Gateway"',
  'base_url = "http://127.0.0.1:11580/v1"',
  'experimental_bearer_token = "sk-test-123"',
  'wire_api = "responses"',
];

const KIMI = [
  'default_model = "kimi-k2"',
  '',
  '[providers.kimi]',
  'type = "kimi"',
  'base_url = "https://api.moonshot.cn/v1"',
  'api_key = "sk-moonshot"',
  '',
  '[models."kimi-k2"]',
  'provider = "kimi"',
  'model = "kimi-k2-turbo-preview"',
  'max_context_size = 262144',
  '',
  '[loop_control]',
  'max_steps_per_run = 100',
  '',
].join('\n');

function formatError(f: () => unknown): ConfigFormatError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFormatError);
    return err as ConfigFormatError;
  }
  throw new Error('expected a ConfigFormatError');
}

const crlfBom = (text: string): string => '\uFEFF' + text.replace(/\n/g, '\r\n');

/** `delete(set(D, P, v), P)` (then the shortest created parent) gives D back, and set is idempotent. */
function expectInverse(text: string, path: SlotPath, value: JsonValue, created?: SlotPath, file = CODEX_FILE): string {
  const once = toml.set(text, path, value, file);
  expect(toml.set(once, path, value, file)).toBe(once);
  let back = toml.delete(once, path, file);
  if (created) back = toml.delete(back, created, file);
  expect(back).toBe(text);
  return once;
}

describe('tomlEditor.parse / get', () => {
  it('reads a Codex config into plain data', () => {
    const doc = toml.parse(CODEX, CODEX_FILE);
    expect(doc).toEqual({
      model: 'gpt-5-codex',
      approval_policy: 'on-request',
      sandbox_mode: 'workspace-write',
      notify: ['notify-send', 'Codex'],
      mcp_servers: { github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_example' } } },
      projects: { '/home/u/x': { trust_level: 'trusted' } },
      profiles: { fast: { model: 'gpt-5-mini', model_reasoning_effort: 'low' } },
      tui: { notifications: true },
    });
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(doc.mcp_servers)).toBe(Object.prototype);
    expect(toml.get(CODEX, ['projects', '/home/u/x', 'trust_level'], CODEX_FILE)).toBe('trusted');
    expect(toml.get(CODEX, ['model_providers', 'servbay'], CODEX_FILE)).toBeUndefined();
  });

  it('strips a BOM, reads CRLF, and treats an empty file as {}', () => {
    expect(toml.parse(crlfBom(CODEX), CODEX_FILE)).toEqual(toml.parse(CODEX, CODEX_FILE));
    expect(toml.parse('', CODEX_FILE)).toEqual({});
    expect(toml.parse('\uFEFF', CODEX_FILE)).toEqual({});
    expect(toml.parse('# only a comment\n', CODEX_FILE)).toEqual({});
  });

  it('keeps dates as date objects and finds array-of-tables elements by match', () => {
    const text = 'updated = 2024-05-01T10:00:00Z\n[[skills]]\nid = "a"\n[[skills]]\nid = "b"\nx = 1\n';
    expect(String(toml.get(text, ['updated'], CODEX_FILE))).toBe(String(new Date('2024-05-01T10:00:00Z')));
    expect(toml.get(text, ['skills', { match: { id: 'b' } }, 'x'], CODEX_FILE)).toBe(1);
  });

  it('reports malformed TOML with the file and line, never the contents', () => {
    const text = 'model = "gpt-5"\n[providers.kimi]\napi_key = "sk-very-secret\n';
    const err = formatError(() => toml.parse(text, KIMI_FILE));
    expect(err.file).toBe(KIMI_FILE);
    expect(err.line).toBe(3);
    expect(err.message).toContain(`${KIMI_FILE}:3`);
    expect(err.message).not.toContain('sk-very-secret');
    expect(err.message).not.toContain('api_key');
    for (const op of [
      () => toml.get(text, ['model'], KIMI_FILE),
      () => toml.set(text, ['model'], 'x', KIMI_FILE),
      () => toml.delete(text, ['model'], KIMI_FILE),
    ]) {
      expect(formatError(op).line).toBe(3);
    }
    expect(formatError(() => toml.parse('[tui]\n[tui]\n', KIMI_FILE)).line).toBe(2);
  });
});

describe('tomlEditor.set / delete on a Codex config', () => {
  it('adds model_provider after the last top-level key and the provider table at the end', () => {
    const withKey = toml.set(CODEX, ['model_provider'], 'servbay', CODEX_FILE);
    expect(withKey).toBe(CODEX.replace('notify = ["notify-send", "Codex"]\n', 'notify = ["notify-send", "Codex"]\nmodel_provider = "servbay"\n'));
    const taken = toml.set(withKey, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE);
    expect(taken).toBe(withKey + '\n' + SERVBAY_BLOCK.join('\n') + '\n');
    expect(toml.parse(taken, CODEX_FILE).model_providers).toEqual({ servbay: SERVBAY });
  });

  it('replaces a value in place, keeping its trailing comment and quote style', () => {
    expect(toml.set(CODEX, ['approval_policy'], 'never', CODEX_FILE)).toBe(CODEX.replace('"on-request"  #', '"never"  #'));
    expect(toml.set(CODEX, ['sandbox_mode'], 'read-only', CODEX_FILE)).toBe(CODEX.replace("'workspace-write'", "'read-only'"));
    // Not representable as a literal string: falls back to a basic string.
    expect(toml.set(CODEX, ['sandbox_mode'], "it's", CODEX_FILE)).toBe(CODEX.replace("'workspace-write'", '"it\'s"'));
    expect(toml.set(CODEX, ['model'], 'a "quoted"\tname\n', CODEX_FILE)).toBe(CODEX.replace('"gpt-5-codex"', '"a \\"quoted\\"\\tname\\n"'));
    expect(toml.set(CODEX, ['tui', 'notifications'], ['agent-turn-complete'], CODEX_FILE)).toBe(
      CODEX.replace('notifications = true', 'notifications = ["agent-turn-complete"]'),
    );
    // A multi-line value is replaced as a whole; everything around it stays.
    expect(toml.set(CODEX, ['mcp_servers', 'github', 'args'], ['-y', 'gh'], CODEX_FILE)).toBe(
      CODEX.replace('[\n  "-y",\n  "@modelcontextprotocol/server-github", # pinned\n]', '["-y", "gh"]'),
    );
  });

  it('undoes a replaced value byte for byte and never rewrites an equal value', () => {
    for (const [path, old] of [
      [['model'], 'gpt-5-codex'],
      [['sandbox_mode'], 'workspace-write'],
      [['profiles', 'fast', 'model'], 'gpt-5-mini'],
      [['tui', 'notifications'], true],
    ] as [string[], JsonValue][]) {
      const changed = toml.set(CODEX, path, 'gpt-4o', CODEX_FILE);
      expect(changed).not.toBe(CODEX);
      expect(toml.set(changed, path, old, CODEX_FILE)).toBe(CODEX);
      expect(toml.set(CODEX, path, old, CODEX_FILE)).toBe(CODEX);
    }
    expect(toml.set('x = 0x10 # hex\n', ['x'], 16, CODEX_FILE)).toBe('x = 0x10 # hex\n');
  });

  it('is its own inverse for new keys and tables in every layout', () => {
    const variants = {
      lf: CODEX,
      crlfBom: crlfBom(CODEX),
      noFinalNewline: CODEX.trimEnd(),
      tabs: CODEX.replace(/^(?!\[|#|$)/gm, '\t'),
    };
    for (const text of Object.values(variants)) {
      expectInverse(text, ['model_provider'], 'servbay');
      expectInverse(text, ['model_providers', 'servbay'], SERVBAY, ['model_providers']);
      expectInverse(text, ['profiles', 'fast', 'model_provider'], 'servbay');
      expectInverse(text, ['profiles', 'servbay'], { model: 'gpt-4o', model_provider: 'servbay' });
      expectInverse(text, ['mcp_servers', 'gw'], { command: 'gw', args: ['mcp'], env: { TOKEN: 'x' } });
      expectInverse(text, ['projects', '/home/u/new project'], { trust_level: 'trusted' });
      expectInverse(text, ['a', 'b', 'c', 'd'], 1, ['a']);
    }
  });

  it('keeps CRLF, the BOM and the missing final newline', () => {
    const text = crlfBom(CODEX.trimEnd());
    const out = toml.set(toml.set(text, ['model_provider'], 'servbay', CODEX_FILE), ['model_providers', 'servbay'], SERVBAY, CODEX_FILE);
    expect(out).toBe(text.replace('"Codex"]\r\n', '"Codex"]\r\nmodel_provider = "servbay"\r\n') + '\r\n\r\n' + SERVBAY_BLOCK.join('\r\n'));
  });

  it('writes new keys of an indented table with its indentation', () => {
    const tabs = '[tui]\n\tnotifications = true\n\n[profiles.fast]\n\tmodel = "o3"\n';
    expect(toml.set(tabs, ['tui', 'animations'], false, CODEX_FILE)).toBe(
      '[tui]\n\tnotifications = true\n\tanimations = false\n\n[profiles.fast]\n\tmodel = "o3"\n',
    );
    expect(toml.set('[tui]\n', ['tui', 'x'], 1, CODEX_FILE)).toBe('[tui]\nx = 1\n');
  });

  it('puts the first top-level key before the first table, below the leading comment block', () => {
    const text = '# my codex config\n\n# terminal UI\n[tui]\nnotifications = true\n';
    const out = expectInverse(text, ['model_provider'], 'servbay');
    expect(out).toBe('# my codex config\n\nmodel_provider = "servbay"\n\n# terminal UI\n[tui]\nnotifications = true\n');
    expect(expectInverse('[tui]\nx = 1\n', ['model'], 'o3')).toBe('model = "o3"\n\n[tui]\nx = 1\n');
    expect(expectInverse('', ['model'], 'o3')).toBe('model = "o3"\n');
    expect(expectInverse('# just a comment', ['model'], 'o3')).toBe('# just a comment\nmodel = "o3"');
    expect(expectInverse('', ['model_providers', 'servbay'], SERVBAY, ['model_providers'])).toBe(SERVBAY_BLOCK.join('\n') + '\n');
  });

  it('replaces an existing table in place: keeps comments and order, drops missing keys, appends new ones', () => {
    const text = [
      'model_provider = "servbay"',
      '',
      '[model_providers.servbay]',
      '# added by gwctl',
      'name = "Old name" # display',
      'env_key = "SERVBAY_KEY"',
      "base_url = 'http://127.0.0.1:9999/v1'",
      '',
      '[tui]',
      'notifications = true',
      '',
    ].join('\n');
    expect(toml.set(text, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE)).toBe(
      [
        'model_provider = "servbay"',
        '',
        '[model_providers.servbay]',
        '# added by gwctl',
        'name = "ServBay AI Gateway" # display',
        "base_url = 'http://127.0.0.1:11580/v1'",
        'experimental_bearer_token = "sk-test-123"',
        'wire_api = "responses"',
        '',
        '[tui]',
        'notifications = true',
        '',
      ].join('\n'),
    );
  });

  it('replaces a table with sub-tables: changed in place, new ones appended, removed ones gone', () => {
    const out = toml.set(
      CODEX,
      ['mcp_servers', 'github'],
      { command: 'docker', env: { GITHUB_TOKEN: 'x' }, startup_timeout_sec: 20, extra: { a: 1 } },
      CODEX_FILE,
    );
    expect(out).toBe(
      CODEX.replace(
        'command = "npx"\nargs = [\n  "-y",\n  "@modelcontextprotocol/server-github", # pinned\n]\n',
        'command = "docker"\nstartup_timeout_sec = 20\n',
      ).replace('GITHUB_PERSONAL_ACCESS_TOKEN = "ghp_example"', 'GITHUB_TOKEN = "x"') + '\n[mcp_servers.github.extra]\na = 1\n',
    );
  });

  it('deletes a table with its sub-tables, and a key with its trailing comment', () => {
    expect(toml.delete(CODEX, ['mcp_servers', 'github', 'env'], CODEX_FILE)).toBe(
      CODEX.replace('\n[mcp_servers.github.env]\nGITHUB_PERSONAL_ACCESS_TOKEN = "ghp_example"\n', ''),
    );
    // mcp_servers itself must stay (as an empty table): only github goes.
    expect(toml.delete(CODEX, ['mcp_servers', 'github'], CODEX_FILE)).toBe(CODEX.replace(/\[mcp_servers\.github\][\s\S]*?"ghp_example"\n/, '[mcp_servers]\n'));
    expect(toml.delete(CODEX, ['approval_policy'], CODEX_FILE)).toBe(CODEX.replace('approval_policy = "on-request"  # ask before running commands\n', ''));
    expect(toml.delete(CODEX, ['profiles', 'fast', 'model'], CODEX_FILE)).toBe(CODEX.replace('model = "gpt-5-mini"\n', ''));
    expect(toml.delete(CODEX, ['model_providers', 'servbay'], CODEX_FILE)).toBe(CODEX);
    expect(toml.delete(CODEX, ['nope', 'deeper'], CODEX_FILE)).toBe(CODEX);
  });

  it('keeps an emptied parent table so the parent can be removed as its own step', () => {
    const taken = toml.set(CODEX, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE);
    const once = toml.delete(taken, ['model_providers', 'servbay'], CODEX_FILE);
    expect(once).toBe(CODEX + '\n[model_providers]\n');
    expect(toml.parse(once, CODEX_FILE).model_providers).toEqual({});
    expect(toml.delete(once, ['model_providers'], CODEX_FILE)).toBe(CODEX);
  });

  it('leaves arrays of tables and multi-line strings elsewhere untouched', () => {
    const text = 'instructions = """\nBe brief.\n  Use tabs.\n"""\n\n[[hooks]]\nname = "a"\n\n[[hooks]]\nname = "b"\n';
    const out = expectInverse(text, ['model_providers', 'servbay'], SERVBAY, ['model_providers']);
    expect(out.startsWith(text)).toBe(true);
    expect(expectInverse(text, ['model'], 'o3')).toBe(
      'instructions = """\nBe brief.\n  Use tabs.\n"""\nmodel = "o3"\n\n[[hooks]]\nname = "a"\n\n[[hooks]]\nname = "b"\n',
    );
  });

  it('takes over and restores through applyEdits / revertRecords byte for byte', () => {
    for (const text of [CODEX, crlfBom(CODEX), CODEX.trimEnd(), '', '# no top-level keys\n\n[tui]\nnotifications = true\n']) {
      const edits: Edit[] = [
        { file: 'config', path: ['model_provider'], value: 'servbay' },
        { file: 'config', path: ['model'], value: 'gpt-4o' },
        { file: 'config', path: ['model_providers', 'servbay'], value: SERVBAY, guard: { kind: 'address', field: ['base_url'] }, secret: true },
      ];
      const { text: taken, applied } = applyEdits(text, 'toml', edits, CODEX_FILE);
      expect(toml.get(taken, ['model_providers', 'servbay', 'base_url'], CODEX_FILE)).toBe(`${GW}/v1`);
      expect(applyEdits(taken, 'toml', edits, CODEX_FILE).text).toBe(taken);
      const { text: restored, kept } = revertRecords(taken, 'toml', toSlotRecords(applied), GW, CODEX_FILE);
      expect(kept).toEqual([]);
      expect(restored).toBe(text);
    }
  });

  it('restores only its own lines after Codex appended a table of its own', () => {
    const edits: Edit[] = [
      { file: 'config', path: ['model_provider'], value: 'servbay' },
      { file: 'config', path: ['model_providers', 'servbay'], value: SERVBAY, guard: { kind: 'address', field: ['base_url'] } },
    ];
    const { text: taken, applied } = applyEdits(CODEX, 'toml', edits, CODEX_FILE);
    const appended = '\n[notice]\nhide_full_access_warning = true\n';
    const { text: restored } = revertRecords(taken + appended, 'toml', toSlotRecords(applied), GW, CODEX_FILE);
    expect(restored).toBe(CODEX + appended);
  });
});

describe('tomlEditor on a Kimi config', () => {
  const provider = { type: 'openai', base_url: `${GW}/v1`, api_key: 'sk-test-123' };
  const model = { provider: 'servbay', model: 'gpt-4o', max_context_size: 128000 };

  it('writes providers and quoted model tables, and switches default_model', () => {
    let out = toml.set(KIMI, ['default_model'], 'servbay/gpt-4o', KIMI_FILE);
    out = toml.set(out, ['providers', 'servbay'], provider, KIMI_FILE);
    out = toml.set(out, ['models', 'servbay/gpt-4o'], model, KIMI_FILE);
    out = toml.set(out, ['models', 'servbay/qwen3.5 coder'], { ...model, model: 'qwen3.5 coder' }, KIMI_FILE);
    expect(out).toBe(
      KIMI.replace('"kimi-k2"\n', '"servbay/gpt-4o"\n') +
        [
          '',
          '[providers.servbay]',
          'type = "openai"',
          'base_url = "http://127.0.0.1:11580/v1"',
          'api_key = "sk-test-123"',
          '',
          '[models."servbay/gpt-4o"]',
          'provider = "servbay"',
          'model = "gpt-4o"',
          'max_context_size = 128000',
          '',
          '[models."servbay/qwen3.5 coder"]',
          'provider = "servbay"',
          'model = "qwen3.5 coder"',
          'max_context_size = 128000',
          '',
        ].join('\n'),
    );
    let back = toml.delete(out, ['models', 'servbay/qwen3.5 coder'], KIMI_FILE);
    back = toml.delete(back, ['models', 'servbay/gpt-4o'], KIMI_FILE);
    back = toml.delete(back, ['providers', 'servbay'], KIMI_FILE);
    expect(toml.set(back, ['default_model'], 'kimi-k2', KIMI_FILE)).toBe(KIMI);
  });

  it('creates only [models."x/y"] on a file without models, and deleting it (then models) restores the file', () => {
    const bare = 'default_model = "x"\n';
    const out = expectInverse(bare, ['models', 'servbay/gpt-4o'], model, ['models'], KIMI_FILE);
    expect(out).toBe('default_model = "x"\n\n[models."servbay/gpt-4o"]\nprovider = "servbay"\nmodel = "gpt-4o"\nmax_context_size = 128000\n');
    expectInverse(KIMI, ['models', 'kimi-k2', 'base_url'], `${GW}/v1`, undefined, KIMI_FILE);
    expectInverse(crlfBom(KIMI), ['providers', 'servbay'], provider, undefined, KIMI_FILE);
  });
});

describe('tomlEditor refusals', () => {
  it('refuses to reach into an inline table, naming the table and the fix', () => {
    const text = '# gw\nmodel_providers = { servbay = { name = "x", base_url = "http://h/v1" } }\n';
    for (const op of [
      () => toml.set(text, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE),
      () => toml.set(text, ['model_providers', 'servbay', 'base_url'], 'x', CODEX_FILE),
      () => toml.delete(text, ['model_providers', 'servbay'], CODEX_FILE),
      () => toml.set(text, ['model_providers', 'other'], SERVBAY, CODEX_FILE),
    ]) {
      const err = formatError(op);
      expect(err.message).toContain(CODEX_FILE);
      expect(err.message).toContain('[model_providers] is defined as an inline table');
      expect(err.message).toContain('move it to a [model_providers] section and retry');
      expect(err.line).toBe(2);
      expect(err.message).not.toContain('http://h/v1');
    }
  });

  it('rewrites a slot that is itself an inline table as an inline table', () => {
    const text = '[model_providers]\nservbay = { name = "x", base_url = "http://h/v1" } # ours\n';
    const out = toml.set(text, ['model_providers', 'servbay'], { name: 'y', base_url: `${GW}/v1` }, CODEX_FILE);
    expect(out).toBe('[model_providers]\nservbay = { name = "y", base_url = "http://127.0.0.1:11580/v1" } # ours\n');
    expect(toml.delete(out, ['model_providers', 'servbay'], CODEX_FILE)).toBe('[model_providers]\n');
  });

  it('refuses to add keys to tables defined by dotted keys', () => {
    const topLevel = 'model_provider = "servbay"\nmodel_providers.servbay.base_url = "http://h/v1"\n';
    const err = formatError(() => toml.set(topLevel, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE));
    expect(err.message).toContain('[model_providers.servbay] is defined with dotted keys');
    expect(err.message).toContain('[model_providers.servbay] section and retry');
    expect(err.line).toBe(2);
    const inParent = '[model_providers]\nservbay.base_url = "http://h/v1"\n';
    expect(formatError(() => toml.set(inParent, ['model_providers', 'servbay', 'name'], 'x', CODEX_FILE)).message).toContain('dotted keys');
    // A value that exists is still replaced in place, and removing it keeps the parent table.
    expect(toml.set(inParent, ['model_providers', 'servbay', 'base_url'], 'x', CODEX_FILE)).toBe('[model_providers]\nservbay.base_url = "x"\n');
    expect(toml.delete(topLevel, ['model_providers', 'servbay'], CODEX_FILE)).toBe('model_provider = "servbay"\nmodel_providers = {}\n');
  });

  it('refuses arrays of tables and values in the way, and paths TOML cannot address', () => {
    const text = '[[model_providers]]\nname = "a"\nmodel = "o3"\n';
    expect(formatError(() => toml.set(text, ['model_providers', 'servbay'], SERVBAY, CODEX_FILE)).message).toContain(
      '[[model_providers]] is an array of tables',
    );
    expect(formatError(() => toml.set('model = "o3"\n', ['model', 'x'], 1, CODEX_FILE)).message).toContain('model holds a value, not a table');
    expect(formatError(() => toml.set(CODEX, ['notify', { item: 'x' }], 'x', CODEX_FILE)).message).toContain('not supported for TOML');
    expect(formatError(() => toml.set(CODEX, ['model'], null, CODEX_FILE)).message).toContain('null has no TOML form');
    expect(formatError(() => toml.set(CODEX, [], {}, CODEX_FILE)).file).toBe(CODEX_FILE);
  });
});
