// Rule rendering: one ParsedRule becomes zero or more nft rule bodies for one
// address family (felix/rules/policy.go). Pure: no kernel, no state.
import { familyBits, parseCidr, formatCidr, type IpFamily } from '../api/net.js';
import type { Cidr } from '../api/net.js';
import type { IpSetId, ParsedRule, PortRange, Protocol } from '../calc/types.js';
import { MARK, clearMask, hex, ipSetName, type Marks } from './names.js';

/** A rendered rule: the text after `add rule <family> <table> <chain>`, without comment. */
export interface NftRule {
  readonly body: string;
  readonly comment?: string;
}

export interface RuleContext {
  readonly family: IpFamily;
  /** Full log prefix for this policy or profile's Log rules (placeholders already expanded). */
  readonly logPrefix: string;
  readonly denyVerdict: 'drop' | 'reject';
  /** The nft set behind an IP set ID; defaults to Felix's name of an interval set. */
  readonly setName?: (id: IpSetId, family: IpFamily) => string;
  /** Mark bits; default the bits of mask 0xffff0000. */
  readonly marks?: Marks;
}

const PORT_PROTOCOLS: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 136: 'udplite' };

function addrKeyword(family: IpFamily): string {
  return family === 4 ? 'ip' : 'ip6';
}

type SetRef = (id: IpSetId) => string;

function setRefs(ctx: RuleContext): SetRef {
  const name = ctx.setName ?? ipSetName;
  return (id) => `@${name(id, ctx.family)}`;
}

/** A CIDR in nft's notation: host routes as bare addresses. */
export function nftCidr(c: Cidr | string): string {
  const p = parseCidr(c);
  if (p === null) return c;
  const text = formatCidr(p);
  return p.prefixLength === familyBits(p.family) ? text.slice(0, text.indexOf('/')) : text;
}

function anonSet(items: readonly string[]): string {
  return items.length === 1 ? (items[0] ?? '') : `{ ${items.join(', ')} }`;
}

function portList(ports: readonly PortRange[]): string {
  return anonSet(ports.map((p) => (p.first === p.last ? `${p.first}` : `${p.first}-${p.last}`)));
}

function portKeyword(protocol: Protocol | undefined): string {
  return (protocol !== undefined ? PORT_PROTOCOLS[protocol] : undefined) ?? 'th';
}

function isCatchAll(c: Cidr, family: IpFamily): boolean {
  const p = parseCidr(c);
  return p !== null && p.family === family && p.prefixLength === 0;
}

function sameFamily(cidrs: readonly Cidr[], family: IpFamily): Cidr[] {
  return cidrs.filter((c) => parseCidr(c)?.family === family);
}

/**
 * FilterRuleToIPVersion: null when the rule cannot match in this family (wrong
 * ipVersion, positive nets only of the other family, or a negated catch-all).
 */
export function filterRuleToFamily(rule: ParsedRule, family: IpFamily): ParsedRule | null {
  if (rule.ipVersion !== undefined && rule.ipVersion !== family) return null;
  const srcNets = sameFamily(rule.srcNets, family);
  const dstNets = sameFamily(rule.dstNets, family);
  if (rule.srcNets.length > 0 && srcNets.length === 0) return null;
  if (rule.dstNets.length > 0 && dstNets.length === 0) return null;
  const notSrcNets = sameFamily(rule.notSrcNets, family);
  const notDstNets = sameFamily(rule.notDstNets, family);
  if (notSrcNets.some((c) => isCatchAll(c, family)) || notDstNets.some((c) => isCatchAll(c, family))) return null;
  return { ...rule, srcNets, dstNets, notSrcNets, notDstNets };
}

type Side = 'src' | 'dst';

function sideMatches(rule: ParsedRule, side: Side, family: IpFamily, setRef: SetRef): { fixed: string[]; alternatives: string[] } {
  const a = addrKeyword(family);
  const field = side === 'src' ? 'saddr' : 'daddr';
  const portField = side === 'src' ? 'sport' : 'dport';
  const nets = side === 'src' ? rule.srcNets : rule.dstNets;
  const sets = side === 'src' ? rule.srcIpSetIds : rule.dstIpSetIds;
  const ports = side === 'src' ? rule.srcPorts : rule.dstPorts;
  const named = side === 'src' ? rule.srcNamedPortIpSetIds : rule.dstNamedPortIpSetIds;
  const fixed: string[] = [];
  if (nets.length > 0) fixed.push(`${a} ${field} ${anonSet(nets.map(nftCidr))}`);
  for (const id of sets) fixed.push(`${a} ${field} ${setRef(id)}`);
  if (side === 'dst') {
    for (const id of rule.dstIpPortSetIds) fixed.push(`${a} daddr . meta l4proto . th dport ${setRef(id)}`);
  }
  // Numeric ports and named ports are OR-ed: each is one alternative.
  const alternatives: string[] = [];
  if (ports.length > 0) alternatives.push(`${portKeyword(rule.protocol)} ${portField} ${portList(ports)}`);
  for (const id of named) alternatives.push(`${a} ${field} . meta l4proto . th ${portField} ${setRef(id)}`);
  return { fixed, alternatives };
}

function icmpMatch(family: IpFamily, icmp: { readonly type: number; readonly code?: number }, negated: boolean): string {
  const kw = family === 4 ? 'icmp' : 'icmpv6';
  if (icmp.code === undefined) return `${kw} type ${negated ? '!= ' : ''}${icmp.type}`;
  // Negation keeps the API's intent, "not (type T and code C)", as iptables does (policy.md §7 #31).
  if (negated) return `${kw} type . ${kw} code != { ${icmp.type} . ${icmp.code} }`;
  return `${kw} type ${icmp.type} ${kw} code ${icmp.code}`;
}

function negations(rule: ParsedRule, family: IpFamily, setRef: SetRef): string[] {
  const a = addrKeyword(family);
  const out: string[] = [];
  if (rule.notProtocol !== undefined) out.push(`meta l4proto != ${rule.notProtocol}`);
  for (const side of ['src', 'dst'] as const) {
    const field = side === 'src' ? 'saddr' : 'daddr';
    const portField = side === 'src' ? 'sport' : 'dport';
    const nets = side === 'src' ? rule.notSrcNets : rule.notDstNets;
    const sets = side === 'src' ? rule.notSrcIpSetIds : rule.notDstIpSetIds;
    const ports = side === 'src' ? rule.notSrcPorts : rule.notDstPorts;
    const named = side === 'src' ? rule.notSrcNamedPortIpSetIds : rule.notDstNamedPortIpSetIds;
    if (nets.length > 0) out.push(`${a} ${field} != ${anonSet(nets.map(nftCidr))}`);
    for (const id of sets) out.push(`${a} ${field} != ${setRef(id)}`);
    if (ports.length > 0) out.push(`${portKeyword(rule.protocol)} ${portField} != ${portList(ports)}`);
    for (const id of named) out.push(`${a} ${field} . meta l4proto . th ${portField} != ${setRef(id)}`);
  }
  if (rule.notIcmp !== undefined) out.push(icmpMatch(family, rule.notIcmp, true));
  return out;
}

/**
 * The match part of a rule as a list of alternatives (OR), each a list of
 * matches (AND); more than one only when numeric and named ports are mixed.
 */
export function ruleMatches(rule: ParsedRule, family: IpFamily, setRef: SetRef = (id) => `@${ipSetName(id, family)}`): string[][] {
  const head: string[] = [];
  if (rule.protocol !== undefined) head.push(`meta l4proto ${rule.protocol}`);
  const src = sideMatches(rule, 'src', family, setRef);
  const dst = sideMatches(rule, 'dst', family, setRef);
  head.push(...src.fixed, ...dst.fixed);
  const tail: string[] = [];
  if (rule.icmp !== undefined) tail.push(icmpMatch(family, rule.icmp, false));
  tail.push(...negations(rule, family, setRef));
  const srcAlts = src.alternatives.length > 0 ? src.alternatives : [''];
  const dstAlts = dst.alternatives.length > 0 ? dst.alternatives : [''];
  const out: string[][] = [];
  for (const s of srcAlts) {
    for (const d of dstAlts) {
      out.push([...head, ...(s === '' ? [] : [s]), ...(d === '' ? [] : [d]), ...tail]);
    }
  }
  return out;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

/** nft's log prefix limit is 127 bytes; long prefixes keep both ends, as Felix does for NFLOG prefixes. */
export function limitLogPrefix(prefix: string): string {
  if (prefix.length <= 127) return prefix;
  return `${prefix.slice(0, 60)}...${prefix.slice(prefix.length - 64)}`;
}

function actionStatements(rule: ParsedRule, ctx: RuleContext): string {
  switch (rule.action) {
    case 'allow':
      return `counter meta mark set meta mark | ${hex((ctx.marks ?? MARK).accept)} return`;
    case 'pass':
      return `counter meta mark set meta mark | ${hex((ctx.marks ?? MARK).pass)} return`;
    case 'deny':
      return `counter ${ctx.denyVerdict}`;
    case 'log':
      return `counter log prefix ${quote(limitLogPrefix(ctx.logPrefix))} level info`;
  }
}

/**
 * One rule → nft rule bodies for `ctx.family` ([] when the rule cannot match
 * in this family). Alternatives of a terminal action become one rule each; a
 * Log rule with alternatives collects them in the scratch0 mark and logs
 * once, so a packet matching two alternatives is not logged twice.
 */
export function renderRule(rule: ParsedRule, ctx: RuleContext): NftRule[] {
  const filtered = filterRuleToFamily(rule, ctx.family);
  if (filtered === null) return [];
  const alts = ruleMatches(filtered, ctx.family, setRefs(ctx));
  const action = actionStatements(filtered, ctx);
  if (alts.length === 1 || filtered.action !== 'log') {
    return alts.map((m) => ({ body: [...m, action].join(' ') }));
  }
  const scratch0 = (ctx.marks ?? MARK).scratch0;
  const s0 = hex(scratch0);
  return [
    ...alts.map((m) => ({ body: [...m, `counter meta mark set meta mark | ${s0}`].join(' ') })),
    { body: `meta mark & ${s0} == ${s0} meta mark set meta mark & ${clearMask(scratch0)} ${action}` },
  ];
}
