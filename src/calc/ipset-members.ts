// SelectorAndNamedPortIndex: the members of every active IP set, from all
// endpoints (local or not) and network sets in the cluster. Selector matching
// runs through a LabelIndex keyed by selector unique ID, with profiles as label
// parents; members are reference counted, since two endpoints may share an IP
// (named_port_index.go). Net sets can be kept free of overlapping CIDRs.
import { LabelIndex } from './label-index.js';
import type { IpSetData } from './ipset-data.js';
import type { LabelledThing, ModelEndpointPort, NamedPortProtocol } from './model.js';
import { OverlapSuppressor } from './overlap.js';
import type { IpSetId, IpSetMember } from './types.js';

export interface IpSetMemberListener {
  onMemberAdded(id: IpSetId, member: IpSetMember): void;
  onMemberRemoved(id: IpSetId, member: IpSetMember): void;
}

interface SetState {
  readonly data: IpSetData;
  readonly refs: Map<IpSetMember, number>;
  readonly overlap: OverlapSuppressor | undefined;
}

function portMatches(want: NamedPortProtocol, have: ModelEndpointPort['protocol']): boolean {
  return want === 'any' || want === have;
}

/** An endpoint's (or network set's) contribution to one IP set. */
function contribution(thing: LabelledThing, data: IpSetData): IpSetMember[] {
  if (data.kind !== 'selector') return [];
  const np = data.namedPort;
  if (np === undefined) return [...thing.nets];
  const out: IpSetMember[] = [];
  for (const p of thing.ports) {
    if (p.name !== np.name || !portMatches(np.protocol, p.protocol)) continue;
    for (const net of thing.nets) out.push(`${net.slice(0, net.indexOf('/'))},${p.protocol}:${p.port}`);
  }
  return out;
}

function sameMembers(a: readonly IpSetMember[], b: readonly IpSetMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}

export class SelectorAndNamedPortIndex {
  private readonly things = new Map<string, LabelledThing>();
  private readonly sets = new Map<IpSetId, SetState>();
  /** Selector unique ID → IP sets built on it (a selector set and its named-port sets share one). */
  private readonly setsBySelector = new Map<string, Set<IpSetId>>();
  /** Item → IP set → what it contributed, so removal is keyed exactly as addition was. */
  private readonly contributions = new Map<string, Map<IpSetId, readonly IpSetMember[]>>();
  private readonly index: LabelIndex;

  constructor(
    private readonly listener: IpSetMemberListener,
    private readonly suppressOverlaps: boolean,
  ) {
    this.index = new LabelIndex({
      onMatchStarted: (selUid, itemId) => {
        for (const id of this.setsBySelector.get(selUid) ?? []) this.contribute(itemId, id);
      },
      onMatchStopped: (selUid, itemId) => {
        for (const id of this.setsBySelector.get(selUid) ?? []) this.withdraw(itemId, id);
      },
    });
  }

  // ---- IP sets (from the RuleScanner) ----

  addIpSet(data: IpSetData): void {
    if (this.sets.has(data.id)) return;
    const overlap = this.suppressOverlaps && data.kind === 'selector' && data.namedPort === undefined ? new OverlapSuppressor() : undefined;
    this.sets.set(data.id, { data, refs: new Map(), overlap });
    if (data.kind !== 'selector') return;
    const uid = data.selector.uniqueId;
    let ids = this.setsBySelector.get(uid);
    if (ids === undefined) {
      this.setsBySelector.set(uid, (ids = new Set([data.id])));
      this.index.updateSelector(uid, data.selector);
      return;
    }
    ids.add(data.id);
    for (const itemId of this.index.matchingItems(uid)) this.contribute(itemId, data.id);
  }

  /** The set's members vanish with it: no per-member removals are reported. */
  removeIpSet(data: IpSetData): void {
    if (!this.sets.delete(data.id)) return;
    if (data.kind !== 'selector') return;
    const uid = data.selector.uniqueId;
    const ids = this.setsBySelector.get(uid);
    for (const itemId of this.index.matchingItems(uid)) {
      const mine = this.contributions.get(itemId);
      mine?.delete(data.id);
      if (mine !== undefined && mine.size === 0) this.contributions.delete(itemId);
    }
    ids?.delete(data.id);
    if (ids !== undefined && ids.size === 0) {
      this.setsBySelector.delete(uid);
      this.index.deleteSelector(uid);
    }
  }

  // ---- endpoints, network sets and profile labels ----

  updateThing(key: string, thing: LabelledThing | undefined): void {
    if (thing === undefined) {
      if (!this.things.delete(key)) return;
      this.index.deleteItem(key);
      this.contributions.delete(key);
      return;
    }
    this.things.set(key, thing);
    this.index.updateItem(key, thing.labels, thing.profileIds);
    // Same labels but new addresses or ports: recompute what the item gives each set.
    const mine = this.contributions.get(key);
    if (mine === undefined) return;
    for (const [id, old] of mine) {
      const set = this.sets.get(id);
      if (set === undefined) continue;
      const now = contribution(thing, set.data);
      if (sameMembers(old, now)) continue;
      for (const m of now) this.ref(set, m);
      for (const m of old) this.unref(set, m);
      mine.set(id, now);
    }
  }

  updateProfileLabels(name: string, labels: Readonly<Record<string, string>> | undefined): void {
    this.index.updateParentLabels(name, labels);
  }

  totalMembers(): number {
    let n = 0;
    for (const s of this.sets.values()) n += s.refs.size;
    return n;
  }

  private contribute(itemId: string, id: IpSetId): void {
    const thing = this.things.get(itemId);
    const set = this.sets.get(id);
    if (thing === undefined || set === undefined) return;
    let mine = this.contributions.get(itemId);
    if (mine === undefined) this.contributions.set(itemId, (mine = new Map()));
    if (mine.has(id)) return;
    const members = contribution(thing, set.data);
    mine.set(id, members);
    for (const m of members) this.ref(set, m);
  }

  private withdraw(itemId: string, id: IpSetId): void {
    const mine = this.contributions.get(itemId);
    const old = mine?.get(id);
    if (mine === undefined || old === undefined) return;
    mine.delete(id);
    if (mine.size === 0) this.contributions.delete(itemId);
    const set = this.sets.get(id);
    if (set === undefined) return;
    for (const m of old) this.unref(set, m);
  }

  private ref(set: SetState, m: IpSetMember): void {
    const n = set.refs.get(m) ?? 0;
    set.refs.set(m, n + 1);
    if (n > 0) return;
    if (set.overlap === undefined) {
      this.listener.onMemberAdded(set.data.id, m);
      return;
    }
    const change = set.overlap.add(m);
    for (const r of change.remove) this.listener.onMemberRemoved(set.data.id, r);
    for (const a of change.add) this.listener.onMemberAdded(set.data.id, a);
  }

  private unref(set: SetState, m: IpSetMember): void {
    const n = set.refs.get(m) ?? 0;
    if (n > 1) {
      set.refs.set(m, n - 1);
      return;
    }
    set.refs.delete(m);
    if (set.overlap === undefined) {
      this.listener.onMemberRemoved(set.data.id, m);
      return;
    }
    const change = set.overlap.remove(m);
    for (const r of change.remove) this.listener.onMemberRemoved(set.data.id, r);
    for (const a of change.add) this.listener.onMemberAdded(set.data.id, a);
  }
}
