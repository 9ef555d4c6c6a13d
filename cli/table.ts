/** Plain-text tables for the command line: columns padded to their widest cell, two spaces apart. */

export type Align = "left" | "right";

/** The lines of a table: the header, then one per row; `align` per column (numbers right). */
export function formatTable(
  headers: readonly string[],
  rows: readonly string[][],
  align: readonly Align[] = [],
): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}
