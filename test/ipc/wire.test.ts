/**
 * The client's frame codec (schema.ts encodeFrame/readFrames) against node-ipc's own assured
 * parser, which the agent's server uses: the same bytes out, the same messages and remainders
 * in, the same frames refused.
 */
import fc from 'fast-check';
import { AssuredParser } from 'node-ipc/parsers';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_DELIMITER, MAX_FRAME_BYTES, readFrames, WIRE, WireError, wireConfig } from '../../src/ipc/schema.ts';

const nodeIpc = () => new AssuredParser(wireConfig());
const wireType = fc.constantFrom(...Object.values(WIRE));
// Strings with the delimiter, quotes, backslashes, controls and astral characters in them.
const nasty = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('\f', '\f\f', '"\\f"', '\\', '\u2028', '😀', '\u0000'));
const payload = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(nasty, fc.oneof(nasty, fc.integer(), fc.boolean(), fc.constant(null))),
  fc.record({ id: fc.nat(), method: nasty, params: fc.dictionary(nasty, nasty) }),
);

type Outcome = { messages: unknown[]; rest: string } | { error: string };

function feed(read: (buffer: string, chunk: string, receive: (m: unknown) => void) => string, chunks: string[]): Outcome {
  const messages: unknown[] = [];
  let rest = '';
  try {
    for (const c of chunks) rest = read(rest, c, (m) => messages.push(m));
  } catch (e) {
    return { error: (e as { code?: string }).code ?? 'thrown' };
  }
  return { messages, rest };
}

function splitAt(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out;
}

describe('the client frame codec agrees with node-ipc (assured profile)', () => {
  it('encodes every frame to the same bytes', () => {
    fc.assert(
      fc.property(wireType, payload, (type, data) => {
        expect(encodeFrame(type, data)).toBe(nodeIpc().encode(type, data));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads any split of a stream of frames to the same messages and remainder', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(wireType, payload), { maxLength: 6 }),
        fc.string({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, tail, cuts) => {
          const stream = frames.map(([t, d]) => nodeIpc().encode(t, d)).join('') + tail.replaceAll(FRAME_DELIMITER, '');
          const chunks = splitAt(stream, cuts);
          const ours = feed(readFrames, chunks);
          const theirs = feed((b, c, r) => nodeIpc().read(b, c, r), chunks);
          expect(ours).toEqual(theirs);
          expect('messages' in ours && ours.messages).toEqual(frames.map(([type, data]) => JSON.parse(JSON.stringify({ type, data }))));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses the same frames: bad JSON, non-objects, types off the allow-list, oversize frames and remainders', () => {
    const big = 'x'.repeat(MAX_FRAME_BYTES);
    const astral = '😀'.repeat(MAX_FRAME_BYTES / 4); // 4 bytes, 2 UTF-16 units each
    const euro = '€'.repeat(Math.ceil(MAX_FRAME_BYTES / 3)); // 3 bytes, 1 unit each: a third of the limit in units, over it in bytes
    const cases: Array<[string, string]> = [
      ['not JSON', '{"type":"gwctl.request",\f'],
      ['an array', '[1,2]\f'],
      ['null', 'null\f'],
      ['a number', '42\f'],
      ['no type', '{"data":{}}\f'],
      ['a reserved type', '{"type":"data","data":{}}\f'],
      ['an unsafe type', '{"type":"__proto__","data":{}}\f'],
      ['an empty type', '{"type":"","data":{}}\f'],
      ['a type off the list', '{"type":"gwctl.other","data":{}}\f'],
      ['a non-string type', '{"type":7,"data":{}}\f'],
      ['an oversize frame', JSON.stringify({ type: WIRE.response, data: big }) + '\f'],
      ['an oversize remainder', JSON.stringify({ type: WIRE.response, data: big })],
      ['a frame over the limit in bytes, not in units (4-byte characters)', JSON.stringify({ type: WIRE.response, data: astral }) + '\f'],
      ['a frame over the limit in bytes, not in units (3-byte characters)', JSON.stringify({ type: WIRE.response, data: euro }) + '\f'],
    ];
    for (const [what, text] of cases) {
      const ours = feed(readFrames, [text]);
      const theirs = feed((b, c, r) => nodeIpc().read(b, c, r), [text]);
      expect('error' in theirs, `${what}: node-ipc refuses it`).toBe(true);
      expect('error' in ours, `${what}: the client refuses it`).toBe(true);
      if (!/type/.test(what)) expect(ours, what).toEqual(theirs); // same code, except type checks (node-ipc has four codes for those)
    }
    // And at the limit exactly, both accept.
    const atLimit = JSON.stringify({ type: WIRE.response, data: '' });
    const fill = 'y'.repeat(MAX_FRAME_BYTES - Buffer.byteLength(atLimit));
    const frame = JSON.stringify({ type: WIRE.response, data: fill }) + '\f';
    expect(feed(readFrames, [frame])).toEqual(feed((b, c, r) => nodeIpc().read(b, c, r), [frame]));
    expect('messages' in feed(readFrames, [frame])).toBe(true);
  });

  it('refuses to encode what node-ipc refuses to encode', () => {
    expect(() => encodeFrame('gwctl.other', {})).toThrow(WireError);
    expect(() => nodeIpc().encode('gwctl.other', {})).toThrow();
    const huge = { blob: 'z'.repeat(MAX_FRAME_BYTES) };
    expect(() => encodeFrame(WIRE.request, huge)).toThrow(/maxMessageSize/);
    expect(() => nodeIpc().encode(WIRE.request, huge)).toThrow(/maxMessageSize/);
  });
});
