// IP set members (Felix's text form) → nft set elements for one family.
import { formatCidr, parseCidr, parseIp, formatIp, type IpFamily, type ParsedCidr } from '../api/net.js';
import type { IpSetMember, IpSetType } from '../calc/types.js';
import { nftCidr } from './rules.js';

export function nftSetType(type: IpSetType, family: IpFamily, interval = type === 'net'): string {
  const addr = family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  if (type === 'net') return interval ? `${addr}; flags interval` : addr;
  return `${addr} . inet_proto . inet_service`;
}

/** Net set elements that are all single addresses need no interval set. */
export function needsInterval(elements: Iterable<string>): boolean {
  for (const e of elements) if (e.includes('/')) return true;
  return false;
}

const PROTO_NAMES: Readonly<Record<string, string>> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', '6': 'tcp', '17': 'udp', '132': 'sctp' };

function cidrLast(c: ParsedCidr): bigint {
  const host = BigInt((c.family === 4 ? 32 : 128) - c.prefixLength);
  return c.network | ((1n << host) - 1n);
}

/** Dotted-quad without leading zeros and an optional prefix length: the form the calc graph emits. */
const PLAIN_V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(0|[1-9]\d?))?$/;

interface V4Net {
  readonly start: number;
  readonly prefixLength: number;
}

/** IPv4 member → network start (host bits cleared) and prefix length, in plain numbers; null if not plain IPv4. */
function plainV4(member: string): V4Net | null {
  const m = PLAIN_V4.exec(member);
  if (m === null) return null;
  const o = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  const prefixLength = m[5] === undefined ? 32 : Number(m[5]);
  if (o.some((x) => x > 255) || prefixLength > 32) return null;
  const addr = ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return { start: (addr & mask) >>> 0, prefixLength };
}

function v4Text(n: V4Net): string {
  const a = n.start;
  const ip = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  return n.prefixLength === 32 ? ip : `${ip}/${n.prefixLength}`;
}

/**
 * Interval sets reject overlapping elements, so a member covered by a larger
 * member is left out, and a catch-all is split into two halves as Felix does
 * (policy.md §7 #30). CIDRs either nest or are disjoint, so one sweep in
 * (start, prefix length) order finds every covered one. IPv4 members — the
 * bulk of every cluster's sets — take a path without BigInt: a policy whose
 * selector changes creates sets of thousands of members in one apply.
 */
export function netSetElements(members: Iterable<IpSetMember>, family: IpFamily): string[] {
  if (family === 4) return v4SetElements(members);
  const cidrs: ParsedCidr[] = [];
  for (const m of members) {
    if (!m.includes(':')) continue; // IPv4 text never has a colon: no parse needed to skip it
    const c = parseCidr(m);
    if (c === null || c.family !== family) continue;
    if (c.prefixLength === 0) {
      const half = 1n << 127n;
      cidrs.push({ family, network: 0n, prefixLength: 1 }, { family, network: half, prefixLength: 1 });
    } else {
      cidrs.push(c);
    }
  }
  cidrs.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : a.prefixLength - b.prefixLength));
  const out: string[] = [];
  let end = -1n;
  for (const c of cidrs) {
    if (c.network <= end) continue;
    out.push(nftCidr(formatCidr(c)));
    end = cidrLast(c);
  }
  return out;
}

function v4SetElements(members: Iterable<IpSetMember>): string[] {
  const nets: V4Net[] = [];
  for (const m of members) {
    if (m.includes(':')) continue;
    let n = plainV4(m);
    if (n === null) {
      const c = parseCidr(m); // unusual spellings: the general parser decides
      if (c === null || c.family !== 4) continue;
      n = { start: Number(c.network), prefixLength: c.prefixLength };
    }
    if (n.prefixLength === 0) nets.push({ start: 0, prefixLength: 1 }, { start: 0x80000000, prefixLength: 1 });
    else nets.push(n);
  }
  nets.sort((a, b) => a.start - b.start || a.prefixLength - b.prefixLength);
  const out: string[] = [];
  let end = -1;
  for (const n of nets) {
    if (n.start <= end) continue;
    out.push(v4Text(n));
    end = n.start + 2 ** (32 - n.prefixLength) - 1;
  }
  return out;
}

/** `10.0.0.1,tcp:8080` → `10.0.0.1 . tcp . 8080`; null for another family or a malformed member. */
export function ipPortElement(member: IpSetMember, family: IpFamily): string | null {
  const m = /^(.+),([a-z0-9]+):(\d{1,5})$/i.exec(member.trim());
  if (m === null) return null;
  const ip = parseIp(m[1] ?? '');
  const proto = PROTO_NAMES[(m[2] ?? '').toLowerCase()];
  const port = Number(m[3]);
  if (ip === null || ip.family !== family || proto === undefined || port > 65535) return null;
  return `${formatIp(family, ip.value)} . ${proto} . ${port}`;
}

export function setElements(type: IpSetType, members: Iterable<IpSetMember>, family: IpFamily): string[] {
  if (type === 'net') return netSetElements(members, family);
  const out = new Set<string>();
  for (const m of members) {
    const e = ipPortElement(m, family);
    if (e !== null) out.add(e);
  }
  return [...out];
}
