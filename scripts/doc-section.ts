/**
 * Figures and reference text written by runs, not copied by hand: `writeDocSection(file, name, md)`
 * replaces what stands between `<!-- BEGIN name -->` and `<!-- END name -->` in a docs file (the
 * markers are added at the end of the file the first time). Used by the bench scripts
 * (`--write-docs`), the reliability run (`GWCTL_WRITE_DOCS=1`) and `scripts/commands-doc.ts`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export function replaceDocSection(text: string, name: string, markdown: string): string {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < 0 || j < i) return `${text.replace(/\n*$/, '\n\n')}${block}\n`;
  return text.slice(0, i) + block + text.slice(j + end.length);
}

export function readDocSection(text: string, name: string): string | undefined {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  return i < 0 || j < i ? undefined : text.slice(i + begin.length, j).trim();
}

/** Write `markdown` into the named section of `file` (atomically: a temp file and a rename). */
export function writeDocSection(file: string, name: string, markdown: string): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, replaceDocSection(before, name, markdown));
  renameSync(tmp, file);
}

/** A markdown table from a header and rows (cells' `|` escaped). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
