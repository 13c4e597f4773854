// One rule, compiled once, matched against one packet (policy.md §3.2). The
// peer-selector tests are IP-set membership tests, as in the dataplane: "is
// this address an address of something the selector matches".
import { parseCidr, type IpFamily, type ParsedCidr, type ParsedIp } from '../api/net.js';
import type { EndpointPort, EntityRule, ICMPFields, Port, Protocol, Rule } from '../api/policy-types.js';
import type { LabelledItem } from './labels.js';
import { compileEntitySelectors, type Matcher } from './selectors.js';

/** Something that owns an address: an endpoint (with named ports) or a network set (ports null). */
export interface AddressOwner {
  readonly item: LabelledItem;
  readonly ports: readonly EndpointPort[] | null;
}

/** The packet as rules see it, with the owners of both addresses looked up once. */
export interface PacketView {
  readonly family: IpFamily;
  readonly protocol: number;
  readonly src: ParsedIp;
  readonly dst: ParsedIp;
  readonly srcOwners: readonly AddressOwner[];
  readonly dstOwners: readonly AddressOwner[];
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
  readonly icmpType: number | undefined;
  readonly icmpCode: number | undefined;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

/** Protocol number for a name (any case, as the backend lower-cases) or number; null if unknown. */
export function protocolNumber(p: Protocol | string): number | null {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : null;
  if (/^\d+$/.test(p)) return protocolNumber(Number(p));
  return PROTOCOL_NUMBERS[p.toLowerCase()] ?? null;
}

/** Protocols whose packets carry ports a rule can match. */
export function protocolHasPorts(n: number): boolean {
  return n === 6 || n === 17 || n === 132 || n === 136;
}

interface PortSpec {
  readonly ranges: readonly (readonly [number, number])[];
  readonly names: readonly string[];
}

function compilePorts(ports: readonly Port[] | undefined, path: string): PortSpec | null {
  if (ports === undefined || ports.length === 0) return null;
  const ranges: [number, number][] = [];
  const names: string[] = [];
  ports.forEach((p, i) => {
    if (typeof p === 'number') {
      ranges.push([p, p]);
      return;
    }
    const m = /^(\d+)(?::(\d+))?$/.exec(p);
    if (m === null) {
      names.push(p);
      return;
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > hi || hi > 65535) throw new RuleError(`${path}[${i}]`, `invalid port range ${JSON.stringify(p)}`);
    ranges.push([lo, hi]);
  });
  return { ranges, names };
}

export class RuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

function compileNets(nets: readonly string[] | undefined, path: string): readonly ParsedCidr[] | null {
  if (nets === undefined || nets.length === 0) return null;
  return nets.map((n, i) => {
    const c = parseCidr(n);
    if (c === null) throw new RuleError(`${path}[${i}]`, `invalid CIDR ${JSON.stringify(n)}`);
    return c;
  });
}

interface CompiledSide {
  readonly nets: readonly ParsedCidr[] | null;
  readonly notNets: readonly ParsedCidr[] | null;
  readonly positive: Matcher | null;
  readonly negative: Matcher | null;
  readonly ports: PortSpec | null;
  readonly notPorts: PortSpec | null;
  readonly hasServices: boolean;
}

export interface CompiledRule {
  readonly action: Rule['action'];
  readonly ipVersion: IpFamily | null;
  readonly protocol: number | null;
  readonly notProtocol: number | null;
  readonly icmp: ICMPFields | null;
  readonly notICMP: ICMPFields | null;
  readonly source: CompiledSide;
  readonly destination: CompiledSide;
  /** Whether Felix renders the rule at all for IPv4 / IPv6 (see netsRenderFor). */
  readonly renders4: boolean;
  readonly renders6: boolean;
}

function compileSide(e: EntityRule | undefined, ns: string, path: string): CompiledSide {
  const sels = compileEntitySelectors(e, ns, path);
  return {
    nets: compileNets(e?.nets, `${path}.nets`),
    notNets: compileNets(e?.notNets, `${path}.notNets`),
    positive: sels.positive,
    negative: sels.negative,
    ports: compilePorts(e?.ports, `${path}.ports`),
    notPorts: compilePorts(e?.notPorts, `${path}.notPorts`),
    hasServices: e?.services !== undefined,
  };
}

function compileProtocol(p: Protocol | undefined, path: string): number | null {
  if (p === undefined) return null;
  const n = protocolNumber(p);
  if (n === null) throw new RuleError(path, `unknown protocol ${JSON.stringify(p)}`);
  return n;
}

/** Compiles a rule of a policy (or profile, namespace "") in namespace `ns`. */
export function compileRule(rule: Rule, ns: string, path: string): CompiledRule {
  // ICMP/ICMPv6 by name pin the family; numbers 1/58 do not (rule_convert.go).
  const implied = rule.protocol === 'ICMP' ? 4 : rule.protocol === 'ICMPv6' ? 6 : null;
  const source = compileSide(rule.source, ns, `${path}.source`);
  const destination = compileSide(rule.destination, ns, `${path}.destination`);
  const renders = (f: IpFamily): boolean =>
    netsRenderFor(source.nets, f, false) &&
    netsRenderFor(source.notNets, f, true) &&
    netsRenderFor(destination.nets, f, false) &&
    netsRenderFor(destination.notNets, f, true);
  return {
    action: rule.action,
    ipVersion: rule.ipVersion ?? implied,
    protocol: compileProtocol(rule.protocol, `${path}.protocol`),
    notProtocol: compileProtocol(rule.notProtocol, `${path}.notProtocol`),
    icmp: rule.icmp ?? null,
    notICMP: rule.notICMP ?? null,
    source,
    destination,
    renders4: renders(4),
    renders6: renders(6),
  };
}

function inAny(nets: readonly ParsedCidr[], ip: ParsedIp): boolean {
  for (const c of nets) if (cidrHas(c, ip)) return true;
  return false;
}

function cidrHas(c: ParsedCidr, ip: ParsedIp): boolean {
  if (c.family !== ip.family) return false;
  const bits = BigInt((c.family === 4 ? 32 : 128) - c.prefixLength);
  return ip.value >> bits === c.network >> bits;
}

/**
 * Felix renders a rule per IP family with only that family's CIDRs; a CIDR
 * list left empty by the filtering, or a negated catch-all, drops the rule for
 * that family (rules/policy.go FilterRuleToIPVersion).
 */
function netsRenderFor(nets: readonly ParsedCidr[] | null, family: IpFamily, negated: boolean): boolean {
  if (nets === null) return true;
  let any = false;
  for (const c of nets) {
    if (c.family !== family) continue;
    if (negated && c.prefixLength === 0) return false;
    any = true;
  }
  return any;
}

function portInRanges(spec: PortSpec, port: number): boolean {
  for (const [lo, hi] of spec.ranges) if (port >= lo && port <= hi) return true;
  return false;
}

/** (ip, protocol, port) is a named port `names[i]` of an owner matching `sel` (or any owner). */
function namedPortMatch(
  spec: PortSpec,
  owners: readonly AddressOwner[],
  sel: Matcher | null,
  ruleProtocol: number | null,
  pkt: PacketView,
  port: number,
): boolean {
  if (spec.names.length === 0) return false;
  for (const o of owners) {
    if (o.ports === null || o.ports.length === 0) continue;
    if (sel !== null && !sel(o.item)) continue;
    for (const ep of o.ports) {
      if (ep.port !== port || !spec.names.includes(ep.name)) continue;
      const proto = protocolNumber(ep.protocol);
      if (proto !== pkt.protocol) continue;
      if (ruleProtocol !== null && ruleProtocol !== proto) continue;
      return true;
    }
  }
  return false;
}

function portsMatch(
  spec: PortSpec,
  owners: readonly AddressOwner[],
  sel: Matcher | null,
  ruleProtocol: number | null,
  pkt: PacketView,
  port: number | undefined,
): boolean {
  if (port === undefined || !protocolHasPorts(pkt.protocol)) return false;
  return portInRanges(spec, port) || namedPortMatch(spec, owners, sel, ruleProtocol, pkt, port);
}

function sideMatches(
  side: CompiledSide,
  ip: ParsedIp,
  owners: readonly AddressOwner[],
  port: number | undefined,
  rule: CompiledRule,
  pkt: PacketView,
): boolean {
  // Services need EndpointSlices, which the model is not given: such a rule cannot match.
  if (side.hasServices) return false;
  if (side.nets !== null && !inAny(side.nets, ip)) return false;
  if (side.notNets !== null && inAny(side.notNets, ip)) return false;
  const pos = side.positive;
  if (pos !== null && !owners.some((o) => pos(o.item))) return false;
  const neg = side.negative;
  if (neg !== null && owners.some((o) => neg(o.item))) return false;
  if (side.ports !== null && !portsMatch(side.ports, owners, pos, rule.protocol, pkt, port)) return false;
  // A packet without ports is in no port set, so a negated port match holds for it.
  if (side.notPorts !== null && portsMatch(side.notPorts, owners, pos, rule.protocol, pkt, port)) return false;
  return true;
}

function icmpMatches(f: { readonly type?: number; readonly code?: number }, pkt: PacketView): boolean {
  if (pkt.protocol !== 1 && pkt.protocol !== 58) return false;
  if (f.type !== undefined && pkt.icmpType !== f.type) return false;
  if (f.code !== undefined && pkt.icmpCode !== f.code) return false;
  return true;
}

export function ruleMatches(rule: CompiledRule, pkt: PacketView): boolean {
  if (rule.ipVersion !== null && rule.ipVersion !== pkt.family) return false;
  const s = rule.source;
  const d = rule.destination;
  if (!(pkt.family === 4 ? rule.renders4 : rule.renders6)) return false;
  if (rule.protocol !== null && rule.protocol !== pkt.protocol) return false;
  if (rule.notProtocol !== null && rule.notProtocol === pkt.protocol) return false;
  if (rule.icmp !== null && !icmpMatches(rule.icmp, pkt)) return false;
  // iptables semantics: "not (type T [and code C])" (policy.md §7 #31).
  if (rule.notICMP !== null && (pkt.protocol === 1 || pkt.protocol === 58) && icmpMatches(rule.notICMP, pkt)) return false;
  if (!sideMatches(s, pkt.src, pkt.srcOwners, pkt.srcPort, rule, pkt)) return false;
  if (!sideMatches(d, pkt.dst, pkt.dstOwners, pkt.dstPort, rule, pkt)) return false;
  return true;
}
