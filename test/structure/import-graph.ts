/**
 * gwctl's import graph, read from the source: every `import … from`, `export … from` and
 * `import()` with a relative specifier, type-only imports included (a type is a dependency too).
 * Used by floors.test.ts; `node test/structure/import-graph.ts` prints the floors and any breach.
 *
 * The floors are docs/floors.md's table, top to bottom: a file may import from its own directory
 * and from any floor BELOW its own, never from its own floor's other directories or from above,
 * and no set of files may import each other in a circle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const SRC = join(ROOT, 'src');
export const FLOORS_DOC = join(ROOT, 'docs', 'floors.md');

/** The floors, top (0) to bottom, as docs/floors.md's table lists them: `| 0 | cli | role |`. */
export function readFloors(doc = readFileSync(FLOORS_DOC, 'utf8')): string[][] {
  const rows = [...doc.matchAll(/^\|\s*(\d+)\s*\|\s*([a-z, -]+?)\s*\|\s*(.+?)\s*\|\s*$/gm)];
  return rows.map((m, i) => {
    if (Number(m[1]) !== i) throw new Error(`docs/floors.md: floor ${m[1]} is row ${i}; number the floors 0, 1, 2… from the top`);
    return m[2]!.split(',').map((d) => d.trim());
  });
}

export const FLOORS: readonly (readonly string[])[] = readFloors();

/** Floor index of a directory under src (0 = top); undefined when no floor names it. */
export function floorOf(dir: string): number | undefined {
  const i = FLOORS.findIndex((f) => f.includes(dir));
  return i < 0 ? undefined : i;
}

const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?[\w\s{},*$]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative specifiers of one file's imports (static, re-exports, side-effect and dynamic). */
export function specifiers(text: string): string[] {
  // Comments out first (an import in a comment is not one); strings with // are not import lines.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

/** file (relative to src, e.g. 'cli/main.ts') → the src files it imports. */
export type Graph = Map<string, string[]>;

export function readGraph(src = SRC): Graph {
  const graph: Graph = new Map();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        const deps = specifiers(readFileSync(p, 'utf8')).map((s) => relative(src, resolve(dirname(p), s)));
        graph.set(relative(src, p), deps);
      }
    }
  };
  walk(src);
  return graph;
}

/** Every import that goes against the floors, as "from → to (why)". */
export function floorBreaches(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    const dir = file.split('/')[0]!;
    const own = floorOf(dir);
    if (own === undefined || !file.includes('/')) {
      out.push(`${file}: src/${dir} is on no floor (add it to the table in docs/floors.md)`);
      continue;
    }
    for (const dep of deps) {
      const depDir = dep.split('/')[0]!;
      if (depDir === dir) continue;
      const theirs = floorOf(depDir);
      if (theirs === undefined) out.push(`${file} → ${dep}: outside src or on no floor`);
      else if (theirs < own) out.push(`${file} → ${dep}: ${dir} may not import ${depDir}, a higher floor`);
      else if (theirs === own) out.push(`${file} → ${dep}: ${dir} and ${depDir} share a floor and may not import each other`);
    }
  }
  return out;
}

/** Every import circle (strongly connected set of files), each as a list of files. */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

if (import.meta.main) {
  const graph = readGraph();
  FLOORS.forEach((f, i) => console.log(`${String(i).padStart(2)}  ${f.join(', ')}`));
  const problems = [...floorBreaches(graph), ...cycles(graph).map((c) => `circle: ${c.join(' ↔ ')}`)];
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} problem(s)` : `${graph.size} files, no circle, no import against the floors`);
  process.exitCode = problems.length ? 1 : 0;
}
