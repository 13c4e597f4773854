// Where each kind lives, laid out as Calico's own etcdv3 datastore lays it
// out (libcalico-go backend/model), so an etcd written by Calico-TS reads like
// one written by Calico. The sqlite backend keys rows by (kind, namespace,
// name) but stores the very same value bytes, so both backends agree on
// everything a caller can observe.
//
// Naming of the IPAM records (kinds whose `spec` IS Calico's backend model
// object and whose etcd value is that object's JSON):
//
//   kind           metadata.name                     etcd key
//   IPAMBlock      `10.0.0.0-26` (CIDR, `/` → `-`)    /calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26
//                  `fd00::-122`                       /calico/ipam/v2/assignment/ipv6/block/fd00::-122
//   BlockAffinity  `<host>/ipv4/10.0.0.0-26`          /calico/ipam/v2/host/<host>/ipv4/block/10.0.0.0-26
//                  `virtual:load-balancer/ipv4/…`     /calico/ipam/v2/virtual/load-balancer/ipv4/block/…
//   IPAMHandle     `<handle id>`                      /calico/ipam/v2/handle/<handle id>
//   IPAMConfig     `default` (the only name)          /calico/ipam/v2/config
//
// Use blockName(), blockAffinityName() and parseBlockAffinityName() rather
// than building names by hand. A BlockAffinity name starts with its owner:
// `<host>/` for a node (affinity type `host`), `virtual:<name>/` for a virtual
// owner (LoadBalancer addresses: `virtual:load-balancer`) — the same text as
// the block's `affinity` field without `host:`; node names cannot hold `:`.
// So list({kind: 'BlockAffinity', namePrefix: `${host}/`}) lists one owner's
// affinities. IPAM records carry no uid, creationTimestamp or labels: their
// etcd value is the bare model object, exactly as Calico stores it.
//
// Kubernetes NetworkPolicy (apiVersion networking.k8s.io/v1, kind
// NetworkPolicy) shares its kind with Calico's NetworkPolicy, so the datastore
// names it `KubernetesNetworkPolicy` (Calico's internal name for it) in
// ResourceKey, ListOptions and WatchOptions; the stored resource keeps its own
// apiVersion and kind. See storeKindOf().
import { CALICO_API_VERSION, K8S_NETWORKING_API_VERSION } from '../api/meta.js';
import { CalicoError } from '../api/errors.js';
import type { ListOptions, ResourceKey, StoredResource } from './types.js';

export interface KindInfo {
  readonly plural: string;
  readonly namespaced: boolean;
  /** IPAM records: the etcd value is `spec` alone (Calico's backend model JSON). */
  readonly ipam: boolean;
}

const v3 = (plural: string, namespaced = false): KindInfo => ({ plural, namespaced, ipam: false });
const ipam = (plural: string): KindInfo => ({ plural, namespaced: false, ipam: true });

/** Every kind the datastore holds (plurals as upstream's model/resource.go registers them). */
export const KINDS: Readonly<Record<string, KindInfo>> = {
  NetworkPolicy: v3('networkpolicies', true),
  GlobalNetworkPolicy: v3('globalnetworkpolicies'),
  StagedNetworkPolicy: v3('stagednetworkpolicies', true),
  StagedGlobalNetworkPolicy: v3('stagedglobalnetworkpolicies'),
  StagedKubernetesNetworkPolicy: v3('stagedkubernetesnetworkpolicies', true),
  KubernetesNetworkPolicy: v3('networkpolicies', true),
  Tier: v3('tiers'),
  NetworkSet: v3('networksets', true),
  GlobalNetworkSet: v3('globalnetworksets'),
  HostEndpoint: v3('hostendpoints'),
  WorkloadEndpoint: v3('workloadendpoints', true),
  Profile: v3('profiles'),
  IPPool: v3('ippools'),
  IPReservation: v3('ipreservations'),
  BGPConfiguration: v3('bgpconfigurations'),
  BGPPeer: v3('bgppeers'),
  BGPFilter: v3('bgpfilters'),
  FelixConfiguration: v3('felixconfigurations'),
  Node: v3('nodes'),
  ClusterInformation: v3('clusterinformations'),
  KubeControllersConfiguration: v3('kubecontrollersconfigurations'),
  CalicoNodeStatus: v3('caliconodestatuses'),
  IPAMConfiguration: v3('ipamconfigurations'),
  IPAMBlock: ipam('ipamblocks'),
  BlockAffinity: ipam('blockaffinities'),
  IPAMHandle: ipam('ipamhandles'),
  IPAMConfig: ipam('ipamconfigs'),
};

export const KUBERNETES_NETWORK_POLICY = 'KubernetesNetworkPolicy';
export const IPAM_CONFIG_NAME = 'default';

export const ROOT_PREFIX = '/calico/';
const V3_PREFIX = '/calico/resources/v3/projectcalico.org/';
const K8S_NP_PREFIX = '/calico/resources/v3/networking.k8s.io/networkpolicies/';
const IPAM_PREFIX = '/calico/ipam/v2/';

export function kindInfo(kind: string): KindInfo {
  const info = KINDS[kind];
  if (info === undefined) throw new CalicoError('unknown-kind', `the datastore does not know kind "${kind}"`);
  return info;
}

/** The datastore kind of a resource: Kubernetes NetworkPolicy becomes `KubernetesNetworkPolicy`. */
export function storeKindOf(resource: Pick<StoredResource, 'apiVersion' | 'kind'>): string {
  if (resource.kind === 'NetworkPolicy' && resource.apiVersion === K8S_NETWORKING_API_VERSION) {
    return KUBERNETES_NETWORK_POLICY;
  }
  return resource.kind;
}

/** The ResourceKey of a resource, checked: namespace present exactly for namespaced kinds, name well-formed. */
export function keyOf(resource: StoredResource): ResourceKey {
  const kind = storeKindOf(resource);
  const key: ResourceKey =
    resource.metadata.namespace === undefined
      ? { kind, name: resource.metadata.name }
      : { kind, namespace: resource.metadata.namespace, name: resource.metadata.name };
  checkKey(key);
  return key;
}

export function checkKey(key: ResourceKey): void {
  const info = kindInfo(key.kind);
  const where = `${key.kind} "${key.name}"`;
  if (typeof key.name !== 'string' || key.name === '') {
    throw new CalicoError('required', `${key.kind}: metadata.name is required`);
  }
  if (info.namespaced && (key.namespace === undefined || key.namespace === '')) {
    throw new CalicoError('required', `${where}: metadata.namespace is required for a namespaced kind`);
  }
  if (!info.namespaced && key.namespace !== undefined && key.namespace !== '') {
    throw new CalicoError('invalid-value', `${where}: kind ${key.kind} is not namespaced`);
  }
  if (key.namespace !== undefined && key.namespace.includes('/')) {
    throw new CalicoError('invalid-value', `${where}: namespace must not contain "/"`);
  }
  if (key.kind === 'BlockAffinity') {
    parseBlockAffinityName(key.name);
  } else if (key.name.includes('/')) {
    throw new CalicoError('invalid-value', `${where}: name must not contain "/"`);
  } else if (key.kind === 'IPAMConfig' && key.name !== IPAM_CONFIG_NAME) {
    throw new CalicoError('invalid-value', `IPAMConfig: the only name is "${IPAM_CONFIG_NAME}"`);
  }
}

/**
 * Checks what a list names. There is no name to check: a list covers every
 * namespace of a namespaced kind, or names by prefix (BlockAffinity `host/`).
 */
export function checkListOptions(options: ListOptions): void {
  if (options.namespace === undefined || options.namespace === '') kindInfo(options.kind);
  else checkKey({ kind: options.kind, name: 'x', namespace: options.namespace });
}

/** `10.0.0.0/26` → `10.0.0.0-26`, the IPAMBlock name and key segment Calico uses. */
export function blockName(cidr: string): string {
  return cidr.replace('/', '-');
}

/** `10.0.0.0-26` → `10.0.0.0/26`. */
export function blockCidr(name: string): string {
  const i = name.lastIndexOf('-');
  return i < 0 ? name : `${name.slice(0, i)}/${name.slice(i + 1)}`;
}

function ipVersionOf(blockNameOrCidr: string): 4 | 6 {
  return blockNameOrCidr.includes(':') ? 6 : 4;
}

/** Upstream's affinity types (model.IPAMAffinityTypeHost/Virtual); the etcd key's first segment. */
export type BlockAffinityType = 'host' | 'virtual';

export interface BlockAffinityOwner {
  readonly type: BlockAffinityType;
  readonly host: string;
}

function ownerSegment(owner: BlockAffinityOwner): string {
  return owner.type === 'host' ? owner.host : `${owner.type}:${owner.host}`;
}

function parseOwnerSegment(segment: string): BlockAffinityOwner {
  return segment.startsWith('virtual:') ? { type: 'virtual', host: segment.slice('virtual:'.length) } : { type: 'host', host: segment };
}

/** The name prefix that lists one owner's affinities. */
export function blockAffinityPrefix(owner: BlockAffinityOwner): string {
  return `${ownerSegment(owner)}/`;
}

export function blockAffinityName(owner: BlockAffinityOwner, cidr: string): string {
  return `${blockAffinityPrefix(owner)}ipv${ipVersionOf(cidr)}/${blockName(cidr)}`;
}

export interface BlockAffinityName extends BlockAffinityOwner {
  readonly ipVersion: 4 | 6;
  /** The CIDR with `/`, e.g. `10.0.0.0/26`. */
  readonly cidr: string;
}

export function parseBlockAffinityName(name: string): BlockAffinityName {
  const m = /^([^/]+)\/ipv([46])\/([^/]+)$/.exec(name);
  const owner = m?.[1] === undefined ? undefined : parseOwnerSegment(m[1]);
  if (m === null || owner === undefined || owner.host === '' || owner.host.includes(':') || m[3] === undefined) {
    throw new CalicoError(
      'invalid-value',
      `BlockAffinity "${name}": the name must be <host>/ipv4/<block> or virtual:<name>/ipv4/<block>, e.g. node-1/ipv4/10.0.0.0-26`,
    );
  }
  return { ...owner, ipVersion: m[2] === '6' ? 6 : 4, cidr: blockCidr(m[3]) };
}

/** The etcd key of a resource. */
export function etcdKey(key: ResourceKey): string {
  checkKey(key);
  switch (key.kind) {
    case 'IPAMBlock':
      return `${IPAM_PREFIX}assignment/ipv${ipVersionOf(key.name)}/block/${key.name}`;
    case 'BlockAffinity': {
      const a = parseBlockAffinityName(key.name);
      return `${IPAM_PREFIX}${a.type}/${a.host}/ipv${a.ipVersion}/block/${blockName(a.cidr)}`;
    }
    case 'IPAMHandle':
      return `${IPAM_PREFIX}handle/${key.name}`;
    case 'IPAMConfig':
      return `${IPAM_PREFIX}config`;
    case KUBERNETES_NETWORK_POLICY:
      return `${K8S_NP_PREFIX}${key.namespace ?? ''}/${key.name}`;
  }
  const info = kindInfo(key.kind);
  return info.namespaced
    ? `${V3_PREFIX}${info.plural}/${key.namespace ?? ''}/${key.name}`
    : `${V3_PREFIX}${info.plural}/${key.name}`;
}

/**
 * An etcd key prefix under which every key of a list lies. Some keys under it
 * may not match (name prefixes of IPAM kinds); filter with the parsed key.
 */
export function etcdListPrefix(kind: string, namespace?: string, namePrefix?: string): string {
  const info = kindInfo(kind);
  const np = namePrefix ?? '';
  switch (kind) {
    case 'IPAMBlock':
      return `${IPAM_PREFIX}assignment/`;
    case 'BlockAffinity': {
      // Without a whole owner segment the prefix may be either type's: list both.
      if (!np.includes('/')) return IPAM_PREFIX;
      const owner = parseOwnerSegment(np.slice(0, np.indexOf('/')));
      return `${IPAM_PREFIX}${owner.type}/${owner.host}/`;
    }
    case 'IPAMHandle':
      return `${IPAM_PREFIX}handle/${np}`;
    case 'IPAMConfig':
      return `${IPAM_PREFIX}config`;
  }
  const base = kind === KUBERNETES_NETWORK_POLICY ? K8S_NP_PREFIX : `${V3_PREFIX}${info.plural}/`;
  if (!info.namespaced) return `${base}${np}`;
  if (namespace === undefined || namespace === '') return base;
  return `${base}${namespace}/${np}`;
}

const V3_KEY = /^\/calico\/resources\/v3\/projectcalico\.org\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;
const K8S_NP_KEY = /^\/calico\/resources\/v3\/networking\.k8s\.io\/networkpolicies\/([^/]+)\/([^/]+)$/;
const BLOCK_KEY = /^\/calico\/ipam\/v2\/assignment\/ipv[46]\/block\/([^/]+)$/;
const AFFINITY_KEY = /^\/calico\/ipam\/v2\/(host|virtual)\/([^/]+)\/ipv([46])\/block\/([^/]+)$/;
const HANDLE_KEY = /^\/calico\/ipam\/v2\/handle\/([^/]+)$/;

const kindByPlural: ReadonlyMap<string, string> = new Map(
  Object.entries(KINDS)
    .filter(([k, i]) => !i.ipam && k !== KUBERNETES_NETWORK_POLICY)
    .map(([k, i]) => [i.plural, k]),
);

/** The ResourceKey an etcd key stands for; undefined for keys that are not ours. */
export function parseEtcdKey(key: string): ResourceKey | undefined {
  let m = V3_KEY.exec(key);
  if (m !== null) {
    const kind = kindByPlural.get(m[1] ?? '');
    if (kind === undefined) return undefined;
    const namespaced = KINDS[kind]?.namespaced === true;
    if (namespaced && m[3] !== undefined && m[2] !== undefined) return { kind, namespace: m[2], name: m[3] };
    if (!namespaced && m[3] === undefined && m[2] !== undefined) return { kind, name: m[2] };
    return undefined;
  }
  if ((m = K8S_NP_KEY.exec(key)) !== null && m[1] !== undefined && m[2] !== undefined) {
    return { kind: KUBERNETES_NETWORK_POLICY, namespace: m[1], name: m[2] };
  }
  if ((m = BLOCK_KEY.exec(key)) !== null && m[1] !== undefined) return { kind: 'IPAMBlock', name: m[1] };
  if ((m = AFFINITY_KEY.exec(key)) !== null && m[2] !== undefined && m[4] !== undefined) {
    const owner: BlockAffinityOwner = { type: m[1] === 'virtual' ? 'virtual' : 'host', host: m[2] };
    return { kind: 'BlockAffinity', name: `${ownerSegment(owner)}/ipv${m[3] ?? '4'}/${m[4]}` };
  }
  if ((m = HANDLE_KEY.exec(key)) !== null && m[1] !== undefined) return { kind: 'IPAMHandle', name: m[1] };
  if (key === `${IPAM_PREFIX}config`) return { kind: 'IPAMConfig', name: IPAM_CONFIG_NAME };
  return undefined;
}

/** The apiVersion and kind an IPAM record reads back with. */
export function ipamEnvelope(kind: string): { apiVersion: string; kind: string } {
  return { apiVersion: CALICO_API_VERSION, kind };
}
