// Builders for calc-graph output, so tests state only what matters to them.
import type { Cidr } from '../../src/api/net.js';
import type {
  ActivePolicy, DataplaneUpdate, IpSetId, ParsedRule, PolicyId, TierInfo, WorkloadEndpointIntent,
} from '../../src/calc/types.js';

export function rule(over: Partial<ParsedRule> & Pick<ParsedRule, 'action'>): ParsedRule {
  return {
    srcNets: [], notSrcNets: [], dstNets: [], notDstNets: [],
    srcPorts: [], notSrcPorts: [], dstPorts: [], notDstPorts: [],
    srcIpSetIds: [], notSrcIpSetIds: [], dstIpSetIds: [], notDstIpSetIds: [],
    srcNamedPortIpSetIds: [], notSrcNamedPortIpSetIds: [], dstNamedPortIpSetIds: [], notDstNamedPortIpSetIds: [],
    dstIpPortSetIds: [],
    ruleId: 'r0000000000000000',
    ...over,
  };
}

export const cidr = (s: string): Cidr => s as Cidr;
export const setId = (s: string): IpSetId => s as IpSetId;

export function policy(over: Partial<ActivePolicy> = {}): ActivePolicy {
  return { tier: 'default', inboundRules: [], outboundRules: [], untracked: false, preDNAT: false, applyOnForward: false, ...over };
}

export function gnp(name: string): PolicyId {
  return { kind: 'GlobalNetworkPolicy', name };
}

export function tier(name: string, ingress: string[], egress: string[], defaultAction: 'deny' | 'pass' = 'deny'): TierInfo {
  return { name, defaultAction, ingressPolicies: ingress, egressPolicies: egress };
}

export function wep(iface: string, ipv4: string[], over: Partial<WorkloadEndpointIntent> = {}): WorkloadEndpointIntent {
  return {
    id: `host1/k8s/default.${iface}/eth0`,
    interfaceName: iface,
    ipv4Nets: ipv4.map(cidr),
    ipv6Nets: [],
    tiers: [],
    profileIds: [],
    allowSpoofedSourcePrefixes: [],
    ipv4Nat: [],
    ipv6Nat: [],
    ...over,
  };
}

export const allowAllProfile: DataplaneUpdate = {
  type: 'profile-update',
  id: 'kns.default',
  profile: { inboundRules: [rule({ action: 'allow' })], outboundRules: [rule({ action: 'allow' })] },
};
