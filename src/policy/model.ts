// The reference policy model: built once from resources, then answers "what
// happens to this flow, and why" as a pure function of them.
import { CalicoError, fail, fieldError, ok, type Result } from '../api/errors.js';
import { formatIp, parseIp, type IpFamily, type ParsedIp } from '../api/net.js';
import { compileResources, type CompiledPolicy, type CompiledResources, type CompiledTier, type EndpointInfo } from './compile.js';
import { evaluateEndpoint, planFor, type TierPlan } from './evaluate.js';
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

function ipKey(ip: ParsedIp): string {
  return `${ip.family}:${ip.value.toString(16)}`;
}

interface ResolvedPeer {
  readonly endpoint: EndpointInfo | null;
  readonly ip: ParsedIp | null;
}

export class PolicyModel {
  readonly warnings: readonly ModelWarning[];
  private readonly compiled: CompiledResources;
  private readonly tierByName: ReadonlyMap<string, CompiledTier>;
  private readonly endpointByKey = new Map<string, EndpointInfo>();
  private readonly endpointOwnersByIp = new Map<string, EndpointInfo[]>();
  private readonly ownersCache = new Map<string, readonly AddressOwner[]>();
  private readonly planCache = new Map<string, readonly TierPlan[]>();

  constructor(
    resources: Iterable<PolicyResource>,
    private readonly options: PolicyModelOptions = {},
  ) {
    this.compiled = compileResources(resources);
    this.warnings = this.compiled.warnings;
    this.tierByName = new Map(this.compiled.tiers.map((t) => [t.name, t]));
    for (const ep of this.compiled.endpoints) {
      const k = `${ep.ref.kind}:${ep.key}`;
      this.endpointByKey.set(k, ep);
      for (const ip of ep.ips) {
        const list = this.endpointOwnersByIp.get(ipKey(ip)) ?? [];
        list.push(ep);
        this.endpointOwnersByIp.set(ipKey(ip), list);
      }
    }
  }

  /** Every endpoint the model knows, in input order. */
  endpoints(): readonly EndpointRef[] {
    return this.compiled.endpoints.map((e) => e.ref);
  }

  /** Enforced and staged policies in evaluation order (tier, order, name tie-break). */
  policies(): readonly { readonly id: PolicyId; readonly tier: string; readonly staged: boolean }[] {
    return this.compiled.policies.map((p) => ({ id: p.id, tier: p.tier, staged: p.staged }));
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
    const ep = this.endpointByKey.get(`${ref.kind}:${endpointKey(ref)}`);
    if (ep === undefined) return [];
    return this.planOf(ep, direction).map((p) => ({ tier: p.tier.name, policies: p.policies.map((x) => x.id) }));
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
    const action = egress.action === 'allow' && ingress.action === 'allow' ? 'allow' : 'deny';
    return ok({ action, packet, egress, ingress });
  }

  private findPolicy(id: PolicyId): CompiledPolicy | undefined {
    return this.compiled.policies.find(
      (p) => p.id.kind === id.kind && p.id.namespace === id.namespace && p.id.name === id.name,
    );
  }

  private planOf(ep: EndpointInfo, direction: Direction): readonly TierPlan[] {
    const k = `${direction}:${ep.ref.kind}:${ep.key}`;
    let plan = this.planCache.get(k);
    if (plan === undefined) {
      plan = planFor(ep, direction, this.compiled.policies, this.tierByName);
      this.planCache.set(k, plan);
    }
    return plan;
  }

  private direction(direction: Direction, local: ResolvedPeer, remote: ResolvedPeer, pkt: PacketView): DirectionVerdict {
    const notPoliced = (reason: NotPolicedReason): DirectionVerdict => ({
      direction,
      endpoint: local.endpoint?.ref ?? null,
      action: 'allow',
      decision: { by: 'not-policed', reason },
      trace: [],
    });
    const ep = local.endpoint;
    if (ep === null) return notPoliced('not-a-calico-endpoint');
    const peer = remote.endpoint;
    if (peer === ep) return notPoliced('same-endpoint');
    const sameNode = peer !== null && peer.node !== undefined && peer.node === ep.node;
    if (sameNode && ep.ref.kind === 'HostEndpoint' && peer.ref.kind === 'WorkloadEndpoint' && direction === 'egress') {
      return notPoliced('host-egress-to-local-workload');
    }
    if (sameNode && ep.ref.kind === 'WorkloadEndpoint' && peer.ref.kind === 'HostEndpoint' && direction === 'ingress') {
      return notPoliced('host-to-local-workload');
    }
    if (sameNode && ep.ref.kind === 'HostEndpoint' && peer.ref.kind === 'WorkloadEndpoint' && direction === 'ingress') {
      const action = this.options.defaultEndpointToHostAction ?? 'Drop';
      return {
        direction,
        endpoint: ep.ref,
        action: action === 'Drop' ? 'deny' : 'allow',
        decision: { by: 'endpoint-to-host-action', action },
        trace: [],
      };
    }
    return evaluateEndpoint(ep, direction, this.planOf(ep, direction), this.compiled.profiles, pkt);
  }

  /** Endpoints owning the address exactly, then network sets whose CIDRs contain it. */
  private ownersOf(ip: ParsedIp): readonly AddressOwner[] {
    const k = ipKey(ip);
    let owners = this.ownersCache.get(k);
    if (owners !== undefined) return owners;
    const list: AddressOwner[] = (this.endpointOwnersByIp.get(k) ?? []).map((e) => ({ item: e.item, ports: e.ports }));
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
    this.ownersCache.set(k, owners);
    return owners;
  }

  private resolvePeer(peer: FlowPeer, path: string): Result<{ endpoint: EndpointInfo | null; ip: ParsedIp | null }> {
    if ('endpoint' in peer) {
      const ep = this.endpointByKey.get(`${peer.endpoint.kind}:${endpointKey(peer.endpoint)}`);
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
    const owners = this.endpointOwnersByIp.get(ipKey(ip)) ?? [];
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
    const pick = (p: { endpoint: EndpointInfo | null; ip: ParsedIp | null }): ParsedIp | undefined =>
      p.ip ?? p.endpoint?.ips.find((x) => x.family === family);
    const srcIp = pick(s.value);
    const dstIp = pick(d.value);
    if (srcIp === undefined || dstIp === undefined || srcIp.family !== dstIp.family) {
      return fail([fieldError('invalid-value', '', 'source and destination have no IP family in common')]);
    }
    const packet: Packet = {
      family,
      srcIp: formatIp(family, srcIp.value),
      dstIp: formatIp(family, dstIp.value),
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

function familiesOf(p: { endpoint: EndpointInfo | null; ip: ParsedIp | null }): Set<IpFamily> {
  if (p.ip !== null) return new Set([p.ip.family]);
  return new Set(p.endpoint?.ips.map((x) => x.family) ?? []);
}

/** IPv4 when both sides can use it, else IPv6. */
function pickFamily(a: { endpoint: EndpointInfo | null; ip: ParsedIp | null }, b: { endpoint: EndpointInfo | null; ip: ParsedIp | null }): IpFamily | null {
  const fa = familiesOf(a);
  const fb = familiesOf(b);
  if (fa.has(4) && fb.has(4)) return 4;
  if (fa.has(6) && fb.has(6)) return 6;
  return null;
}

/** Compiles resources (selectors parsed once) into a model that evaluates flows. */
export function buildPolicyModel(resources: Iterable<PolicyResource>, options: PolicyModelOptions = {}): PolicyModel {
  return new PolicyModel(resources, options);
}
