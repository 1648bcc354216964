/**
 * The floors hold: no import circle in src/, no import against docs/floors.md's table. The
 * checker itself is tested on made-up graphs, so a breach cannot pass unnoticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_KINDS, type KindId } from '../../src/gateway/index.ts';
import { cycles, floorBreaches, FLOORS, readFloors, readGraph, specifiers, SRC } from './import-graph.ts';

describe('the import graph of src/', () => {
  const graph = readGraph();

  it('is read from the real files (static, type-only, re-exports and import())', () => {
    expect(graph.size).toBeGreaterThan(50);
    const main = graph.get('cli/main.ts') ?? [];
    expect(main.some((d) => d.startsWith('cli/'))).toBe(true);
    const edges = [...graph.values()].reduce((n, d) => n + d.length, 0);
    expect(edges).toBeGreaterThan(150);
  });

  it('has no circle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import against the floors', () => {
    expect(floorBreaches(graph)).toEqual([]);
  });

  it('the agent asks the engine about takeovers rather than reading the ledger store', () => {
    const readers = [...graph].filter(([file, deps]) => file.startsWith('agent/') && deps.includes('engine/ledger.ts')).map(([f]) => f);
    expect(readers).toEqual([]);
  });

  it('nothing outside a gateway kind branches on which kind it is (kinds say it in their own file)', () => {
    const branches: string[] = [];
    for (const file of graph.keys()) {
      if (file.startsWith('gateway/kinds/')) continue;
      const text = readFileSync(join(SRC, file), 'utf8');
      for (const m of text.matchAll(/[!=]==\s*'([a-z-]+)'|'([a-z-]+)'\s*[!=]==/g))
        if (GATEWAY_KINDS.includes((m[1] ?? m[2]) as KindId)) branches.push(`${file}: ${m[0]}`);
    }
    expect(branches).toEqual([]);
  });

  it('puts every directory of src/ on a floor', () => {
    const dirs = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(dirs.filter((d) => !FLOORS.some((f) => f.includes(d)))).toEqual([]);
  });
});

describe('the checker', () => {
  it('reads every kind of import specifier, and none in comments', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      'import {\n  c,\n  type C,\n} from "./c.ts";',
      "export { d } from './d.ts';",
      "export * from './e.ts';",
      "import './f.ts';",
      "const g = await import('../g/g.ts');",
      "import fs from 'node:fs';",
      "// import { x } from './x.ts';",
      "/* import { y } from './y.ts'; */",
    ].join('\n');
    expect(specifiers(text)).toEqual(['./a.ts', '../b/b.ts', './c.ts', './d.ts', './e.ts', './f.ts', '../g/g.ts']);
  });

  it('finds an import from a higher floor, from a sibling directory, and from outside the floors', () => {
    const g = new Map([
      ['shared/io.ts', ['cli/main.ts']],
      ['formats/json.ts', ['configio/io.ts']],
      ['engine/engine.ts', ['gateway/types.ts', 'engine/ledger.ts', 'nowhere/x.ts']],
      ['engine/ledger.ts', []],
      ['cli/main.ts', []],
      ['gateway/types.ts', []],
      ['configio/io.ts', []],
    ]);
    expect(floorBreaches(g)).toEqual([
      'shared/io.ts → cli/main.ts: shared may not import cli, a higher floor',
      'formats/json.ts → configio/io.ts: formats and configio share a floor and may not import each other',
      'engine/engine.ts → nowhere/x.ts: outside src or on no floor',
    ]);
  });

  it('finds circles, also within one directory', () => {
    const g = new Map([
      ['cli/main.ts', ['cli/commands/status.ts']],
      ['cli/commands/status.ts', ['cli/main.ts']],
      ['engine/a.ts', ['engine/b.ts']],
      ['engine/b.ts', ['engine/c.ts']],
      ['engine/c.ts', ['engine/a.ts']],
      ['engine/d.ts', ['engine/a.ts']],
    ]);
    expect(cycles(g).sort()).toEqual([
      ['cli/commands/status.ts', 'cli/main.ts'],
      ['engine/a.ts', 'engine/b.ts', 'engine/c.ts'],
    ]);
  });

  it('takes the floors from docs/floors.md, numbered from the top', () => {
    expect(FLOORS[0]).toEqual(['cli']);
    expect(FLOORS.at(-1)).toEqual(['shared']);
    expect(readFloors('| 0 | cli | x |\n| 1 | a, b | y |\n')).toEqual([['cli'], ['a', 'b']]);
    expect(() => readFloors('| 0 | cli | x |\n| 2 | a | y |\n')).toThrow(/number the floors/);
  });

  it('each floor directory says its role in its main file', () => {
    const missing: string[] = [];
    for (const dir of FLOORS.flat()) {
      let files: string[];
      try {
        files = readdirSync(join(SRC, dir)).filter((f) => f.endsWith('.ts'));
      } catch {
        continue; // a floor not built yet (ui)
      }
      if (!files.some((f) => /^\s*\* Floor: /m.test(readFileSync(join(SRC, dir, f), 'utf8').slice(0, 2000)))) missing.push(dir);
    }
    expect(missing).toEqual([]);
  });
});
