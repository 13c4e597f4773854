// EventSequencer: buffers what the calc graph decided since the last flush,
// keeping at most one pending message per object (memory bounded by object
// count, not change rate), and emits them in dependency order: config, new IP
// sets, member deltas, policies, profiles, endpoints; then endpoint, profile,
// policy and IP set removals; in-sync last.
import type { EndpointIntent } from './endpoint-intent.js';
import {
  policyIdString,
  type ActivePolicy,
  type ActiveProfile,
  type DataplaneConfig,
  type DataplaneUpdate,
  type IpSetId,
  type IpSetMember,
  type IpSetType,
  type PolicyId,
} from './types.js';

interface Delta {
  readonly added: Set<IpSetMember>;
  readonly removed: Set<IpSetMember>;
}

/** Pending updates and removals of one kind of object, with what the dataplane already has. */
class Pending<V> {
  readonly updates = new Map<string, V>();
  readonly removals = new Map<string, DataplaneUpdate>();
  readonly sent = new Set<string>();

  update(key: string, value: V): void {
    this.removals.delete(key);
    this.updates.set(key, value);
  }

  remove(key: string, message: DataplaneUpdate): void {
    this.updates.delete(key);
    if (this.sent.has(key)) this.removals.set(key, message);
  }

  commit(): void {
    for (const key of this.updates.keys()) this.sent.add(key);
    for (const key of this.removals.keys()) this.sent.delete(key);
    this.updates.clear();
    this.removals.clear();
  }
}

export class EventSequencer {
  private config: DataplaneConfig | undefined;
  private readonly ipSetsAdded = new Map<IpSetId, { readonly type: IpSetType; readonly members: Set<IpSetMember> }>();
  private readonly ipSetDeltas = new Map<IpSetId, Delta>();
  private readonly ipSets = new Pending<never>();
  private readonly policies = new Pending<{ readonly id: PolicyId; readonly policy: ActivePolicy }>();
  private readonly profiles = new Pending<ActiveProfile>();
  private readonly endpoints = new Pending<EndpointIntent>();
  private inSync: number | undefined;

  onConfigUpdate(config: DataplaneConfig): void {
    this.config = config;
  }

  onIpSetAdded(id: IpSetId, type: IpSetType): void {
    this.ipSets.removals.delete(id);
    this.ipSetDeltas.delete(id);
    this.ipSetsAdded.set(id, { type, members: new Set() });
  }

  onIpSetRemoved(id: IpSetId): void {
    this.ipSetsAdded.delete(id);
    this.ipSetDeltas.delete(id);
    this.ipSets.remove(id, { type: 'ipset-remove', id });
  }

  onMemberAdded(id: IpSetId, m: IpSetMember): void {
    const added = this.ipSetsAdded.get(id);
    if (added !== undefined) {
      added.members.add(m);
      return;
    }
    const d = this.delta(id);
    if (!d.removed.delete(m)) d.added.add(m);
  }

  onMemberRemoved(id: IpSetId, m: IpSetMember): void {
    const added = this.ipSetsAdded.get(id);
    if (added !== undefined) {
      added.members.delete(m);
      return;
    }
    const d = this.delta(id);
    if (!d.added.delete(m)) d.removed.add(m);
  }

  onPolicyActive(id: PolicyId, policy: ActivePolicy): void {
    this.policies.update(policyIdString(id), { id, policy });
  }

  onPolicyInactive(id: PolicyId): void {
    this.policies.remove(policyIdString(id), { type: 'policy-remove', id });
  }

  onProfileActive(name: string, profile: ActiveProfile): void {
    this.profiles.update(name, profile);
  }

  onProfileInactive(name: string): void {
    this.profiles.remove(name, { type: 'profile-remove', id: name });
  }

  onEndpointUpdate(e: EndpointIntent): void {
    this.endpoints.update(e.intent.id, e);
  }

  onEndpointRemoved(kind: 'wep' | 'hep', id: string): void {
    this.endpoints.remove(id, { type: kind === 'wep' ? 'workload-endpoint-remove' : 'host-endpoint-remove', id });
  }

  onInSync(revision: number): void {
    this.inSync = revision;
  }

  flush(): DataplaneUpdate[] {
    const out: DataplaneUpdate[] = [];
    if (this.config !== undefined) out.push({ type: 'config-update', config: this.config });
    for (const [id, s] of this.ipSetsAdded) out.push({ type: 'ipset-update', id, setType: s.type, members: [...s.members] });
    for (const [id, d] of this.ipSetDeltas) {
      if (d.added.size > 0 || d.removed.size > 0) out.push({ type: 'ipset-delta', id, added: [...d.added], removed: [...d.removed] });
    }
    for (const { id, policy } of this.policies.updates.values()) out.push({ type: 'policy-update', id, policy });
    for (const [id, profile] of this.profiles.updates) out.push({ type: 'profile-update', id, profile });
    for (const e of this.endpoints.updates.values()) {
      out.push(e.kind === 'wep' ? { type: 'workload-endpoint-update', endpoint: e.intent } : { type: 'host-endpoint-update', endpoint: e.intent });
    }
    out.push(...this.endpoints.removals.values(), ...this.profiles.removals.values(), ...this.policies.removals.values());
    out.push(...this.ipSets.removals.values());
    if (this.inSync !== undefined) out.push({ type: 'in-sync', revision: this.inSync });
    for (const id of this.ipSetsAdded.keys()) this.ipSets.sent.add(id);
    this.ipSets.commit();
    this.policies.commit();
    this.profiles.commit();
    this.endpoints.commit();
    this.config = undefined;
    this.ipSetsAdded.clear();
    this.ipSetDeltas.clear();
    this.inSync = undefined;
    return out;
  }

  private delta(id: IpSetId): Delta {
    let d = this.ipSetDeltas.get(id);
    if (d === undefined) this.ipSetDeltas.set(id, (d = { added: new Set(), removed: new Set() }));
    return d;
  }
}
