/**
 * The docs hold the code's extension points: every tool has fixtures, a row in docs/tools.md (or,
 * launch-only, in docs/launch.md) and its name in the README's tool list; docs/commands.md is the
 * command table's current help; every relative link in the README, CONTRIBUTING.md and docs/
 * names a file that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../src/adapters/index.ts';
import { commandsReference, COMMANDS_DOC } from '../../scripts/commands-doc.ts';
import { readDocSection, replaceDocSection } from '../../scripts/doc-section.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('docs follow the code', () => {
  it('every takeover tool has fixtures and a docs/tools.md row; launch-only tools a docs/launch.md row', () => {
    const tools = read('docs/tools.md');
    const launch = read('docs/launch.md');
    const missing: string[] = [];
    for (const a of ADAPTERS) {
      if ('launchOnly' in a && a.launchOnly) {
        if (!launch.includes(`| ${a.name} |`)) missing.push(`${a.id}: no row in docs/launch.md`);
        continue;
      }
      const dir = join(ROOT, 'test', 'fixtures', a.id);
      if (!existsSync(dir) || readdirSync(dir).length === 0) missing.push(`${a.id}: no fixtures in test/fixtures/${a.id}/`);
      if (!tools.includes(`(\`${a.id}\``)) missing.push(`${a.id}: no row in docs/tools.md`);
    }
    expect(missing).toEqual([]);
  });

  it("the README's tool list names every tool", () => {
    const list = /\*\*Tools\*\*:([\s\S]*?)\n\n/.exec(read('README.md'))?.[1] ?? '';
    expect(list, 'README has a **Tools**: paragraph').not.toBe('');
    const flat = list.replace(/\s+/g, ' ');
    expect(ADAPTERS.filter((a) => !flat.includes(a.name.replace(/ CLI$/, ''))).map((a) => a.id)).toEqual([]);
  });

  it('docs/commands.md is the command table as gwctl help prints it (node scripts/commands-doc.ts)', async () => {
    const now = readDocSection(readFileSync(COMMANDS_DOC, 'utf8'), 'commands');
    expect(now, 'docs/commands.md is stale: run `node scripts/commands-doc.ts`').toBe((await commandsReference()).trim());
  });

  it('every relative link in README.md, CONTRIBUTING.md and docs/ resolves', () => {
    const files = [
      'README.md',
      'CONTRIBUTING.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const f of files) {
      for (const m of read(f).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(dirname(join(ROOT, f)), target))) broken.push(`${f}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('a doc section is replaced between its markers, and added when missing', () => {
    const a = replaceDocSection('# T\n\ntext\n', 'x', '| a |');
    expect(a).toBe('# T\n\ntext\n\n<!-- BEGIN x -->\n| a |\n<!-- END x -->\n');
    const b = replaceDocSection(`${a}after\n`, 'x', '| b |');
    expect(b).toBe('# T\n\ntext\n\n<!-- BEGIN x -->\n| b |\n<!-- END x -->\nafter\n');
    expect(readDocSection(b, 'x')).toBe('| b |');
  });
});
