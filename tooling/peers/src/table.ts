/** A plain-text table with right-aligned numeric columns (markdown-compatible with --markdown). */
export function formatTable(header: string[], rows: string[][], markdown = false): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (text: string, i: number): string => (i === 0 || i === 1 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const line = (cells: string[]): string => (markdown ? `| ${cells.map(cell).join(" | ")} |` : cells.map(cell).join("  "));
  const rule = markdown ? `|${widths.map((w, i) => (i < 2 ? ` ${"-".repeat(w)} ` : ` ${"-".repeat(w - 1)}: `)).join("|")}|` : widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function fixed(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
