// Values as Calico's Go types read and print them: metav1.Duration
// (time.ParseDuration / Duration.String) and numorstring.ASNumber.

// ---- Go durations (metav1.Duration) ----

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * Parses a duration as Go's time.ParseDuration does ("90s", "1m30s",
 * "1.5h", "-2ms", "0"); returns nanoseconds, or null when Go would refuse it.
 */
export function parseGoDuration(text: string): bigint | null {
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return null;
  let total = 0n;
  const re = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (m === null) return null;
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return null;
    const scale = UNIT_NS[unit];
    if (scale === undefined) return null;
    let v = BigInt(intPart === '' ? '0' : intPart) * scale;
    if (fracPart !== undefined && fracPart !== '') {
      const denom = 10n ** BigInt(fracPart.length);
      v += (BigInt(fracPart) * scale) / denom;
    }
    total += v;
    s = s.slice(whole.length);
  }
  // int64 nanoseconds: one more on the negative side, as Go allows.
  if (total > (neg ? 9_223_372_036_854_775_808n : 9_223_372_036_854_775_807n)) return null;
  return neg ? -total : total;
}

function fracDigits(v: bigint, digits: number): string {
  // Prints v / 10^digits with trailing zeros (and a bare '.') dropped, as Go's fmtFrac.
  const denom = 10n ** BigInt(digits);
  const whole = v / denom;
  let frac = (v % denom).toString().padStart(digits, '0').replace(/0+$/, '');
  frac = frac === '' ? '' : `.${frac}`;
  return `${whole}${frac}`;
}

/** Formats nanoseconds as Go's Duration.String(): `1m30s`, `500ms`, `1h0m0s`, `0s`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${fracDigits(u, 3)}µs`;
    return `${sign}${fracDigits(u, 6)}ms`;
  }
  const hours = u / 3_600_000_000_000n;
  const rem = u % 3_600_000_000_000n;
  const minutes = rem / 60_000_000_000n;
  const secNs = rem % 60_000_000_000n;
  let out = `${fracDigits(secNs, 9)}s`;
  if (hours > 0n || minutes > 0n) out = `${minutes}m${out}`;
  if (hours > 0n) out = `${hours}h${out}`;
  return `${sign}${out}`;
}

const UINT32_MAX = 4294967295;

/** Parses an AS number: a 32-bit number, or "a.b" (asdot) with 16-bit halves. */
export function parseAsNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= UINT32_MAX ? v : null;
  if (typeof v !== 'string') return null;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n <= UINT32_MAX ? n : null;
  }
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (m === null) return null;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return null;
  return hi * 65536 + lo;
}
