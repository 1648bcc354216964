/**
 * A small XML property-list parser for tests (plutil is not on Linux): dict, array, string,
 * integer, real, true, false, date, data. Strict: unknown elements, text outside values, a
 * missing or duplicate key, or unbalanced tags throw.
 */
export type PlistValue = string | number | boolean | Date | PlistValue[] | { [k: string]: PlistValue };

interface Tok {
  kind: 'open' | 'close' | 'empty' | 'text';
  name: string;
  text: string;
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function tokenize(xml: string): Tok[] {
  let s = xml.replace(/^\uFEFF/, '');
  s = s
    .replace(/^\s*<\?xml[^?]*\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/^\s*<!DOCTYPE[^>]*>/, '');
  const toks: Tok[] = [];
  const re = /<(\/?)([A-Za-z]+)\s*([^>]*?)(\/?)>|([^<]+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[5] !== undefined) {
      if (m[5].includes('&') && /&(?!(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(m[5])) throw new Error('bare & in text');
      toks.push({ kind: 'text', name: '', text: unescape(m[5]) });
    } else if (m[1]) toks.push({ kind: 'close', name: m[2]!, text: '' });
    else toks.push({ kind: m[4] ? 'empty' : 'open', name: m[2]!, text: m[3] ?? '' });
  }
  if (re.lastIndex !== 0 && re.lastIndex < s.length) throw new Error('unparsed input');
  return toks.filter((t) => t.kind !== 'text' || t.text.trim() !== '' || false);
}

export function parsePlist(xml: string): PlistValue {
  const all = tokenize(xml);
  // Keep whitespace-only text only inside <string> (handled below by reading raw tokens).
  let i = 0;
  const peek = () => all[i];
  const next = () => {
    const t = all[i++];
    if (!t) throw new Error('unexpected end of plist');
    return t;
  };
  const expectClose = (name: string) => {
    const t = next();
    if (t.kind !== 'close' || t.name !== name) throw new Error(`expected </${name}>, got ${t.kind} ${t.name}`);
  };
  const textOf = (name: string): string => {
    const t = peek();
    if (t?.kind === 'close' && t.name === name) {
      i++;
      return '';
    }
    const x = next();
    if (x.kind !== 'text') throw new Error(`<${name}> must hold text`);
    expectClose(name);
    return x.text;
  };
  const value = (): PlistValue => {
    const t = next();
    if (t.kind === 'empty') {
      if (t.name === 'true') return true;
      if (t.name === 'false') return false;
      if (t.name === 'string') return '';
      if (t.name === 'dict') return {};
      if (t.name === 'array') return [];
      throw new Error(`unexpected <${t.name}/>`);
    }
    if (t.kind !== 'open') throw new Error(`expected a value, got ${t.kind} ${t.name || JSON.stringify(t.text)}`);
    switch (t.name) {
      case 'string':
        return textOf('string');
      case 'integer': {
        const s = textOf('integer').trim();
        if (!/^[+-]?\d+$/.test(s)) throw new Error(`bad integer ${s}`);
        return Number(s);
      }
      case 'real': {
        const n = Number(textOf('real').trim());
        if (Number.isNaN(n)) throw new Error('bad real');
        return n;
      }
      case 'date':
        return new Date(textOf('date').trim());
      case 'data':
        return textOf('data').replace(/\s+/g, '');
      case 'true':
        expectClose('true');
        return true;
      case 'false':
        expectClose('false');
        return false;
      case 'array': {
        const out: PlistValue[] = [];
        while (!(peek()?.kind === 'close' && peek()?.name === 'array')) out.push(value());
        expectClose('array');
        return out;
      }
      case 'dict': {
        const out: Record<string, PlistValue> = {};
        while (!(peek()?.kind === 'close' && peek()?.name === 'dict')) {
          const k = next();
          if (k.kind !== 'open' || k.name !== 'key') throw new Error(`expected <key> in <dict>, got ${k.kind} ${k.name}`);
          const key = textOf('key');
          if (key in out) throw new Error(`duplicate key ${key}`);
          out[key] = value();
        }
        expectClose('dict');
        return out;
      }
      default:
        throw new Error(`unknown element <${t.name}>`);
    }
  };
  const root = next();
  if (root.kind !== 'open' || root.name !== 'plist') throw new Error('the document is not a <plist>');
  const v = value();
  expectClose('plist');
  if (i !== all.length) throw new Error('content after </plist>');
  return v;
}
