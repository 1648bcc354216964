/** A plain text table: columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  // A row with fewer cells than the header ends in a free-text cell that does not widen its column.
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < r.length - 1 || r.length === header.length ? (r[i] ?? '').length : 0))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
