// Tables as calicoctl's `ipam` commands render them (go-pretty's default
// style): `+---+` rules above and below the header and at the end, `| a |`
// cells padded to the widest value, header upper-case and left-aligned.

export interface TableColumn {
  readonly header: string;
  readonly alignRight?: boolean;
}

export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[], header: boolean) =>
    `|${columns
      .map((c, i) => {
        const text = cells[i] ?? '';
        const w = widths[i] ?? 0;
        return ` ${!header && c.alignRight === true ? text.padStart(w) : text.padEnd(w)} `;
      })
      .join('|')}|`;
  const out = [rule, line(columns.map((c) => c.header.toUpperCase()), true), rule];
  if (rows.length > 0) {
    for (const r of rows) out.push(line(r, false));
    out.push(rule);
  }
  return `${out.join('\n')}\n`;
}
