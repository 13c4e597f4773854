// calicoctl renders tables with Go's text/template and text/tabwriter, so the
// cells read the way Go prints values: floats as %v (`1e+06`), absent
// pointers as `<nil>`, structs as `{a b}`. These helpers reproduce that
// output so tables match calicoctl's character for character.

/** Go's `%v` of a float64: shortest representation, exponent form outside [1e-4, 1e6). */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(n);
}

/**
 * Go's `%v` of a decoded JSON value as text/template prints a field: absent
 * (a nil pointer) is `<nil>`, maps `map[k:v]` with sorted keys, lists `[a b]`.
 */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's `%v` of a float64 field that may be absent (a `*float64`). */
export function goOptionalFloat(v: unknown): string {
  return typeof v === 'number' ? goFloat(v) : '<nil>';
}

/**
 * calicoctl's `joinAndTruncate`: items joined with `sep`; a map becomes sorted
 * `k=v` pairs; truncated to `maxLen` with a `...` suffix when maxLen > 0.
 */
export function joinAndTruncate(items: unknown, sep: string, maxLen = 0): string {
  if (items === undefined || items === null) return '';
  let list: unknown[];
  if (Array.isArray(items)) list = items;
  else if (typeof items === 'object') {
    list = Object.entries(items as Record<string, unknown>)
      .map(([k, v]) => `${k}=${goValue(v)}`)
      .sort();
  } else list = [items];
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += sep;
    out += goValue(list[i]);
    if (maxLen > 0 && Buffer.byteLength(out) > maxLen) {
      return `${out.slice(0, maxLen - 3)}...`;
    }
  }
  return out;
}

export function join(items: unknown, sep: string): string {
  return joinAndTruncate(items, sep, 0);
}

/**
 * text/tabwriter with calicoctl's settings (minwidth 5, padding 3, spaces):
 * every cell is tab-terminated, so every column is padded, including the last.
 */
export function tabwrite(rows: readonly (readonly string[])[], minWidth = 5, padding = 3): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      const w = Math.max([...cell].length + padding, minWidth);
      widths[i] = Math.max(widths[i] ?? 0, w);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)).join('') + '\n')
    .join('');
}
