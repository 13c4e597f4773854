// tierInfoToProtoTierInfo (event_sequencer.go): an endpoint's resolved tiers
// split into the lists the dataplane programs. Workload endpoints get only the
// normal tiers; host endpoints also untracked (doNotTrack), preDNAT (ingress
// only) and forward (applyOnForward) tiers, the first two always defaulting to
// Pass. A tier with no policy for either direction is left out of a list.
import type { ModelEndpoint, ModelPolicy } from './model.js';
import type { ResolvedTier } from './policy-resolver.js';
import { policyIdString, type HostEndpointIntent, type TierInfo, type WorkloadEndpointIntent } from './types.js';

type Lane = 'normal' | 'untracked' | 'preDnat' | 'forward';

interface Collected {
  readonly ingress: string[];
  readonly egress: string[];
}

function split(tiers: readonly ResolvedTier[]): Record<Lane, TierInfo[]> {
  const out: Record<Lane, TierInfo[]> = { normal: [], untracked: [], preDnat: [], forward: [] };
  for (const tier of tiers) {
    const lanes: Record<Lane, Collected> = {
      normal: { ingress: [], egress: [] },
      untracked: { ingress: [], egress: [] },
      preDnat: { ingress: [], egress: [] },
      forward: { ingress: [], egress: [] },
    };
    const put = (lane: Lane, p: ModelPolicy, ingressOnly = false): void => {
      const id = policyIdString(p.id);
      if (p.ingress) lanes[lane].ingress.push(id);
      if (p.egress && !ingressOnly) lanes[lane].egress.push(id);
    };
    for (const p of tier.policies) {
      if (p.untracked) put('untracked', p);
      else if (p.preDNAT) put('preDnat', p, true);
      else {
        put('normal', p);
        if (p.applyOnForward) put('forward', p);
      }
    }
    for (const lane of Object.keys(lanes) as Lane[]) {
      const c = lanes[lane];
      if (c.ingress.length === 0 && c.egress.length === 0) continue;
      const forcedPass = lane === 'untracked' || lane === 'preDnat';
      out[lane].push({
        name: tier.name,
        defaultAction: forcedPass ? 'pass' : tier.defaultAction,
        ingressPolicies: c.ingress,
        egressPolicies: c.egress,
      });
    }
  }
  return out;
}

export type EndpointIntent =
  | { readonly kind: 'wep'; readonly intent: WorkloadEndpointIntent }
  | { readonly kind: 'hep'; readonly intent: HostEndpointIntent };

export function endpointIntent(ep: ModelEndpoint, tiers: readonly ResolvedTier[]): EndpointIntent {
  const lanes = split(tiers);
  if (ep.kind === 'wep') {
    return {
      kind: 'wep',
      intent: {
        id: ep.felixId,
        interfaceName: ep.interfaceName,
        ...(ep.mac === undefined ? {} : { mac: ep.mac }),
        ipv4Nets: ep.ipv4Nets,
        ipv6Nets: ep.ipv6Nets,
        tiers: lanes.normal,
        profileIds: ep.profileIds,
        allowSpoofedSourcePrefixes: ep.allowSpoofedSourcePrefixes,
        ipv4Nat: ep.ipv4Nat,
        ipv6Nat: ep.ipv6Nat,
      },
    };
  }
  return {
    kind: 'hep',
    intent: {
      id: ep.felixId,
      interfaceName: ep.interfaceName,
      expectedIpv4Addrs: ep.expectedIpv4Addrs as HostEndpointIntent['expectedIpv4Addrs'],
      expectedIpv6Addrs: ep.expectedIpv6Addrs as HostEndpointIntent['expectedIpv6Addrs'],
      tiers: lanes.normal,
      untrackedTiers: lanes.untracked,
      preDnatTiers: lanes.preDnat,
      forwardTiers: lanes.forward,
      profileIds: ep.profileIds,
    },
  };
}
