// The desired-state model: `onUpdate` only records intent and marks what it
// touched dirty (cheap, per-object coalescing); `render` turns the dirty
// objects into chains, sets and verdict-map entries, per family, and says
// which names changed. Pure: no kernel.
import type { IpFamily } from '../api/net.js';
import type {
  ActivePolicy, ActiveProfile, DataplaneUpdate, HostEndpointIntent, IpSetId, IpSetType, ParsedRule, PolicyId, WorkloadEndpointIntent,
} from '../calc/types.js';
import { policyIdString } from '../calc/types.js';
import { dataplaneSettings, type DataplaneSettings } from './config.js';
import { expandLogPrefix, renderEndpointChain, renderRuleChain, type EndpointChainKind } from './chains.js';
import { needsInterval, setElements } from './ipsets.js';
import {
  MAP, ipSetName, nftFamily, policyChainName, profileChainName, workloadChainName, type Direction,
} from './names.js';
import { staticChains } from './static-chains.js';
import { hostChainNames, resolveHostEndpoints } from './host-endpoints.js';
import { Ownership, type OwnedChain, type OwnedEntry, type MutableFamily, type RenderScope } from './owners.js';
import { desiredChain, type DesiredChain, type DesiredFamily } from './state.js';
import { PolicyGroupChains, type PolicyGroup } from './policy-groups.js';
import { natOwnedChains } from './floating-ips.js';

export type { RenderScope };

const DIRS: readonly Direction[] = ['ingress', 'egress'];

function setRefs(rules: readonly ParsedRule[], into: Map<IpSetId, IpSetType>): void {
  for (const r of rules) {
    for (const id of [...r.srcIpSetIds, ...r.notSrcIpSetIds, ...r.dstIpSetIds, ...r.notDstIpSetIds]) into.set(id, 'net');
    for (const id of [...r.srcNamedPortIpSetIds, ...r.notSrcNamedPortIpSetIds, ...r.dstNamedPortIpSetIds, ...r.notDstNamedPortIpSetIds, ...r.dstIpPortSetIds]) {
      into.set(id, 'ip-and-port');
    }
  }
}

function hasNats(ep: WorkloadEndpointIntent | undefined): boolean {
  return ep !== undefined && ep.ipv4Nat.length + ep.ipv6Nat.length > 0;
}

export class DesiredModel {
  private settings: DataplaneSettings = dataplaneSettings();
  private readonly ipsets = new Map<IpSetId, { type: IpSetType; members: Set<string> }>();
  private readonly policies = new Map<string, { id: PolicyId; policy: ActivePolicy }>();
  private readonly profiles = new Map<string, ActiveProfile>();
  private readonly weps = new Map<string, WorkloadEndpointIntent>();
  private readonly heps = new Map<string, HostEndpointIntent>();
  private readonly dirty = { ipsets: new Set<IpSetId>(), policies: new Set<string>(), profiles: new Set<string>(), weps: new Set<string>(), heps: new Set<string>(), statics: true, groupMarks: false, nat: true };
  /** What each object rendered last time, so its removal or change drops exactly that. */
  private readonly owners: Ownership;
  /** Policy group chains, reference counted by the endpoints that jump to them. */
  private readonly groupChains: PolicyGroupChains;
  /** Sets that rules reference but the calc graph has not sent (yet): they exist empty. */
  private readonly placeholderSets = new Map<IpSetId, IpSetType>();
  /** Which policies and profiles reference each set, to re-render them when its nft set changes name. */
  private readonly setUsers = new Map<IpSetId, Set<string>>();
  private readonly ownerRefs = new Map<string, IpSetId[]>();
  /** Current nft set name per `<family>|<id>`. */
  private readonly setNames = new Map<string, string>();
  private readonly fams: MutableFamily[];
  private seenInSync = false;
  private interfaceAddresses: ReadonlyMap<string, ReadonlySet<string>> = new Map();

  constructor(readonly families: readonly IpFamily[] = [4, 6]) {
    this.fams = families.map((f) => ({ family: nftFamily(f), chains: new Map(), sets: new Map(), maps: new Map(Object.values(MAP).map((m) => [m, new Map()])) }));
    this.owners = new Ownership(this.fams);
    this.groupChains = new PolicyGroupChains(this.fams);
  }

  get inSync(): boolean {
    return this.seenInSync;
  }

  get currentSettings(): DataplaneSettings {
    return this.settings;
  }

  onUpdate(u: DataplaneUpdate): void {
    switch (u.type) {
      case 'config-update':
        this.settings = dataplaneSettings(u.config);
        this.markAllDirty();
        return;
      case 'ipset-update':
        this.ipsets.set(u.id, { type: u.setType, members: new Set(u.members) });
        this.dirty.ipsets.add(u.id);
        return;
      case 'ipset-delta': {
        const s = this.ipsets.get(u.id);
        if (s === undefined) return; // a delta for a set we never saw: the full update will follow
        for (const m of u.removed) s.members.delete(m);
        for (const m of u.added) s.members.add(m);
        this.dirty.ipsets.add(u.id);
        return;
      }
      case 'ipset-remove':
        this.ipsets.delete(u.id);
        this.dirty.ipsets.add(u.id);
        return;
      case 'policy-update': {
        const key = policyIdString(u.id);
        if (!this.policies.has(key)) this.markEndpointsDirty();
        this.policies.set(key, { id: u.id, policy: u.policy });
        this.dirty.policies.add(key);
        return;
      }
      case 'policy-remove': {
        const key = policyIdString(u.id);
        if (this.policies.delete(key)) this.markEndpointsDirty();
        this.dirty.policies.add(key);
        return;
      }
      case 'profile-update':
        if (!this.profiles.has(u.id)) this.markEndpointsDirty();
        this.profiles.set(u.id, u.profile);
        this.dirty.profiles.add(u.id);
        return;
      case 'profile-remove':
        if (this.profiles.delete(u.id)) this.markEndpointsDirty();
        this.dirty.profiles.add(u.id);
        return;
      case 'workload-endpoint-update':
        if (hasNats(u.endpoint) || hasNats(this.weps.get(u.endpoint.id))) this.dirty.nat = true;
        if (u.endpoint.allowSpoofedSourcePrefixes.length > 0 || (this.weps.get(u.endpoint.id)?.allowSpoofedSourcePrefixes.length ?? 0) > 0) this.dirty.statics = true;
        this.weps.set(u.endpoint.id, u.endpoint);
        this.dirty.weps.add(u.endpoint.id);
        return;
      case 'workload-endpoint-remove':
        if (hasNats(this.weps.get(u.id))) this.dirty.nat = true;
        if ((this.weps.get(u.id)?.allowSpoofedSourcePrefixes.length ?? 0) > 0) this.dirty.statics = true;
        this.weps.delete(u.id);
        this.dirty.weps.add(u.id);
        return;
      case 'host-endpoint-update':
        this.heps.set(u.endpoint.id, u.endpoint);
        this.markHepsDirty();
        return;
      case 'host-endpoint-remove':
        this.heps.delete(u.id);
        this.markHepsDirty();
        return;
      case 'in-sync':
        this.seenInSync = true;
        return;
    }
  }

  /** Everything re-rendered on the next `render` (config change, or after the kernel state was lost). */
  markAllDirty(): void {
    for (const id of this.ipsets.keys()) this.dirty.ipsets.add(id);
    for (const id of this.policies.keys()) this.dirty.policies.add(id);
    for (const id of this.profiles.keys()) this.dirty.profiles.add(id);
    this.markEndpointsDirty();
    this.dirty.statics = true;
    this.dirty.groupMarks = true;
    this.dirty.nat = true;
  }

  private markEndpointsDirty(): void {
    for (const id of this.weps.keys()) this.dirty.weps.add(id);
    this.markHepsDirty();
  }

  private markHepsDirty(): void {
    for (const id of this.heps.keys()) this.dirty.heps.add(id);
    // Removed HEPs are remembered through their owned chains.
    for (const key of this.owners.chainOwners()) if (key.startsWith('hep:')) this.dirty.heps.add(key.slice(4));
    this.dirty.statics = true;
  }

  get hasDirty(): boolean {
    const d = this.dirty;
    return d.statics || d.nat || d.ipsets.size + d.policies.size + d.profiles.size + d.weps.size + d.heps.size > 0;
  }

  /** The current desired state, per family (read-only views). */
  desired(): readonly DesiredFamily[] {
    return this.fams;
  }

  /** Renders every dirty object; returns the names whose desired state may have changed. */
  render(): RenderScope {
    const scope: RenderScope = { chains: new Set(), sets: new Set(), maps: new Set() };
    for (const key of this.dirty.policies) this.indexRefs(`pol:${key}`, this.policies.get(key)?.policy);
    for (const key of this.dirty.profiles) this.indexRefs(`prof:${key}`, this.profiles.get(key));
    for (const id of this.dirty.ipsets) this.renderIpSet(id, scope);
    for (const key of this.dirty.policies) {
      const p = this.policies.get(key);
      this.owners.replace(`pol:${key}`, scope, p === undefined ? [] : this.policyChains(key, p.id, p.policy));
    }
    for (const key of this.dirty.profiles) {
      const p = this.profiles.get(key);
      this.owners.replace(`prof:${key}`, scope, p === undefined ? [] : this.profileChains(key, p));
    }
    for (const id of this.dirty.weps) this.renderWorkload(id, scope);
    const hepChoice = this.resolveHostEndpoints();
    for (const id of this.dirty.heps) this.renderHost(id, hepChoice, scope);
    this.groupChains.sweep(scope);
    if (this.dirty.groupMarks) this.groupChains.rewriteAll(this.settings.marks, scope);
    if (this.dirty.statics) this.renderStatics(hepChoice, scope);
    if (this.dirty.nat) this.owners.replace('nat', scope, natOwnedChains(this.weps.values(), this.settings.floatingIps));
    this.dirty.ipsets.clear();
    this.dirty.policies.clear();
    this.dirty.profiles.clear();
    this.dirty.weps.clear();
    this.dirty.heps.clear();
    this.dirty.statics = false;
    this.dirty.groupMarks = false;
    this.dirty.nat = false;
    return scope;
  }

  /** Records which sets `owner`'s rules reference; a referenced set we do not know becomes an empty placeholder. */
  private indexRefs(owner: string, rules: { readonly inboundRules: readonly ParsedRule[]; readonly outboundRules: readonly ParsedRule[] } | undefined): void {
    for (const id of this.ownerRefs.get(owner) ?? []) this.setUsers.get(id)?.delete(owner);
    const refs = new Map<IpSetId, IpSetType>();
    if (rules !== undefined) {
      setRefs(rules.inboundRules, refs);
      setRefs(rules.outboundRules, refs);
    }
    this.ownerRefs.set(owner, [...refs.keys()]);
    for (const [id, type] of refs) {
      let users = this.setUsers.get(id);
      if (users === undefined) this.setUsers.set(id, (users = new Set()));
      users.add(owner);
      if (!this.ipsets.has(id) && !this.placeholderSets.has(id)) {
        this.placeholderSets.set(id, type);
        this.dirty.ipsets.add(id);
      }
    }
  }

  /** The nft set rules use for `id` in `family` (before the set is rendered: Felix's interval-set name). */
  private setName(id: IpSetId, family: IpFamily): string {
    return this.setNames.get(`${family}|${id}`) ?? ipSetName(id, family);
  }

  private renderIpSet(id: IpSetId, scope: RenderScope): void {
    const s = this.ipsets.get(id);
    const users = this.setUsers.get(id);
    const used = users !== undefined && users.size > 0;
    // A set a rule references before (or after) the calc graph sends it exists empty: the rule loads and matches nothing.
    if (s !== undefined || !used) this.placeholderSets.delete(id);
    else if (!this.placeholderSets.has(id)) this.placeholderSets.set(id, 'net');
    const type = s?.type ?? this.placeholderSets.get(id);
    for (const fam of this.fams) {
      const family: IpFamily = fam.family === 'ip' ? 4 : 6;
      const key = `${family}|${id}`;
      const old = this.setNames.get(key);
      if (old !== undefined) {
        fam.sets.delete(old);
        scope.sets.add(old);
      }
      if (type === undefined) {
        this.setNames.delete(key);
        continue;
      }
      const elements = s === undefined ? [] : setElements(type, s.members, family);
      const interval = type === 'net' && needsInterval(elements);
      const name = ipSetName(id, family, type === 'net' && !interval);
      fam.sets.set(name, { type, interval, elements: new Set(elements) });
      this.setNames.set(key, name);
      scope.sets.add(name);
      // Another name means every rule referencing the set must be rewritten.
      if (old !== undefined && old !== name) {
        for (const u of users ?? []) {
          if (u.startsWith('pol:')) this.dirty.policies.add(u.slice(4));
          else this.dirty.profiles.add(u.slice(5));
        }
      }
    }
  }

  private policyChains(key: string, id: PolicyId, policy: ActivePolicy): OwnedChain[] {
    const logPrefix = expandLogPrefix(this.settings.logPrefix, { kind: key.slice(0, key.indexOf('/')), tier: policy.tier, ...(id.namespace === undefined ? {} : { namespace: id.namespace }), name: id.name });
    return DIRS.map((dir) => [
      policyChainName(key, dir),
      (f: IpFamily) => desiredChain(renderRuleChain({ id: key, isProfile: false, logPrefix }, dir, dir === 'ingress' ? policy.inboundRules : policy.outboundRules, f, this.settings, this.setNamer)),
    ]);
  }

  private profileChains(key: string, profile: ActiveProfile): OwnedChain[] {
    const logPrefix = expandLogPrefix(this.settings.logPrefix, { kind: 'pro', tier: '', name: key });
    return DIRS.map((dir) => [
      profileChainName(key, dir),
      (f: IpFamily) => desiredChain(renderRuleChain({ id: key, isProfile: true, logPrefix }, dir, dir === 'ingress' ? profile.inboundRules : profile.outboundRules, f, this.settings, this.setNamer)),
    ]);
  }

  private readonly setNamer = (id: IpSetId, family: IpFamily): string => this.setName(id, family);

  /** One endpoint chain (the same in both families); the groups it jumps to are added to `groups`. */
  private endpointChain(kind: EndpointChainKind, dir: Direction, tiers: WorkloadEndpointIntent['tiers'], profileIds: readonly string[], groups: PolicyGroup[]): (f: IpFamily) => DesiredChain {
    const rendered = renderEndpointChain({
      kind, dir, tiers, profileIds, settings: this.settings,
      hasPolicyChain: (id) => this.policies.has(id),
      hasProfileChain: (id) => this.profiles.has(id),
    });
    groups.push(...rendered.groups);
    const chain = desiredChain(rendered.rules);
    return () => chain;
  }

  private renderWorkload(id: string, scope: RenderScope): void {
    const ep = this.weps.get(id);
    const owner = `wep:${id}`;
    if (ep === undefined) {
      this.owners.replace(owner, scope, []);
      this.groupChains.use(owner, [], this.settings.marks, scope);
      return;
    }
    const groups: PolicyGroup[] = [];
    const tw = workloadChainName(ep.interfaceName, 'ingress');
    const fw = workloadChainName(ep.interfaceName, 'egress');
    this.owners.replace(owner, scope, [
      [tw, this.endpointChain('workload', 'ingress', ep.tiers, ep.profileIds, groups)],
      [fw, this.endpointChain('workload', 'egress', ep.tiers, ep.profileIds, groups)],
    ], [
      [{ map: MAP.toWlDispatch, key: ep.interfaceName }, `goto ${tw}`],
      [{ map: MAP.fromWlDispatch, key: ep.interfaceName }, `goto ${fw}`],
    ]);
    this.groupChains.use(owner, groups, this.settings.marks, scope);
  }

  /** Host interface addresses, for host endpoints that name expected IPs instead of an interface. */
  setInterfaceAddresses(addrs: ReadonlyMap<string, ReadonlySet<string>>): void {
    const key = (m: ReadonlyMap<string, ReadonlySet<string>>): string => JSON.stringify([...m].map(([k, v]) => [k, [...v].sort()]).sort());
    if (key(addrs) === key(this.interfaceAddresses)) return;
    this.interfaceAddresses = addrs;
    this.markHepsDirty();
  }

  /** True when some host endpoint is bound by its expected IPs, so interface addresses matter. */
  get wantsInterfaceAddresses(): boolean {
    for (const h of this.heps.values()) if (h.interfaceName === '') return true;
    return false;
  }

  private resolveHostEndpoints(): Map<string, string> {
    const prefixes = this.settings.interfacePrefixes;
    return resolveHostEndpoints(this.heps, this.interfaceAddresses, (iface) => prefixes.some((p) => iface.startsWith(p)));
  }

  private renderHost(id: string, choice: Map<string, string>, scope: RenderScope): void {
    const hep = this.heps.get(id);
    const ifaces = hep === undefined ? [] : [...choice].filter(([, h]) => h === id).map(([iface]) => iface).sort();
    const owner = `hep:${id}`;
    if (hep === undefined || ifaces.length === 0) {
      this.owners.replace(owner, scope, []);
      this.groupChains.use(owner, [], this.settings.marks, scope);
      return;
    }
    const groups: PolicyGroup[] = [];
    const chains: OwnedChain[] = [];
    const entries: OwnedEntry[] = [];
    for (const iface of ifaces) {
      const names = hostChainNames(iface);
      chains.push(
        [names.fh, this.endpointChain('host', 'ingress', hep.tiers, hep.profileIds, groups)],
        [names.th, this.endpointChain('host', 'egress', hep.tiers, hep.profileIds, groups)],
        [names.fhfw, this.endpointChain('host-forward', 'ingress', hep.forwardTiers, [], groups)],
        [names.thfw, this.endpointChain('host-forward', 'egress', hep.forwardTiers, [], groups)],
        [names.rawFh, this.endpointChain('host-untracked', 'ingress', hep.untrackedTiers, [], groups)],
        [names.rawTh, this.endpointChain('host-untracked', 'egress', hep.untrackedTiers, [], groups)],
        [names.mangleFh, this.endpointChain('host-prednat', 'ingress', hep.preDnatTiers, [], groups)],
      );
      // The `*` endpoint is reached by the dispatch chains' fallback, not by map entries.
      if (iface === '*') continue;
      const entry = (map: string, chain: string): OwnedEntry => [{ map, key: iface }, `goto ${chain}`];
      entries.push(
        entry(MAP.fromHepDispatch, names.fh), entry(MAP.toHepDispatch, names.th),
        entry(MAP.fromHepFwdDispatch, names.fhfw), entry(MAP.toHepFwdDispatch, names.thfw),
        entry(MAP.rawFromHepDispatch, names.rawFh), entry(MAP.rawToHepDispatch, names.rawTh),
        entry(MAP.mangleFromHepDispatch, names.mangleFh),
      );
    }
    this.owners.replace(owner, scope, chains, entries);
    this.groupChains.use(owner, groups, this.settings.marks, scope);
  }

  private renderStatics(choice: Map<string, string>, scope: RenderScope): void {
    const wc = choice.has('*') ? hostChainNames('*') : undefined;
    for (const fam of this.fams) {
      const family: IpFamily = fam.family === 'ip' ? 4 : 6;
      const rpfSkip = [...this.weps.values()]
        .filter((w) => w.allowSpoofedSourcePrefixes.length > 0)
        .map((w) => ({ iface: w.interfaceName, prefixes: w.allowSpoofedSourcePrefixes }))
        .sort((x, y) => (x.iface < y.iface ? -1 : x.iface > y.iface ? 1 : 0));
      for (const c of staticChains({ family, settings: this.settings, rpfSkip, ...(wc === undefined ? {} : { wildcardHep: wc }) })) {
        fam.chains.set(c.name, desiredChain(c.rules, c.base));
        scope.chains.add(c.name);
      }
    }
    for (const m of Object.values(MAP)) scope.maps.add(m);
  }
}
