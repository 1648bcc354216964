import { describe, expect, it } from 'vitest';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { yamlEditor as ed } from '../../src/formats/yaml.ts';

const FILE = '/home/u/.continue/config.yaml';
const MODEL = { name: 'servbay/gpt-4o', provider: 'openai', model: 'gpt-4o', apiBase: 'http://127.0.0.1:11580/v1', apiKey: 'sk-x', roles: ['chat'] };
const AT = ['models', { match: { name: 'servbay/gpt-4o' }, first: true as const }];

function error(fn: () => unknown): ConfigFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigFormatError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('yaml editor', () => {
  it("inserts a list entry first, in the list's own indentation, and removes it byte for byte", () => {
    const text = '# mine\nname: a # keep\nversion: 1.0.0\nmodels:\n- name: Mine\n  provider: ollama\n  model: llama3\n\ncontext:\n- provider: code\n';
    const out = ed.set(text, AT, MODEL, FILE);
    expect(out).toBe(
      '# mine\nname: a # keep\nversion: 1.0.0\nmodels:\n- name: servbay/gpt-4o\n  provider: openai\n  model: gpt-4o\n  apiBase: http://127.0.0.1:11580/v1\n  apiKey: sk-x\n  roles:\n  - chat\n- name: Mine\n  provider: ollama\n  model: llama3\n\ncontext:\n- provider: code\n',
    );
    expect(ed.delete(out, AT, FILE)).toBe(text);
  });

  it('keeps CRLF and a BOM, quotes what plain YAML would misread', () => {
    const text = '\uFEFFa: 1\r\nb:\r\n    c: 2\r\n';
    const out = ed.set(text, ['b', 'd'], { yes: 'no', v: '1.0', s: 'a: b', e: '' }, FILE);
    expect(out).toBe('\uFEFFa: 1\r\nb:\r\n    c: 2\r\n    d:\r\n        "yes": "no"\r\n        v: "1.0"\r\n        s: "a: b"\r\n        e: ""\r\n');
    expect(ed.get(out, ['b', 'd', 'yes'], FILE)).toBe('no');
    expect(ed.delete(out, ['b', 'd'], FILE)).toBe(text);
  });

  it('turns `key: []` into a block for the first entry and back', () => {
    const text = 'models: [] # none yet\nx: 1\n';
    const out = ed.set(text, ['models', { match: { name: 'mine' } }], { name: 'mine' }, FILE);
    expect(out).toBe('models:\n  - name: mine # none yet\nx: 1\n');
    expect(ed.delete(out, ['models', { match: { name: 'mine' } }], FILE)).toBe(text);
  });

  it('refuses anchors, aliases and tags in the slot, flow collections it would add to, and several documents', () => {
    expect(error(() => ed.set('models: &m\n  - name: a\nother: *m\n', AT, MODEL, FILE)).message).toMatch(
      /config\.yaml:\d+:\d+: models uses an anchor \(&name\)/,
    );
    expect(error(() => ed.set('models: [{name: a}]\n', AT, MODEL, FILE)).message).toMatch(/models is written in flow style.*write it in block style/);
    expect(error(() => ed.set('a: !!str 1\n', ['a'], 'x', FILE)).message).toMatch(/a uses a tag/);
    expect(error(() => ed.set('a: |\n  text\n', ['a'], 'x', FILE)).message).toMatch(/a uses a block scalar/);
    expect(error(() => ed.parse('a: 1\n---\nb: 2\n', FILE)).message).toMatch(/config\.yaml:2:1: holds more than one YAML document/);
  });

  it('leaves anchors, aliases and flow style outside the slot alone', () => {
    const text = 'defaults: &d {temperature: 0.2}\nmodels:\n  - name: a\n    options: *d\n';
    const out = ed.set(text, AT, MODEL, FILE);
    expect(out.endsWith('  - name: a\n    options: *d\n')).toBe(true);
    expect(ed.delete(out, AT, FILE)).toBe(text);
  });

  it('malformed YAML: an error with file, line and column that quotes nothing from the file', () => {
    const e = error(() => ed.parse('a: 1\n  b: "secret-value\n', FILE));
    expect(e.message).toMatch(/^\/home\/u\/\.continue\/config\.yaml:\d+:\d+: is not valid YAML/);
    expect(e.message).not.toContain('secret-value');
    expect(error(() => ed.parse('- a\n- b\n', FILE)).message).toMatch(/top level is a list/);
    expect(error(() => ed.parse('a: 1\na: 2\n', FILE)).message).toMatch(/a key that appears twice/);
  });

  it('through applyEdits and revertRecords: takeover and restore of a real config', () => {
    const text = 'name: Local Config\nversion: 1.0.0\nmodels:\n  - name: Mine\n    provider: anthropic\n    model: claude\n';
    const res = applyEdits(text, 'yaml', [{ file: 'config', path: AT, value: MODEL, guard: { kind: 'address', field: ['apiBase'] } }], FILE);
    expect(revertRecords(res.text, 'yaml', toSlotRecords(res.applied), 'http://127.0.0.1:11580', FILE).text).toBe(text);
  });
});
