import { describe, expect, it } from 'vitest';
import { restoredAroundClient } from './semantic.ts';

// The check the client tests rely on when a client rewrites a file gwctl wrote.
describe('restoredAroundClient', () => {
  const t0 = '{\n  "b": 1,\n  "env": { "X": "1" }\n}\n';
  const t1 = '{\n  "b": 1,\n  "env": { "X": "1", "BASE": "http://gw", "KEY": "k" }\n}\n';
  const t2 = '{"env":{"BASE":"http://gw","KEY":"k","X":"1","NEW":"2"},"b":1,"c":true}';

  it('accepts original + client additions, any key order', () => {
    expect(restoredAroundClient('s.json', t0, t1, t2, '{"c":true,"b":1,"env":{"NEW":"2","X":"1"}}')).toBeNull();
  });
  it('rejects a leftover slot', () => {
    expect(restoredAroundClient('s.json', t0, t1, t2, '{"c":true,"b":1,"env":{"NEW":"2","X":"1","KEY":"k"}}')).toMatch(/env\.KEY/);
  });
  it('rejects a lost client addition', () => {
    expect(restoredAroundClient('s.json', t0, t1, t2, t0)).toMatch(/env\.NEW|c/);
  });
  it('handles TOML with an appended table', () => {
    const a = 'model = "x"\n';
    const b = 'model_provider = "p"\nmodel = "x"\n[model_providers.p]\nbase_url = "http://gw/v1"\n';
    const c = `${b}\n[tui]\nnotifications = true\n`;
    expect(restoredAroundClient('config.toml', a, b, c, `${a}\n[tui]\nnotifications = true\n`)).toBeNull();
    expect(restoredAroundClient('config.toml', a, b, c, a)).toMatch(/tui/);
  });
  it('handles a .env the takeover created', () => {
    expect(restoredAroundClient('.env', undefined, 'A=1\n', 'A=1\nB=2\n', 'B=2\n')).toBeNull();
  });
  it('drops what the client changed inside our slot (Cline stamps updatedAt on our provider)', () => {
    const a = '{"last":"anthropic","providers":{"anthropic":{"k":1}}}';
    const b = '{"last":"oc","providers":{"anthropic":{"k":1},"oc":{"url":"http://gw","updatedAt":"2000"}}}';
    const c = '{"last":"oc","providers":{"anthropic":{"k":1},"oc":{"url":"http://gw","updatedAt":"2026"}},"v":1}';
    expect(restoredAroundClient('p.json', a, b, c, '{"last":"anthropic","providers":{"anthropic":{"k":1}},"v":1}')).toBeNull();
    expect(restoredAroundClient('p.json', a, b, c, '{"last":"anthropic","providers":{"anthropic":{"k":1},"oc":{"updatedAt":"2026"}},"v":1}')).toMatch(
      /providers\.oc/,
    );
  });
  it("follows array elements: keeps the client's edits to the user's entry, drops ours (Droid)", () => {
    const a = '{"models":[{"id":"mine"}]}';
    const b = '{"models":[{"id":"mine"},{"id":"ours","url":"http://gw"}]}';
    const c = '{"models":[{"id":"mine","index":0},{"id":"ours","url":"http://gw","index":1}]}';
    expect(restoredAroundClient('s.json', a, b, c, '{"models":[{"id":"mine","index":0}]}')).toBeNull();
    expect(restoredAroundClient('s.json', a, b, c, a)).toMatch(/models\.0\.index/);
    expect(restoredAroundClient('s.json', a, b, c, c)).toMatch(/models\.1/);
  });
});
