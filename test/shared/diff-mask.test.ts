/** The line diff and the secret masking the UI's detail pane shows. */
import { describe, expect, it } from 'vitest';
import { diffHunks, diffLines } from '../../src/shared/diff.ts';
import { MASK, maskLine, maskValue } from '../../src/shared/mask.ts';

describe('diffLines / diffHunks', () => {
  it('marks kept, removed and added lines in order; applying them gives the new text', () => {
    const a = 'one\ntwo\nthree\nfour\n';
    const b = 'one\n2\nthree\nfour\nfive\n';
    const d = diffLines(a, b);
    expect(d).toEqual([
      { kind: ' ', text: 'one' },
      { kind: '-', text: 'two' },
      { kind: '+', text: '2' },
      { kind: ' ', text: 'three' },
      { kind: ' ', text: 'four' },
      { kind: '+', text: 'five' },
    ]);
    expect(d.filter((l) => l.kind !== '-').map((l) => l.text)).toEqual(b.trimEnd().split('\n'));
    expect(d.filter((l) => l.kind !== '+').map((l) => l.text)).toEqual(a.trimEnd().split('\n'));
  });

  it('a new file is all additions; CRLF and a BOM do not count as changes', () => {
    expect(diffLines('', 'a\nb')).toEqual([
      { kind: '+', text: 'a' },
      { kind: '+', text: 'b' },
    ]);
    expect(diffLines('\uFEFFx\r\ny\r\n', 'x\ny\n').every((l) => l.kind === ' ')).toBe(true);
  });

  it('hunks keep two lines of context and mark what is skipped', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 3', 'LINE 3').replace('line 16', 'LINE 16');
    const h = diffHunks(a, b);
    expect(h.map((l) => l.kind + l.text)).toEqual([
      ' line 1',
      ' line 2',
      '-line 3',
      '+LINE 3',
      ' line 4',
      ' line 5',
      '@…',
      ' line 14',
      ' line 15',
      '-line 16',
      '+LINE 16',
      ' line 17',
      ' line 18',
    ]);
    expect(diffHunks(a, a)).toEqual([]);
  });
});

describe('maskLine / maskValue', () => {
  it.each([
    ['    "ANTHROPIC_AUTH_TOKEN": "abc123",', `    "ANTHROPIC_AUTH_TOKEN": "${MASK}",`],
    ['experimental_bearer_token = "xyz"', `experimental_bearer_token = "${MASK}"`],
    ['OPENAI_API_KEY=plain-value', `OPENAI_API_KEY=${MASK}`],
    ['export GEMINI_API_KEY="q"', `export GEMINI_API_KEY="${MASK}"`],
    ['      "apiKey": "k",', `      "apiKey": "${MASK}",`],
    ['note = "uses sk-live-abcdef123456 somewhere"', `note = "uses sk-${MASK} somewhere"`],
  ])('%s', (line, masked) => {
    expect(maskLine(line)).toBe(masked);
  });

  it('leaves what is not a credential: token counts, empty values, the start of an object', () => {
    for (const line of [
      '"CLAUDE_CODE_MAX_OUTPUT_TOKENS": "32000",',
      '"ANTHROPIC_API_KEY": "",',
      '"apiKey": {',
      'model = "gpt-4o"',
      '[model_providers.servbay]',
    ]) {
      expect(maskLine(line)).toBe(line);
    }
  });

  it('masks a value by its slot name, and credentials inside an object', () => {
    expect(maskValue('ANTHROPIC_AUTH_TOKEN', 'secret')).toBe(MASK);
    expect(maskValue('model', 'opus')).toBe('"opus"');
    expect(maskValue('servbay', { baseURL: 'http://x', apiKey: 'k1', limit: 3 })).toBe(`{"baseURL":"http://x","apiKey":"${MASK}","limit":3}`);
    expect(maskValue('x', undefined)).toBe('(absent)');
  });
});
