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

/**
 * Interval sets reject overlapping elements, so a member covered by a larger
 * member is left out, and a catch-all is split into two halves as Felix does
 * (policy.md §7 #30). CIDRs either nest or are disjoint, so one sweep in
 * (start, prefix length) order finds every covered one.
 */
export function netSetElements(members: Iterable<IpSetMember>, family: IpFamily): string[] {
  const cidrs: ParsedCidr[] = [];
  for (const m of members) {
    const c = parseCidr(m);
    if (c === null || c.family !== family) continue;
    if (c.prefixLength === 0) {
      const half = 1n << BigInt(family === 4 ? 31 : 127);
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
