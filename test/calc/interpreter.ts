// A tiny software dataplane over the calc graph's output, for differential
// tests: evaluates one direction of a packet at a workload endpoint the way
// Felix's rendered chains would (tiers, end-of-tier, profiles, IP sets).
import { parseCidr, parseIp, cidrContainsIp } from '../../src/api/net.js';
import type { ParsedRule, PortRange, TierInfo } from '../../src/calc/types.js';
import type { DataplaneState } from './helpers.js';

export interface Packet {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

function inNets(ip: string, nets: readonly string[]): boolean {
  const p = parseIp(ip);
  return p !== null && nets.some((n) => {
    const c = parseCidr(n);
    return c !== null && c.family === p.family && cidrContainsIp(c, p);
  });
}

function inSet(state: DataplaneState, id: string, ip: string, protocol: number, port: number): boolean {
  const set = state.ipSets.get(id);
  if (set === undefined) throw new Error(`rule refers to unknown set ${id}`);
  if (set.type === 'net') return inNets(ip, [...set.members]);
  return set.members.has(`${ip},${PROTO_NAMES[protocol] ?? protocol}:${port}`);
}

const inRanges = (port: number, ranges: readonly PortRange[]): boolean => ranges.some((r) => port >= r.first && port <= r.last);

function sideMatches(state: DataplaneState, r: ParsedRule, side: 'src' | 'dst', pkt: Packet): boolean {
  const ip = side === 'src' ? pkt.srcIp : pkt.dstIp;
  const port = side === 'src' ? pkt.srcPort : pkt.dstPort;
  const [nets, notNets, sets, notSets, ports, notPorts, named, notNamed] =
    side === 'src'
      ? [r.srcNets, r.notSrcNets, r.srcIpSetIds, r.notSrcIpSetIds, r.srcPorts, r.notSrcPorts, r.srcNamedPortIpSetIds, r.notSrcNamedPortIpSetIds]
      : [r.dstNets, r.notDstNets, r.dstIpSetIds, r.notDstIpSetIds, r.dstPorts, r.notDstPorts, r.dstNamedPortIpSetIds, r.notDstNamedPortIpSetIds];
  if (nets.length > 0 && !inNets(ip, nets)) return false;
  if (inNets(ip, notNets)) return false;
  if (!sets.every((id) => inSet(state, id, ip, pkt.protocol, port))) return false;
  if (notSets.some((id) => inSet(state, id, ip, pkt.protocol, port))) return false;
  if (ports.length + named.length > 0 && !(inRanges(port, ports) || named.some((id) => inSet(state, id, ip, pkt.protocol, port)))) return false;
  if (inRanges(port, notPorts) || notNamed.some((id) => inSet(state, id, ip, pkt.protocol, port))) return false;
  return true;
}

function ruleMatches(state: DataplaneState, r: ParsedRule, pkt: Packet): boolean {
  const family = pkt.srcIp.includes(':') ? 6 : 4;
  if (r.ipVersion !== undefined && r.ipVersion !== family) return false;
  if (r.protocol !== undefined && r.protocol !== pkt.protocol) return false;
  if (r.notProtocol !== undefined && r.notProtocol === pkt.protocol) return false;
  return sideMatches(state, r, 'src', pkt) && sideMatches(state, r, 'dst', pkt);
}

/** An endpoint's normal tiers and profiles (workload endpoints, or a host endpoint's filter-table chains). */
export interface EndpointPolicy {
  readonly tiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
}

export function evaluate(state: DataplaneState, ep: EndpointPolicy, direction: 'ingress' | 'egress', pkt: Packet): 'allow' | 'deny' {
  for (const tier of ep.tiers) {
    const ids = direction === 'ingress' ? tier.ingressPolicies : tier.egressPolicies;
    if (ids.length === 0) continue;
    let passed = false;
    policies: for (const id of ids) {
      const pol = state.policies.get(id);
      if (pol === undefined) throw new Error(`endpoint refers to unknown policy ${id}`);
      for (const r of direction === 'ingress' ? pol.inboundRules : pol.outboundRules) {
        if (!ruleMatches(state, r, pkt) || r.action === 'log') continue;
        if (r.action === 'pass') {
          passed = true;
          break policies;
        }
        return r.action;
      }
    }
    if (!passed && tier.defaultAction === 'deny') return 'deny';
  }
  for (const name of ep.profileIds) {
    const prof = state.profiles.get(name);
    if (prof === undefined) throw new Error(`endpoint refers to unknown profile ${name}`);
    for (const r of direction === 'ingress' ? prof.inboundRules : prof.outboundRules) {
      if (!ruleMatches(state, r, pkt) || r.action === 'log') continue;
      if (r.action === 'pass') break;
      return r.action;
    }
  }
  return 'deny';
}
