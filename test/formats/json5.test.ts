import { describe, expect, it } from 'vitest';
import { json5Editor as ed } from '../../src/formats/json.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';

const FILE = '/home/u/.openclaw/openclaw.json';

describe('json5 editor', () => {
  it("writes in the file's style: bare keys, single quotes; removes it byte for byte", () => {
    const text = "// OpenClaw\n{\n  agents: { defaults: { model: 'anthropic/claude' } },\n  models: {\n    providers: {},\n  },\n}\n";
    const out = ed.set(text, ['models', 'providers', 'servbay'], { baseUrl: 'http://127.0.0.1:11580/v1', 'a-b': "it's" }, FILE);
    expect(out).toContain("    providers: {\n      servbay: {\n        baseUrl: 'http://127.0.0.1:11580/v1',\n        'a-b': 'it\\'s'\n      }\n    },");
    expect(ed.parse(out, FILE)).toEqual({
      agents: { defaults: { model: 'anthropic/claude' } },
      models: { providers: { servbay: { baseUrl: 'http://127.0.0.1:11580/v1', 'a-b': "it's" } } },
    });
    expect(ed.delete(out, ['models', 'providers', 'servbay'], FILE)).toBe(text);
  });

  it('reads JSON5 values as json5 does: hex, Infinity, NaN, trailing commas, quoted keys', () => {
    expect(ed.parse('{a: 0x1F, b: -Infinity, \'c\': "x", d: [1, 2,],}', FILE)).toEqual({ a: 31, b: -Infinity, c: 'x', d: [1, 2] });
  });

  it('keeps plain JSON plain (double quotes), CRLF and a BOM', () => {
    const text = '\uFEFF{\r\n  "a": 1\r\n}\r\n';
    const out = ed.set(text, ['b'], 'x', FILE);
    expect(out).toBe('\uFEFF{\r\n  "a": 1,\r\n  "b": "x"\r\n}\r\n');
    expect(ed.delete(out, ['b'], FILE)).toBe(text);
  });

  it('malformed JSON5: an error naming file, line and column; the top level must be an object', () => {
    const err = (t: string) => {
      try {
        ed.parse(t, FILE);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = err("{\n  a: 'secret-value\n}") as Error;
    expect(e).toBeInstanceOf(ConfigFormatError);
    expect(e.message).toMatch(/openclaw\.json:\d+:\d+: is not valid JSON5/);
    expect(e.message).not.toContain('secret-value');
    expect((err('[1]') as Error).message).toMatch(/top level is an array/);
  });
});

describe('a string cut short after a backslash at the end of the file (found by the fuzzer)', () => {
  it('is refused with a syntax error at once (momoa alone never returns on it)', () => {
    expect(() => ed.parse('{\r\n\t"4Jp\\', 'openclaw.json')).toThrow(/openclaw\.json.*not valid JSON5/);
  });
});
