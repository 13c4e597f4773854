// Test helpers: resource builders, and a tiny in-memory dataplane that applies
// flushed batches and checks that each message's dependencies already exist.
import type { StoredResource } from '../../src/datastore/types.js';
import { CalcGraph, type CalcEvent, type CalcGraphOptions } from '../../src/calc/index.js';
import {
  policyIdString,
  type ActivePolicy,
  type ActiveProfile,
  type DataplaneUpdate,
  type HostEndpointIntent,
  type IpSetType,
  type ParsedRule,
  type WorkloadEndpointIntent,
} from '../../src/calc/types.js';

export const HOST = 'node1';
const V3 = 'projectcalico.org/v3';

type Obj = Record<string, unknown>;

export function tier(name: string, order?: number, defaultAction: 'Deny' | 'Pass' = 'Deny'): StoredResource {
  return { apiVersion: V3, kind: 'Tier', metadata: { name }, spec: { ...(order === undefined ? {} : { order }), defaultAction } };
}

export function gnp(name: string, spec: Obj): StoredResource {
  return { apiVersion: V3, kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}

export function np(namespace: string, name: string, spec: Obj, kind = 'NetworkPolicy'): StoredResource {
  return { apiVersion: V3, kind, metadata: { name, namespace }, spec };
}

export function knp(namespace: string, name: string, spec: Obj): StoredResource {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export function profile(name: string, spec: Obj): StoredResource {
  return { apiVersion: V3, kind: 'Profile', metadata: { name }, spec };
}

/** `kns.<ns>` as Calico synthesises it: allow-all, namespace labels as pcns.*. */
export function nsProfile(ns: string, labels: Record<string, string> = {}): StoredResource {
  const labelsToApply: Record<string, string> = { 'pcns.projectcalico.org/name': ns };
  for (const [k, v] of Object.entries(labels)) labelsToApply[`pcns.${k}`] = v;
  return profile(`kns.${ns}`, { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply });
}

export interface WepOptions {
  readonly node?: string;
  readonly labels?: Record<string, string>;
  readonly ips?: readonly string[];
  readonly profiles?: readonly string[];
  readonly ports?: readonly Obj[];
  readonly sa?: string;
  /** spec.ipNATs: `{internalIP, externalIP}` pairs. */
  readonly nats?: readonly Obj[];
}

export function wep(ns: string, pod: string, o: WepOptions = {}): StoredResource {
  const node = o.node ?? HOST;
  return {
    apiVersion: V3,
    kind: 'WorkloadEndpoint',
    metadata: { name: `${node}-k8s-${pod}-eth0`, namespace: ns, labels: o.labels ?? {} },
    spec: {
      orchestrator: 'k8s',
      node,
      pod,
      endpoint: 'eth0',
      interfaceName: `cali${pod}`.slice(0, 15),
      ipNetworks: o.ips ?? ['10.0.0.1/32'],
      profiles: o.profiles ?? [`kns.${ns}`],
      ...(o.ports === undefined ? {} : { ports: o.ports }),
      ...(o.sa === undefined ? {} : { serviceAccountName: o.sa }),
      ...(o.nats === undefined ? {} : { ipNATs: o.nats }),
    },
  };
}

export function wepId(ns: string, pod: string, node = HOST): string {
  return `${node}/k8s/${ns}/${pod}/eth0`;
}

export function hep(name: string, o: { node?: string; labels?: Record<string, string>; ips?: string[]; iface?: string; profiles?: string[] } = {}): StoredResource {
  return {
    apiVersion: V3,
    kind: 'HostEndpoint',
    metadata: { name, labels: o.labels ?? {} },
    spec: { node: o.node ?? HOST, interfaceName: o.iface ?? 'eth0', expectedIPs: o.ips ?? ['192.168.0.1'], ...(o.profiles ? { profiles: o.profiles } : {}) },
  };
}

export function netset(ns: string | undefined, name: string, nets: string[], labels: Record<string, string> = {}): StoredResource {
  return ns === undefined
    ? { apiVersion: V3, kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets } }
    : { apiVersion: V3, kind: 'NetworkSet', metadata: { name, namespace: ns, labels }, spec: { nets } };
}

export function felixConfig(name: string, spec: Obj): StoredResource {
  return { apiVersion: V3, kind: 'FelixConfiguration', metadata: { name }, spec };
}

// ---- events ----

export type Step = { readonly set: StoredResource } | { readonly del: StoredResource };

function keyOf(r: StoredResource) {
  const kind = r.kind === 'NetworkPolicy' && r.apiVersion === 'networking.k8s.io/v1' ? 'KubernetesNetworkPolicy' : r.kind;
  return r.metadata.namespace === undefined ? { kind, name: r.metadata.name } : { kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

export function toEvent(step: Step, revision: number): CalcEvent {
  if ('set' in step) return { type: 'modified', resource: step.set, revision };
  return { type: 'deleted', key: keyOf(step.del), revision };
}

export const set = (r: StoredResource): Step => ({ set: r });
export const del = (r: StoredResource): Step => ({ del: r });

// ---- the in-memory dataplane ----

export interface DataplaneState {
  config: Record<string, string> | undefined;
  readonly ipSets: Map<string, { type: IpSetType; members: Set<string> }>;
  readonly policies: Map<string, ActivePolicy>;
  readonly profiles: Map<string, ActiveProfile>;
  readonly weps: Map<string, WorkloadEndpointIntent>;
  readonly heps: Map<string, HostEndpointIntent>;
  inSync: number | undefined;
}

export function emptyState(): DataplaneState {
  return { config: undefined, ipSets: new Map(), policies: new Map(), profiles: new Map(), weps: new Map(), heps: new Map(), inSync: undefined };
}

function ruleSets(r: ParsedRule): string[] {
  return [
    ...r.srcIpSetIds,
    ...r.notSrcIpSetIds,
    ...r.dstIpSetIds,
    ...r.notDstIpSetIds,
    ...r.srcNamedPortIpSetIds,
    ...r.notSrcNamedPortIpSetIds,
    ...r.dstNamedPortIpSetIds,
    ...r.notDstNamedPortIpSetIds,
    ...r.dstIpPortSetIds,
  ];
}

function rulesOf(p: { inboundRules: readonly ParsedRule[]; outboundRules: readonly ParsedRule[] }): ParsedRule[] {
  return [...p.inboundRules, ...p.outboundRules];
}

function tiersOf(e: WorkloadEndpointIntent | HostEndpointIntent): string[] {
  const lists = 'untrackedTiers' in e ? [e.tiers, e.untrackedTiers, e.preDnatTiers, e.forwardTiers] : [e.tiers];
  return lists.flat().flatMap((t) => [...t.ingressPolicies, ...t.egressPolicies]);
}

function fail(msg: string): never {
  throw new Error(`dataplane: ${msg}`);
}

/** Applies one batch, insisting that everything a message refers to is already there. */
export function apply(state: DataplaneState, batch: readonly DataplaneUpdate[]): void {
  const endpoints = (): (WorkloadEndpointIntent | HostEndpointIntent)[] => [...state.weps.values(), ...state.heps.values()];
  for (const u of batch) {
    switch (u.type) {
      case 'config-update':
        state.config = { ...u.config };
        break;
      case 'ipset-update':
        state.ipSets.set(u.id, { type: u.setType, members: new Set(u.members) });
        break;
      case 'ipset-delta': {
        const s = state.ipSets.get(u.id) ?? fail(`delta for unknown set ${u.id}`);
        for (const m of u.removed) if (!s.members.delete(m)) fail(`removing absent member ${m} of ${u.id}`);
        for (const m of u.added) {
          if (s.members.has(m)) fail(`adding present member ${m} to ${u.id}`);
          s.members.add(m);
        }
        break;
      }
      case 'ipset-remove':
        if (!state.ipSets.has(u.id)) fail(`removing unknown set ${u.id}`);
        for (const p of [...state.policies.values(), ...state.profiles.values()]) {
          if (rulesOf(p).some((r) => ruleSets(r).includes(u.id))) fail(`removing set ${u.id} still in use`);
        }
        state.ipSets.delete(u.id);
        break;
      case 'policy-update':
      case 'profile-update': {
        const p = u.type === 'policy-update' ? u.policy : u.profile;
        for (const r of rulesOf(p)) for (const id of ruleSets(r)) if (!state.ipSets.has(id)) fail(`rule refers to missing set ${id}`);
        if (u.type === 'policy-update') state.policies.set(policyIdString(u.id), u.policy);
        else state.profiles.set(u.id, u.profile);
        break;
      }
      case 'policy-remove': {
        const id = policyIdString(u.id);
        if (!state.policies.delete(id)) fail(`removing unknown policy ${id}`);
        if (endpoints().some((e) => tiersOf(e).includes(id))) fail(`removing policy ${id} still in use`);
        break;
      }
      case 'profile-remove':
        if (!state.profiles.delete(u.id)) fail(`removing unknown profile ${u.id}`);
        if (endpoints().some((e) => e.profileIds.includes(u.id))) fail(`removing profile ${u.id} still in use`);
        break;
      case 'workload-endpoint-update':
      case 'host-endpoint-update': {
        const e = u.endpoint;
        for (const id of tiersOf(e)) if (!state.policies.has(id)) fail(`endpoint ${e.id} refers to missing policy ${id}`);
        for (const id of e.profileIds) if (!state.profiles.has(id)) fail(`endpoint ${e.id} refers to missing profile ${id}`);
        if (u.type === 'workload-endpoint-update') state.weps.set(u.endpoint.id, u.endpoint);
        else state.heps.set(u.endpoint.id, u.endpoint);
        break;
      }
      case 'workload-endpoint-remove':
        if (!state.weps.delete(u.id)) fail(`removing unknown workload endpoint ${u.id}`);
        break;
      case 'host-endpoint-remove':
        if (!state.heps.delete(u.id)) fail(`removing unknown host endpoint ${u.id}`);
        break;
      case 'in-sync':
        state.inSync = u.revision;
        break;
    }
  }
}

/** A comparable, order-free picture of the dataplane (the in-sync revision left out). */
export function snapshot(state: DataplaneState): unknown {
  const sorted = <V>(m: Map<string, V>, f: (v: V) => unknown = (v) => v) => Object.fromEntries([...m.keys()].sort().map((k) => [k, f(m.get(k) as V)]));
  return {
    config: state.config,
    ipSets: sorted(state.ipSets, (s) => ({ type: s.type, members: [...s.members].sort() })),
    policies: sorted(state.policies),
    profiles: sorted(state.profiles),
    weps: sorted(state.weps),
    heps: sorted(state.heps),
  };
}

/** A graph plus its dataplane: feed steps, flush, inspect. */
export class Harness {
  readonly graph: CalcGraph;
  readonly state = emptyState();
  readonly batches: DataplaneUpdate[][] = [];
  private revision = 0;

  constructor(opts: Partial<CalcGraphOptions> = {}) {
    this.graph = new CalcGraph({ hostname: HOST, ...opts });
  }

  feed(...steps: Step[]): this {
    for (const s of steps) this.graph.onUpdate(toEvent(s, ++this.revision));
    return this;
  }

  sync(): this {
    this.graph.onInSync(this.revision);
    return this;
  }

  flush(): DataplaneUpdate[] {
    const batch = [...this.graph.flush()];
    apply(this.state, batch);
    this.batches.push(batch);
    return batch;
  }

  /** Feed, sync and flush in one go; returns the batch. */
  load(...steps: Step[]): DataplaneUpdate[] {
    return this.feed(...steps).sync().flush();
  }
}

/** The dataplane state (not a snapshot) after loading `steps` and syncing. */
export function finalStateOf(steps: readonly Step[], opts: Partial<CalcGraphOptions> = {}): DataplaneState {
  const h = new Harness(opts);
  h.load(...steps);
  return h.state;
}

/**
 * The final dataplane after `steps`, flushing after the indices in `flushAfter`
 * and at the end; in sync from the start, or from just after step `syncAfter`.
 */
export function finalState(steps: readonly Step[], flushAfter: ReadonlySet<number> = new Set(), syncAfter = -1): unknown {
  const h = new Harness();
  if (syncAfter < 0) h.sync();
  steps.forEach((s, i) => {
    h.feed(s);
    if (i === syncAfter) h.sync();
    if (flushAfter.has(i)) h.flush();
  });
  if (syncAfter >= steps.length) h.sync();
  h.flush();
  return snapshot(h.state);
}

export function typesOf(batch: readonly DataplaneUpdate[]): string[] {
  return batch.map((u) => u.type);
}
