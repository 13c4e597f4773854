// IP addresses and CIDRs as values. Addresses are held as BigInt so that block
// and ordinal arithmetic (IPAM) and containment (policy) are exact for IPv6.

declare const ipBrand: unique symbol;
declare const cidrBrand: unique symbol;

/** An IP address in canonical text form (dotted quad, or RFC 5952 IPv6). */
export type IpAddress = string & { readonly [ipBrand]: true };
/** A CIDR in canonical text form, host bits cleared: `10.0.0.0/24`, `fd00::/64`. */
export type Cidr = string & { readonly [cidrBrand]: true };

export type IpFamily = 4 | 6;

export interface ParsedIp {
  readonly family: IpFamily;
  readonly value: bigint;
}

export interface ParsedCidr {
  readonly family: IpFamily;
  /** First address of the network (host bits cleared). */
  readonly network: bigint;
  readonly prefixLength: number;
}

export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/**
 * Dotted quad: four decimal octets of one to three digits, no leading zero
 * (nothing octal-looking), each at most 255. Scanned by hand: every endpoint
 * and rule address goes through here.
 */
function parseIPv4(s: string): bigint | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let leadingZero = false;
  let octets = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e; // a final '.' closes the last octet
    if (c === 0x2e) {
      if (digits === 0 || (leadingZero && digits > 1) || octet > 255 || ++octets > 4) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 0) leadingZero = c === 0x30;
      if (++digits > 3) return null;
      octet = octet * 10 + (c - 0x30);
    } else {
      return null;
    }
  }
  return octets === 4 ? BigInt(value) : null;
}

function parseIPv6(s: string): bigint | null {
  if (s.length === 0 || s.length > 45) return null;
  let text = s;
  let tail: bigint | null = null;
  // An embedded IPv4 address in the last 32 bits (::ffff:1.2.3.4).
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseIPv4(text.slice(lastColon + 1));
    if (tail === null) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (h: string): string[] | null => (h === '' ? [] : h.split(':'));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 && total !== 8) return null;
  if (halves.length === 2 && total > 7) return null;
  const groups = [...head, ...Array<string>(8 - total).fill('0'), ...rest];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) v = (v & ~0xffffffffn) | tail;
  return v;
}

export function parseIp(s: string): ParsedIp | null {
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === null ? null : { family: 4, value: v };
}

export function isIp(s: string): boolean {
  return parseIp(s) !== null;
}

export function formatIp(family: IpFamily, value: bigint): IpAddress {
  if (family === 4) {
    const n = Number(value & 0xffffffffn);
    return `${Math.floor(n / 0x1000000)}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}` as IpAddress;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':') as IpAddress;
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}` as IpAddress;
}

/** Canonical text of an address given in any accepted form, or null. */
export function canonicalIp(s: string): IpAddress | null {
  const p = parseIp(s);
  return p === null ? null : formatIp(p.family, p.value);
}

function computeMask(bits: number, prefixLength: number): bigint {
  const host = BigInt(bits - prefixLength);
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << host) - 1n);
}

// Every mask computed once: parsing a CIDR is on the path of every endpoint and rule the agent reads.
const MASKS4 = Array.from({ length: 33 }, (_, len) => computeMask(32, len));
const MASKS6 = Array.from({ length: 129 }, (_, len) => computeMask(128, len));

function mask(family: IpFamily, prefixLength: number): bigint {
  return (family === 4 ? MASKS4[prefixLength] : MASKS6[prefixLength]) ?? computeMask(familyBits(family), prefixLength);
}

/**
 * Parses `addr/len`, or a bare address as a single-host CIDR, as Calico's
 * ParseCIDROrIP does. Host bits are cleared.
 */
export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addr);
  if (ip === null) return null;
  const max = familyBits(ip.family);
  let prefixLength = max;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) return null;
    prefixLength = Number(lenText);
    if (prefixLength > max) return null;
  }
  return { family: ip.family, network: ip.value & mask(ip.family, prefixLength), prefixLength };
}

/** True when `s` is `addr/len` with no host bits set (what IPPool.cidr requires). */
export function isStrictCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = parseIp(s.slice(0, slash));
  const c = parseCidr(s);
  return ip !== null && c !== null && ip.value === c.network;
}

export function formatCidr(c: ParsedCidr): Cidr {
  return `${formatIp(c.family, c.network)}/${c.prefixLength}` as Cidr;
}

export function canonicalCidr(s: string): Cidr | null {
  const c = parseCidr(s);
  return c === null ? null : formatCidr(c);
}

export function cidrSize(c: ParsedCidr): bigint {
  return 1n << BigInt(familyBits(c.family) - c.prefixLength);
}

export function cidrLast(c: ParsedCidr): bigint {
  return c.network + cidrSize(c) - 1n;
}

export function cidrContainsIp(c: ParsedCidr, ip: ParsedIp): boolean {
  return c.family === ip.family && (ip.value & mask(c.family, c.prefixLength)) === c.network;
}

/** True when every address of `inner` is in `outer`. */
export function cidrContainsCidr(outer: ParsedCidr, inner: ParsedCidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefixLength <= inner.prefixLength &&
    (inner.network & mask(outer.family, outer.prefixLength)) === outer.network
  );
}

export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  return cidrContainsCidr(a, b) || cidrContainsCidr(b, a);
}
