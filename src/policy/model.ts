// The reference policy model: built once from resources, then answers "what
// happens to this flow, and why" as a pure function of them.
import { CalicoError, fail, fieldError, ok, type Result } from '../api/errors.js';
import { formatIp, parseIp, type ParsedIp } from '../api/net.js';
import { AddressMap, addressFor, pickFamily, type ResolvedPeer } from './addresses.js';
import { compileResources, type CompiledPolicy, type CompiledResources, type CompiledTier, type EndpointInfo } from './compile.js';
import { evaluateEndpoint, evaluateForward, planFor, type EndpointPlans, type HostFailsafes } from './evaluate.js';
import { nodeAddresses } from './nodes.js';
import { DEFAULT_FAILSAFE_INBOUND, DEFAULT_FAILSAFE_OUTBOUND, parseFailsafe } from './failsafe.js';
import { protocolNumber, type AddressOwner, type PacketView } from './rules.js';
import type {
  Direction,
  DirectionVerdict,
  EndpointRef,
  Flow,
  FlowPeer,
  ModelWarning,
  NotPolicedReason,
  Packet,
  PolicyId,
  PolicyModelOptions,
  PolicyResource,
  Verdict,
} from './types.js';

export function endpointKey(ref: EndpointRef): string {
  return ref.kind === 'WorkloadEndpoint' ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function formatEndpointRef(ref: EndpointRef): string {
  return ref.kind === 'WorkloadEndpoint' ? `${ref.namespace}/${ref.name}` : `hep:${ref.name}`;
}

export function formatPolicyId(id: PolicyId): string {
  const short = id.kind === 'GlobalNetworkPolicy' ? 'gnp' : id.kind === 'KubernetesNetworkPolicy' ? 'knp' : 'np';
  return id.namespace === '' ? `${short}:${id.name}` : `${short}:${id.namespace}/${id.name}`;
}

/** Caches keyed by peer address see arbitrary outside addresses; past this many, start over. */
const ADDRESS_CACHE_LIMIT = 1 << 16;

export interface PolicySummary {
  readonly id: PolicyId;
  readonly tier: string;
  readonly staged: boolean;
  /** The directions the policy governs (its types, defaulted). */
  readonly directions: readonly Direction[];
  /** The rewritten selector Felix evaluates. */
  readonly selector: string;
}


export class PolicyModel {
  readonly warnings: readonly ModelWarning[];
  private readonly compiled: CompiledResources;
  private readonly tierByName: ReadonlyMap<string, CompiledTier>;
  /** namespace → name → endpoint. */
  private readonly workloads = new Map<string, Map<string, EndpointInfo>>();
  private readonly hosts = new Map<string, EndpointInfo>();
  private readonly endpointOwnersByIp = new AddressMap<EndpointInfo[]>();
  /** Node addresses → node names (an address two nodes claim is either's). */
  private readonly nodesByIp = new AddressMap<string[]>();
  private readonly ownersCache = new AddressMap<readonly AddressOwner[]>();
  private readonly ingressPlans = new Map<EndpointInfo, EndpointPlans>();
  private readonly egressPlans = new Map<EndpointInfo, EndpointPlans>();
  private readonly failsafes: HostFailsafes;

  constructor(
    resources: Iterable<PolicyResource>,
    private readonly options: PolicyModelOptions = {},
  ) {
    const all = [...resources];
    this.compiled = compileResources(all);
    for (const r of all) {
      if (r.kind !== 'Node') continue;
      for (const ip of nodeAddresses(r)) {
        const names = this.nodesByIp.get(ip) ?? [];
        names.push(r.metadata.name);
        this.nodesByIp.set(ip, names);
      }
    }
    const warnings = [...this.compiled.warnings];
    const failsafes = (texts: readonly string[], option: string) =>
      texts.flatMap((t, i) => {
        const f = parseFailsafe(t);
        if (f === null) warnings.push({ ...fieldError('invalid-value', `${option}[${i}]`, `invalid failsafe port ${JSON.stringify(t)}`), resource: 'options' });
        return f === null ? [] : [f];
      });
    this.failsafes = {
      inbound: failsafes(options.failsafeInboundHostPorts ?? DEFAULT_FAILSAFE_INBOUND, 'failsafeInboundHostPorts'),
      outbound: failsafes(options.failsafeOutboundHostPorts ?? DEFAULT_FAILSAFE_OUTBOUND, 'failsafeOutboundHostPorts'),
    };
    this.warnings = warnings;
    this.tierByName = new Map(this.compiled.tiers.map((t) => [t.name, t]));
    for (const ep of this.compiled.endpoints) {
      if (ep.ref.kind === 'HostEndpoint') this.hosts.set(ep.ref.name, ep);
      else {
        const byName = this.workloads.get(ep.ref.namespace) ?? new Map<string, EndpointInfo>();
        byName.set(ep.ref.name, ep);
        this.workloads.set(ep.ref.namespace, byName);
      }
      for (const ip of ep.ips) {
        const list = this.endpointOwnersByIp.get(ip) ?? [];
        list.push(ep);
        this.endpointOwnersByIp.set(ip, list);
      }
    }
  }

  /** Every endpoint the model knows, in input order. */
  endpoints(): readonly EndpointRef[] {
    return this.compiled.endpoints.map((e) => e.ref);
  }

  /** Enforced and staged policies in evaluation order (tier, order, name tie-break). */
  policies(): readonly PolicySummary[] {
    return this.compiled.policies.map((p) => ({
      id: p.id,
      tier: p.tier,
      staged: p.staged,
      directions: [...(p.ingress !== null ? ['ingress' as const] : []), ...(p.egress !== null ? ['egress' as const] : [])],
      selector: p.selector,
    }));
  }

  /** Tiers in evaluation order. */
  tiers(): readonly CompiledTier[] {
    return this.compiled.tiers;
  }

  /** The endpoints a policy's selector picks (whatever its types). */
  selectedEndpoints(id: PolicyId): readonly EndpointRef[] {
    const pol = this.findPolicy(id);
    if (pol === undefined) return [];
    return this.compiled.endpoints.filter((e) => pol.applies(e.item)).map((e) => e.ref);
  }

  /** The active tiers and their policies for one endpoint and direction, as evaluated. */
  policiesFor(ref: EndpointRef, direction: Direction): readonly { readonly tier: string; readonly policies: readonly PolicyId[] }[] {
    const ep = this.lookup(ref);
    if (ep === undefined) return [];
    return this.planOf(ep, direction).normal.map((p) => ({ tier: p.tier.name, policies: p.policies.map((x) => x.id) }));
  }

  /** Evaluates a flow; throws CalicoError when the flow names an unknown endpoint or mixes families. */
  evaluate(flow: Flow): Verdict {
    const r = this.tryEvaluate(flow);
    if (!r.ok) throw CalicoError.fromFieldErrors('cannot evaluate flow', r.errors);
    return r.value;
  }

  tryEvaluate(flow: Flow): Result<Verdict> {
    const resolved = this.resolve(flow);
    if (!resolved.ok) return resolved;
    const { src, dst, pkt, packet } = resolved.value;
    const egress = this.direction('egress', src, dst, pkt);
    const ingress = this.direction('ingress', dst, src, pkt);
    const via = this.resolveVia(flow);
    if (!via.ok) return via;
    const forward: { from?: DirectionVerdict; to?: DirectionVerdict } = {};
    if (via.value.from !== undefined) forward.from = this.forwarded(via.value.from, 'ingress', pkt);
    if (via.value.to !== undefined) forward.to = this.forwarded(via.value.to, 'egress', pkt);
    const all = [egress, ingress, forward.from, forward.to];
    const action = all.every((d) => d === undefined || d.action === 'allow') ? 'allow' : 'deny';
    return ok({ action, packet, egress, ingress, ...(flow.via !== undefined ? { forward } : {}) });
  }

  private resolveVia(flow: Flow): Result<{ from?: EndpointInfo; to?: EndpointInfo }> {
    const out: { from?: EndpointInfo; to?: EndpointInfo } = {};
    for (const side of ['from', 'to'] as const) {
      const name = flow.via?.[side];
      if (name === undefined) continue;
      const hep = this.hosts.get(name);
      if (hep === undefined) return fail([fieldError('not-found', `via.${side}`, `no HostEndpoint ${name}`)]);
      out[side] = hep;
    }
    return ok(out);
  }

  private forwarded(hep: EndpointInfo, direction: Direction, pkt: PacketView): DirectionVerdict {
    const plans = this.planOf(hep, direction);
    const other = this.planOf(hep, direction === 'ingress' ? 'egress' : 'ingress');
    return evaluateForward(hep, direction, plans, plans.forward.length + other.forward.length > 0, pkt);
  }

  private findPolicy(id: PolicyId): CompiledPolicy | undefined {
    // A staged policy may share its enforced twin's identity; the enforced one is meant.
    const same = this.compiled.policies.filter(
      (p) => p.id.kind === id.kind && p.id.namespace === id.namespace && p.id.name === id.name,
    );
    return same.find((p) => !p.staged) ?? same[0];
  }

  private lookup(ref: EndpointRef): EndpointInfo | undefined {
    return ref.kind === 'WorkloadEndpoint' ? this.workloads.get(ref.namespace)?.get(ref.name) : this.hosts.get(ref.name);
  }

  private planOf(ep: EndpointInfo, direction: Direction): EndpointPlans {
    const cache = direction === 'ingress' ? this.ingressPlans : this.egressPlans;
    let plan = cache.get(ep);
    if (plan === undefined) {
      const { policies } = this.compiled;
      const host = ep.ref.kind === 'HostEndpoint';
      plan = {
        untracked: host ? planFor(ep, direction, 'untracked', policies, this.tierByName) : [],
        preDnat: host ? planFor(ep, direction, 'pre-dnat', policies, this.tierByName) : [],
        forward: host ? planFor(ep, direction, 'forward', policies, this.tierByName) : [],
        normal: planFor(ep, direction, 'normal', policies, this.tierByName),
      };
      cache.set(ep, plan);
    }
    return plan;
  }

  private direction(direction: Direction, local: ResolvedPeer, remote: ResolvedPeer, pkt: PacketView): DirectionVerdict {
    const ep = local.endpoint;
    if (ep === null) {
      const from = remote.endpoint;
      // Felix sends whatever a workload sends its own host — to any of the host's addresses — through
      // DefaultEndpointToHostAction after the workload's egress, HostEndpoint or not.
      if (direction === 'ingress' && from?.ref.kind === 'WorkloadEndpoint' && from.node !== undefined && local.ip !== null &&
        (this.nodesByIp.get(local.ip)?.includes(from.node) ?? false)) {
        return this.endpointToHost(direction, null);
      }
      return notPoliced(direction, null, 'not-a-calico-endpoint');
    }
    const peer = remote.endpoint;
    if (peer === ep) return notPoliced(direction, ep, 'same-endpoint');
    const sameNode = peer !== null && peer.node !== undefined && peer.node === ep.node;
    if (sameNode && ep.ref.kind === 'HostEndpoint' && peer.ref.kind === 'WorkloadEndpoint' && direction === 'egress') {
      return notPoliced(direction, ep, 'host-egress-to-local-workload');
    }
    if (sameNode && ep.ref.kind === 'WorkloadEndpoint' && peer.ref.kind === 'HostEndpoint' && direction === 'ingress') {
      return notPoliced(direction, ep, 'host-to-local-workload');
    }
    if (sameNode && ep.ref.kind === 'HostEndpoint' && peer.ref.kind === 'WorkloadEndpoint' && direction === 'ingress') {
      return this.endpointToHost(direction, ep);
    }
    return evaluateEndpoint(ep, direction, this.planOf(ep, direction), this.compiled.profiles, pkt, this.failsafes);
  }

  private endpointToHost(direction: Direction, ep: EndpointInfo | null): DirectionVerdict {
    const action = this.options.defaultEndpointToHostAction ?? 'Drop';
    return {
      direction,
      endpoint: ep?.ref ?? null,
      action: action === 'Drop' ? 'deny' : 'allow',
      decision: { by: 'endpoint-to-host-action', action },
      trace: [],
    };
  }

  private readonly ipTexts = new AddressMap<string>();
  private cachedAddresses = 0;

  private noteCached(): void {
    if (++this.cachedAddresses <= ADDRESS_CACHE_LIMIT) return;
    this.cachedAddresses = 0;
    this.ipTexts.clear();
    this.ownersCache.clear();
  }

  /** Canonical text of an address, remembered: flows reuse the same few thousand. */
  private ipText(ip: ParsedIp): string {
    let t = this.ipTexts.get(ip);
    if (t === undefined) {
      t = formatIp(ip.family, ip.value);
      this.noteCached();
      this.ipTexts.set(ip, t);
    }
    return t;
  }

  /** Endpoints owning the address exactly, then network sets whose CIDRs contain it. */
  private ownersOf(ip: ParsedIp): readonly AddressOwner[] {
    let owners = this.ownersCache.get(ip);
    if (owners !== undefined) return owners;
    const list: AddressOwner[] = (this.endpointOwnersByIp.get(ip) ?? []).map((e) => ({ item: e.item, ports: e.ports }));
    for (const ns of this.compiled.networkSets) {
      for (const c of ns.cidrs) {
        const bits = BigInt((c.family === 4 ? 32 : 128) - c.prefixLength);
        if (c.family === ip.family && ip.value >> bits === c.network >> bits) {
          list.push({ item: ns.item, ports: null });
          break;
        }
      }
    }
    owners = list;
    this.noteCached();
    this.ownersCache.set(ip, owners);
    return owners;
  }

  private resolvePeer(peer: FlowPeer, path: string): Result<ResolvedPeer> {
    if ('endpoint' in peer) {
      const ep = this.lookup(peer.endpoint);
      if (ep === undefined) {
        return fail([fieldError('not-found', `${path}.endpoint`, `no ${peer.endpoint.kind} ${formatEndpointRef(peer.endpoint)}`)]);
      }
      if (peer.ip === undefined) return ok({ endpoint: ep, ip: null });
      const ip = parseIp(peer.ip);
      if (ip === null) return fail([fieldError('invalid-value', `${path}.ip`, `${JSON.stringify(peer.ip)} is not an IP address`)]);
      if (!ep.ips.some((x) => x.family === ip.family && x.value === ip.value)) {
        return fail([fieldError('invalid-value', `${path}.ip`, `${peer.ip} is not an address of ${formatEndpointRef(ep.ref)}`)]);
      }
      return ok({ endpoint: ep, ip });
    }
    const ip = parseIp(peer.ip);
    if (ip === null) return fail([fieldError('invalid-value', `${path}.ip`, `${JSON.stringify(peer.ip)} is not an IP address`)]);
    // A bare address of a known endpoint reaches that endpoint, so its policy applies.
    const owners = this.endpointOwnersByIp.get(ip) ?? [];
    const ep = owners.find((e) => e.ref.kind === 'WorkloadEndpoint') ?? owners[0] ?? null;
    return ok({ endpoint: ep, ip });
  }

  private resolve(flow: Flow): Result<{ src: ResolvedPeer; dst: ResolvedPeer; pkt: PacketView; packet: Packet }> {
    const s = this.resolvePeer(flow.source, 'source');
    const d = this.resolvePeer(flow.destination, 'destination');
    if (!s.ok || !d.ok) return fail([...(s.ok ? [] : s.errors), ...(d.ok ? [] : d.errors)]);
    const protocol = protocolNumber(flow.protocol);
    if (protocol === null) return fail([fieldError('invalid-value', 'protocol', `unknown protocol ${JSON.stringify(flow.protocol)}`)]);
    const family = pickFamily(s.value, d.value);
    if (family === null) {
      return fail([fieldError('invalid-value', '', 'source and destination have no IP family in common')]);
    }
    const srcIp = addressFor(s.value, family);
    const dstIp = addressFor(d.value, family);
    if (srcIp === undefined || dstIp === undefined || srcIp.family !== dstIp.family) {
      return fail([fieldError('invalid-value', '', 'source and destination have no IP family in common')]);
    }
    const packet: Packet = {
      family,
      srcIp: this.ipText(srcIp),
      dstIp: this.ipText(dstIp),
      protocol,
      ...(flow.srcPort !== undefined ? { srcPort: flow.srcPort } : {}),
      ...(flow.dstPort !== undefined ? { dstPort: flow.dstPort } : {}),
      ...(flow.icmp !== undefined ? { icmpType: flow.icmp.type } : {}),
      ...(flow.icmp?.code !== undefined ? { icmpCode: flow.icmp.code } : {}),
    };
    const pkt: PacketView = {
      family,
      protocol,
      src: srcIp,
      dst: dstIp,
      srcOwners: this.ownersOf(srcIp),
      dstOwners: this.ownersOf(dstIp),
      srcPort: flow.srcPort,
      dstPort: flow.dstPort,
      icmpType: flow.icmp?.type,
      icmpCode: flow.icmp?.code,
    };
    return ok({ src: { endpoint: s.value.endpoint, ip: srcIp }, dst: { endpoint: d.value.endpoint, ip: dstIp }, pkt, packet });
  }
}

function notPoliced(direction: Direction, ep: EndpointInfo | null, reason: NotPolicedReason): DirectionVerdict {
  return { direction, endpoint: ep?.ref ?? null, action: 'allow', decision: { by: 'not-policed', reason }, trace: [] };
}

/** Compiles resources (selectors parsed once) into a model that evaluates flows. */
export function buildPolicyModel(resources: Iterable<PolicyResource>, options: PolicyModelOptions = {}): PolicyModel {
  return new PolicyModel(resources, options);
}
