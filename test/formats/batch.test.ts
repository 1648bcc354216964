/**
 * Many sibling edits (a model each) go through the editors' one-pass batch (issue 18 §2: a
 * takeover is linear in the model count). The batch must give exactly the text the one-at-a-time
 * editor gives, for every layout, and a restore must undo it exactly.
 */
import { describe, expect, it, vi } from 'vitest';
import { editorFor } from '../../src/formats/index.ts';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import type { Edit, Format } from '../../src/formats/slot.ts';

const ROOT = 'http://127.0.0.1:11580';

function oneByOne(text: string, format: Format, edits: Edit[]): string {
  let out = text;
  for (const e of edits) out = applyEdits(out, format, [e], 'f').text;
  return out;
}

const models = (n: number, start = 0) => Array.from({ length: n }, (_, i) => `m-${start + i}`);

const JSON_DOCS: Array<[string, string]> = [
  ['missing file', ''],
  ['empty object', '{}\n'],
  ['empty list', '{\n  "models": []\n}\n'],
  ['multi-line list', '{\n  "models": [\n    {\n      "id": "mine",\n      "url": "https://x"\n    }\n  ],\n  "other": 1\n}\n'],
  ['one-line list', '{ "models": [{ "id": "mine" }] }'],
  ['tabs and CRLF', '{\r\n\t"models": [\r\n\t\t{ "id": "mine" }\r\n\t]\r\n}\r\n'],
];
const JSONC_DOCS: Array<[string, string]> = [
  ['trailing comma and comments', '{\n  // mine\n  "models": [\n    { "id": "mine" }, // keep\n  ],\n}\n'],
  ['comment after last', '{\n  "models": [\n    { "id": "mine" } /* c */\n  ]\n}\n'],
];

describe('batched sibling edits = one-at-a-time edits', () => {
  const cases: Array<[string, Format, string]> = [
    ...JSON_DOCS.map(([n, t]) => [n, 'json', t] as [string, Format, string]),
    ...[...JSON_DOCS, ...JSONC_DOCS].map(([n, t]) => [`${n} (jsonc)`, 'jsonc', t] as [string, Format, string]),
  ];
  it.each(cases)('JSON array of objects by id: %s', (_n, format, text) => {
    const edits: Edit[] = models(7).map((id) => ({
      file: 'f',
      path: ['models', { match: { id } }],
      value: { id, url: `${ROOT}/v1`, n: 1 },
      guard: { kind: 'address', field: ['url'] },
    }));
    const batched = applyEdits(text, format, edits, 'f');
    expect(batched.text).toBe(oneByOne(text, format, edits));
    // And a restore removes exactly what was added.
    expect(revertRecords(batched.text, format, toSlotRecords(batched.applied), ROOT, 'f').text).toBe(
      text === '' ? revertOne(batched.text, format, batched.applied) : text,
    );
  });

  it.each(cases)('JSON object keys and primitive items: %s', (_n, format, text) => {
    const keys: Edit[] = models(5).map((id) => ({ file: 'f', path: ['provider', id], value: { name: id } }));
    expect(applyEdits(text, format, keys, 'f').text).toBe(oneByOne(text, format, keys));
    const items: Edit[] = models(5).map((id) => ({ file: 'f', path: ['available', { item: id }], value: id }));
    expect(applyEdits(text, format, items, 'f').text).toBe(oneByOne(text, format, items));
  });

  const TOML_DOCS: Array<[string, string]> = [
    ['missing file', ''],
    ['other tables', 'default_model = "mine/a"\n\n[providers.mine]\ntype = "openai"\n\n[models."mine/a"]\nprovider = "mine"\nmodel = "a"\n'],
    ['no final newline', '[models."mine/a"]\nprovider = "mine"'],
    ['CRLF and comments', '# top\r\n[models]\r\n# models here\r\n\r\n[models."mine/a"] # c\r\nprovider = "mine"\r\n'],
  ];
  it.each(TOML_DOCS)('TOML tables: %s', (_n, text) => {
    const edits: Edit[] = models(6).map((m) => ({
      file: 'f',
      path: ['models', `servbay/${m}`],
      value: { provider: 'servbay', model: m, max_context_size: 128000 },
      guard: { kind: 'field-equals', field: ['provider'], value: 'servbay' },
    }));
    const batched = applyEdits(text, 'toml', edits, 'f');
    expect(batched.text).toBe(oneByOne(text, 'toml', edits));
    const reverted = revertRecords(batched.text, 'toml', toSlotRecords(batched.applied), ROOT, 'f').text;
    let seq = batched.text;
    for (const r of [...toSlotRecords(batched.applied)].reverse()) seq = revertRecords(seq, 'toml', [r], ROOT, 'f').text;
    expect(reverted).toBe(seq);
    if (text !== '') expect(reverted).toBe(text);
  });

  it('a restore keeps the slots the user changed and removes the rest, in one pass', () => {
    const text = '{\n  "models": [\n    { "id": "mine" }\n  ]\n}\n';
    const edits: Edit[] = models(6).map((id) => ({
      file: 'f',
      path: ['models', { match: { id } }],
      value: { id, url: `${ROOT}/v1` },
      guard: { kind: 'address', field: ['url'] },
    }));
    const { text: taken, applied } = applyEdits(text, 'json', edits, 'f');
    const changed = applyEdits(
      taken,
      'json',
      [{ file: 'f', path: ['models', { match: { id: 'm-2' } }], value: { id: 'm-2', url: 'https://elsewhere/v1' } }],
      'f',
    ).text;
    const res = revertRecords(changed, 'json', toSlotRecords(applied), ROOT, 'f');
    expect(res.kept.map((r) => r.path[1])).toEqual([{ match: { id: 'm-2' } }]);
    expect(JSON.parse(res.text)).toEqual({ models: [{ id: 'mine' }, { id: 'm-2', url: 'https://elsewhere/v1' }] });
    let seq = changed;
    for (const r of [...toSlotRecords(applied)].reverse()) seq = revertRecords(seq, 'json', [r], ROOT, 'f').text;
    expect(res.text).toBe(seq);
  });
});

/** What the one-at-a-time restore gives (a file created by the edits may keep its empty parents). */
function revertOne(text: string, format: Format, applied: ReturnType<typeof applyEdits>['applied']): string {
  let out = text;
  for (const r of [...toSlotRecords(applied)].reverse()) out = revertRecords(out, format, [r], ROOT, 'f').text;
  return out;
}

describe('a slot of many models is not one parse per model', () => {
  it.each(['json', 'toml'] as const)('%s: 400 models take a fixed number of whole-document passes, takeover and restore', (format) => {
    const editor = editorFor(format);
    const edits: Edit[] = models(400).map((m): Edit =>
      format === 'json'
        ? { file: 'f', path: ['models', { match: { id: m } }], value: { id: m, url: `${ROOT}/v1` }, guard: { kind: 'address', field: ['url'] } }
        : {
            file: 'f',
            path: ['models', `servbay/${m}`],
            value: { provider: 'servbay', model: m },
            guard: { kind: 'field-equals', field: ['provider'], value: 'servbay' },
          },
    );
    const spies = (['parse', 'get', 'set', 'delete'] as const).map((k) => vi.spyOn(editor, k));
    try {
      const { text, applied } = applyEdits('', format, edits, 'f');
      revertRecords(text, format, toSlotRecords(applied), ROOT, 'f');
      const passes = spies.reduce((n, s) => n + s.mock.calls.length, 0);
      expect(passes).toBeLessThan(30);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

describe('YAML: a model list as Continue gets it (entries inserted first, by name)', () => {
  const YAML_DOCS: Array<[string, string]> = [
    ['no models key', 'name: Local Config\nversion: 1.0.0\n# my rules\nrules:\n  - be brief\n'],
    [
      'user models, comments',
      'name: Local Config\nversion: 1.0.0\nmodels:\n  # mine\n  - name: mine\n    provider: anthropic\n    model: claude\n  - name: other\n    model: x # keep\ncontext: []\n',
    ],
    ['indented dashes, CRLF', 'name: c\r\nversion: 1.0.0\r\nmodels:\r\n    - name: mine\r\n      model: a\r\n'],
    ['no final line break', 'name: c\nversion: 1.0.0\nmodels:\n  - name: mine\n    model: a'],
  ];
  const edits = (n: number, first = true): Edit[] =>
    models(n)
      .reverse()
      .map((m) => ({
        file: 'f',
        path: ['models', { match: { name: `servbay/${m}` }, ...(first ? { first: true } : {}) }],
        value: { name: `servbay/${m}`, provider: 'openai', model: m, apiBase: `${ROOT}/v1`, roles: ['chat', 'edit'] },
        guard: { kind: 'address', field: ['apiBase'] },
      }));

  it.each(YAML_DOCS)('%s: the batch gives the one-at-a-time text, and a restore gives the file back', (name, text) => {
    for (const first of [true, false]) {
      const e = edits(9, first);
      const batched = applyEdits(text, 'yaml', e, 'f');
      expect(batched.text, `first: ${first}`).toBe(oneByOne(text, 'yaml', e));
      const back = revertRecords(batched.text, 'yaml', toSlotRecords(batched.applied), ROOT, 'f').text;
      expect(back, `first: ${first}`).toBe(revertOne(batched.text, 'yaml', batched.applied));
      if (!name.startsWith('no models')) expect(back).toBe(text);
    }
  });

  it('a flow list is refused the same way, batched or not, and nothing is written', () => {
    const text = 'name: c\nversion: 1.0.0\nmodels: [{ name: mine, model: a }]\n';
    expect(() => applyEdits(text, 'yaml', edits(5), 'f')).toThrow(/flow style/);
    expect(() => oneByOne(text, 'yaml', edits(5))).toThrow(/flow style/);
  });

  it('a restore keeps an entry the user changed, removes the rest in one pass', () => {
    const text = YAML_DOCS[1]![1];
    const batched = applyEdits(text, 'yaml', edits(6), 'f');
    const changed = batched.text.replace('model: m-3\n    apiBase: http://127.0.0.1:11580/v1', 'model: m-3\n    apiBase: https://elsewhere.example.com/v1');
    const r = revertRecords(changed, 'yaml', toSlotRecords(batched.applied), ROOT, 'f');
    expect(r.kept).toHaveLength(1);
    expect(r.text).toContain('apiBase: https://elsewhere.example.com/v1');
    expect(r.text.match(/servbay\//g)).toHaveLength(1);
  });

  it('400 models take a fixed number of whole-document passes, takeover and restore', () => {
    const editor = editorFor('yaml');
    const spies = (['parse', 'get', 'set', 'delete'] as const).map((k) => vi.spyOn(editor, k));
    try {
      const { text, applied } = applyEdits(YAML_DOCS[1]![1], 'yaml', edits(400), 'f');
      const back = revertRecords(text, 'yaml', toSlotRecords(applied), ROOT, 'f');
      expect(back.text).toBe(YAML_DOCS[1]![1]);
      expect(spies.reduce((n, s) => n + s.mock.calls.length, 0)).toBeLessThan(30);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
