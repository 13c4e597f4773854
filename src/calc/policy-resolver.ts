// PolicyResolver: for each local endpoint, the tiers and policies that apply
// to it, in evaluation order. It learns matches from the
// ActiveRulesCalculator, marks endpoints dirty when their matches, a matching
// policy's metadata or any tier changes, and resolves only dirty endpoints on
// flush — and only once the datastore is in sync, as Felix does.
import type { ModelEndpoint, ModelPolicy, ModelTier } from './model.js';
import { comparePolicies, compareTiers, type TierRef } from './policy-sorter.js';

export interface ResolvedTier {
  readonly name: string;
  readonly defaultAction: 'deny' | 'pass';
  /** Only policies that match the endpoint, in order. */
  readonly policies: readonly ModelPolicy[];
}

export interface PolicyResolverListener {
  onEndpointResolved(key: string, endpoint: ModelEndpoint, tiers: readonly ResolvedTier[]): void;
  onEndpointRemoved(key: string, endpoint: ModelEndpoint): void;
}

/** The fields that decide where and how a policy sorts and applies; rules do not matter here. */
function sameMetadata(a: ModelPolicy, b: ModelPolicy): boolean {
  return (
    a.tier === b.tier &&
    a.order === b.order &&
    a.ingress === b.ingress &&
    a.egress === b.egress &&
    a.untracked === b.untracked &&
    a.preDNAT === b.preDNAT &&
    a.applyOnForward === b.applyOnForward
  );
}

export class PolicyResolver {
  private readonly tiers = new Map<string, ModelTier>();
  private readonly policies = new Map<string, ModelPolicy>();
  private readonly endpoints = new Map<string, ModelEndpoint>();
  private readonly endpointPolicies = new Map<string, Set<string>>();
  private readonly policyEndpoints = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Map<string, ModelEndpoint>();
  private inSync = false;

  constructor(private readonly listener: PolicyResolverListener) {}

  onTierUpdate(name: string, tier: ModelTier | undefined): void {
    if (tier === undefined) this.tiers.delete(name);
    else this.tiers.set(name, tier);
    // Tier order and default action reach every endpoint.
    for (const key of this.endpoints.keys()) this.dirty.add(key);
  }

  onPolicyUpdate(key: string, policy: ModelPolicy | undefined): void {
    const old = this.policies.get(key);
    if (policy === undefined) this.policies.delete(key);
    else this.policies.set(key, policy);
    if (old !== undefined && policy !== undefined && sameMetadata(old, policy)) return;
    for (const ep of this.policyEndpoints.get(key) ?? []) this.dirty.add(ep);
  }

  onEndpointUpdate(key: string, endpoint: ModelEndpoint | undefined): void {
    const old = this.endpoints.get(key);
    if (endpoint === undefined) {
      if (old === undefined) return;
      this.endpoints.delete(key);
      this.dirty.delete(key);
      this.removed.set(key, old);
      return;
    }
    // The dataplane keys endpoints by Felix ID: if it changed, the old one goes.
    if (old !== undefined && old.felixId !== endpoint.felixId) this.removed.set(key, old);
    this.endpoints.set(key, endpoint);
    this.dirty.add(key);
  }

  onPolicyMatchStarted(policyKey: string, endpointKey: string): void {
    addTo(this.endpointPolicies, endpointKey, policyKey);
    addTo(this.policyEndpoints, policyKey, endpointKey);
    this.dirty.add(endpointKey);
  }

  onPolicyMatchStopped(policyKey: string, endpointKey: string): void {
    removeFrom(this.endpointPolicies, endpointKey, policyKey);
    removeFrom(this.policyEndpoints, policyKey, endpointKey);
    if (this.endpoints.has(endpointKey)) this.dirty.add(endpointKey);
  }

  onInSync(): void {
    this.inSync = true;
  }

  flush(): void {
    if (!this.inSync) return;
    for (const [key, ep] of this.removed) {
      if (!this.endpoints.has(key) || this.endpoints.get(key)?.felixId !== ep.felixId) this.listener.onEndpointRemoved(key, ep);
    }
    this.removed.clear();
    for (const key of this.dirty) {
      const ep = this.endpoints.get(key);
      if (ep !== undefined) this.listener.onEndpointResolved(key, ep, this.resolve(key));
    }
    this.dirty.clear();
  }

  private resolve(endpointKey: string): ResolvedTier[] {
    const byTier = new Map<string, ModelPolicy[]>();
    for (const pk of this.endpointPolicies.get(endpointKey) ?? []) {
      const p = this.policies.get(pk);
      if (p === undefined) continue;
      let list = byTier.get(p.tier);
      if (list === undefined) byTier.set(p.tier, (list = []));
      list.push(p);
    }
    const refs: TierRef[] = [...byTier.keys()].map((name) => ({ name, tier: this.tiers.get(name) }));
    refs.sort(compareTiers);
    return refs.map((ref) => ({
      name: ref.name,
      // A tier named by policies but never defined behaves as default-deny.
      defaultAction: ref.tier?.defaultAction ?? 'deny',
      policies: (byTier.get(ref.name) ?? []).sort(comparePolicies),
    }));
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (s === undefined) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (s === undefined) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
