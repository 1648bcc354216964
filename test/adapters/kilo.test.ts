import { describe, expect, it } from 'vitest';
import { kilo as adapter } from '../../src/adapters/kilo.ts';
import { CTX, GW, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const roles = adapter.locate(CTX).files.map((f) => f.role);
const none = Object.fromEntries(roles.map((r) => [r, null])) as Record<string, string | null>;

describe('kilo locate', () => {
  it('~/.config/kilo files (opencode.jsonc highest) writable; ~/.kilo and ~/.kilocode read, ranked above them', () => {
    const loc = adapter.locate(CTX);
    expect(loc.dir).toBe('/home/u/.config/kilo');
    expect(loc.files.filter((f) => f.writable).map((f) => f.path)).toEqual(
      ['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'].map((n) => `/home/u/.config/kilo/${n}`),
    );
    expect(loc.files.filter((f) => !f.writable).map((f) => f.path)).toEqual([
      ...['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'].map((n) => `/home/u/.kilo/${n}`),
      ...['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'].map((n) => `/home/u/.kilocode/${n}`),
      '/home/u/.config/kilo/config.json',
    ]);
    expect(loc.files.every((f) => f.format === 'jsonc')).toBe(true);
  });
  it('honours XDG_CONFIG_HOME; KILO_CONFIG_DIR (loaded last) is written, the global dir only read', () => {
    expect(adapter.locate({ home: '/home/u', env: { XDG_CONFIG_HOME: '/x/cfg' } }).dir).toBe('/x/cfg/kilo');
    const loc = adapter.locate({ home: '/home/u', env: { XDG_CONFIG_HOME: '/x/cfg', KILO_CONFIG_DIR: '/dot/kilo' } });
    expect(loc.dir).toBe('/dot/kilo');
    expect(loc.files.filter((f) => f.writable).map((f) => f.path)).toEqual(
      ['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'].map((n) => `/dot/kilo/${n}`),
    );
    expect(loc.files.at(-2)).toEqual({ role: 'kilo.json', path: '/x/cfg/kilo/kilo.json', format: 'jsonc', writable: false });
  });
  it('with KILO_CONFIG_DIR: creates kilo.json there, and reads a provider from ~/.config/kilo', () => {
    const ctx = { home: '/home/u', env: { KILO_CONFIG_DIR: '/dot/kilo' } };
    const roles = adapter.locate(ctx).files.map((f) => f.role);
    const texts = {
      ...Object.fromEntries(roles.map((r) => [r, null])),
      'kilo.json': '{ "provider": { "gw": { "options": { "baseURL": "http://127.0.0.1:11580/v1" } } } }',
    };
    const { records } = takeover(texts, ctx);
    expect(Object.keys(records)).toEqual(['$KILO_CONFIG_DIR/kilo.json']);
    expect(adapter.inspect({ ...texts, '$KILO_CONFIG_DIR/kilo.json': '{ "model": "gw/gpt-4o" }' }, GW, ctx).status).toBe('taken-over');
  });
});

describe('kilo takeover', () => {
  it('creates kilo.json when no config file exists', () => {
    const { texts, records } = takeover(none);
    expect(Object.keys(records)).toEqual(['kilo.json']);
    expect(parse(texts, 'kilo.json')).toMatchObject({ model: 'servbay/gpt-4o', provider: { servbay: { options: { baseURL: 'http://127.0.0.1:11580/v1' } } } });
  });
  it('writes the existing file Kilo loads last, so its model wins (opencode.json over kilo.json)', () => {
    const texts = { ...none, 'kilo.json': '{ "model": "anthropic/claude-sonnet-4-5" }', 'opencode.json': '{ "theme": "x" }' };
    expect(Object.keys(takeover(texts).records)).toEqual(['opencode.json']);
    expect(Object.keys(takeover({ ...none, 'kilo.json': '{}', 'kilo.jsonc': '{}' }).records)).toEqual(['kilo.jsonc']);
  });
  it('a model chosen in ~/.kilo/kilo.json outranks ~/.config/kilo: status says so after the takeover', () => {
    const texts = { ...none, '.kilo/kilo.json': '{ "model": "anthropic/claude-sonnet-4-5" }' };
    const taken = takeover(texts);
    const ins = adapter.inspect(taken.texts, GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('provider.servbay points to this gateway');
  });
  it('restore gives kilo.jsonc back byte for byte (comments, trailing commas)', () => {
    const original = { ...none, 'kilo.jsonc': '{\n  // mine\n  "model": "anthropic/claude-sonnet-4-5",\n}\n' };
    const taken = takeover(original);
    expect(taken.texts['kilo.jsonc']).toContain('// mine');
    expect(restore(taken.texts, taken.records)).toEqual(original);
  });
});
