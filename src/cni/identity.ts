// Who the container is: CNI_ARGS as libcni's LoadArgs reads them, the pod
// metadata a runtime passes without a Kubernetes API (CNI_ARGS keys or
// runtimeConfig.pod), and the names Calico derives — WorkloadEndpoint name
// (libcalico-go names/workloadendpoint.go), host veth name
// (VethNameForWorkload) and IPAM handle.
import { createHash } from 'node:crypto';
import { CniCode, CniError } from './errors.js';

/** Keys of CNI_ARGS the plugins understand; others need IgnoreUnknown=1 (as LoadArgs). */
const KNOWN_ARGS = new Set([
  'IgnoreUnknown',
  'K8S_POD_NAME',
  'K8S_POD_NAMESPACE',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_UID',
  'IP',
  'CNI_TEST_NAMESPACE',
  // Calico-TS: the pod's metadata, which upstream reads from the Kubernetes API.
  'K8S_POD_LABELS',
  'K8S_POD_ANNOTATIONS',
  'K8S_POD_SERVICE_ACCOUNT',
  'K8S_POD_PORTS',
  'K8S_NAMESPACE_LABELS',
]);

/** Keys whose values are base64 JSON; they are not passed on to other plugins. */
export const METADATA_ARGS = ['K8S_POD_LABELS', 'K8S_POD_ANNOTATIONS', 'K8S_POD_PORTS', 'K8S_NAMESPACE_LABELS'] as const;

export function parseCniArgs(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === '') return out;
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS: invalid pair "${pair}"`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const ignore = (out.get('IgnoreUnknown') ?? '').toLowerCase();
  if (ignore !== '1' && ignore !== 'true') {
    const unknown = [...out.keys()].filter((k) => !KNOWN_ARGS.has(k));
    if (unknown.length > 0) {
      throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS: unknown args [${unknown.map((k) => `"${k}"`).join(' ')}] (add IgnoreUnknown=1 to allow them)`);
    }
  }
  return out;
}

export type Labels = Readonly<Record<string, string>>;

export interface EndpointPort {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
}

export interface PodInfo {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly serviceAccountName: string;
  readonly ports: readonly EndpointPort[];
  readonly namespaceLabels?: Labels;
}

export interface WepIdentifiers {
  readonly orchestrator: 'k8s' | 'cni';
  readonly node: string;
  /** Kubernetes namespace, or `default` for plain CNI. */
  readonly namespace: string;
  readonly pod: string;
  readonly containerId: string;
  readonly endpoint: string;
}

export function identifiers(args: ReadonlyMap<string, string>, node: string, containerId: string, ifName: string): WepIdentifiers {
  const pod = args.get('K8S_POD_NAME') ?? '';
  const namespace = args.get('K8S_POD_NAMESPACE') ?? '';
  if (pod !== '' && namespace !== '') return { orchestrator: 'k8s', node, namespace, pod, containerId, endpoint: ifName };
  return { orchestrator: 'cni', node, namespace: args.get('CNI_TEST_NAMESPACE') || 'default', pod: '', containerId, endpoint: ifName };
}

function escapeSegment(field: string, value: string): string {
  if (value === '') throw new CniError(CniCode.invalidNetworkConfig, `error constructing WorkloadEndpoint name: ${field} should be assigned`);
  if (value.startsWith('-')) throw new CniError(CniCode.invalidNetworkConfig, `error constructing WorkloadEndpoint name: ${field} "${value}" must not begin with a '-'`);
  if (value.endsWith('-')) throw new CniError(CniCode.invalidNetworkConfig, `error constructing WorkloadEndpoint name: ${field} "${value}" must not end with a '-'`);
  return value.replaceAll('-', '--');
}

/** `<node>-k8s-<pod>-<endpoint>` or `<node>-cni-<containerID>-<endpoint>`, each segment's dashes doubled. */
export function workloadEndpointName(ids: WepIdentifiers): string {
  const third = ids.orchestrator === 'k8s' ? escapeSegment('pod', ids.pod) : escapeSegment('containerID', ids.containerId);
  return [escapeSegment('node', ids.node), ids.orchestrator, third, escapeSegment('endpoint', ids.endpoint)].join('-');
}

/**
 * The host-side interface: for pods, the first FELIX_INTERFACEPREFIX entry
 * (default `cali`) and 11 hex digits of SHA-1("<namespace>.<pod>") — Felix
 * computes the same name; otherwise `cali` and the container ID's start.
 */
export function hostVethName(ids: WepIdentifiers, env: Readonly<Record<string, string | undefined>>): string {
  if (ids.orchestrator !== 'k8s') return `cali${ids.containerId.slice(0, 11)}`;
  const prefix = (env['FELIX_INTERFACEPREFIX'] ?? '').split(',')[0] || 'cali';
  return prefix + createHash('sha1').update(`${ids.namespace}.${ids.pod}`).digest('hex').slice(0, 11);
}

export function handleId(network: string, containerId: string): string {
  return `${network}.${containerId}`;
}

function decodeJson(key: string, value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS: ${key} must be base64url-encoded JSON (no padding)`);
  }
}

function stringMap(what: string, v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new CniError(CniCode.invalidNetworkConfig, `${what} must be an object of string values`);
  }
  return v as Record<string, string>;
}

/** Kubernetes container ports to endpoint ports, as upstream's appendEndpointPorts: named or host-mapped ports only. */
function endpointPorts(what: string, v: unknown): EndpointPort[] {
  if (!Array.isArray(v)) throw new CniError(CniCode.invalidNetworkConfig, `${what} must be a list of container ports`);
  const out: EndpointPort[] = [];
  for (const p of v as unknown[]) {
    const o = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    const port = typeof o['containerPort'] === 'number' ? o['containerPort'] : 0;
    const name = typeof o['name'] === 'string' ? o['name'] : '';
    const hostPort = typeof o['hostPort'] === 'number' ? o['hostPort'] : 0;
    if (port === 0 || (hostPort === 0 && name === '')) continue;
    const proto = typeof o['protocol'] === 'string' ? o['protocol'].toUpperCase() : '';
    // ProtocolFromString canonicalises to Calico's own spelling: TCP, UDP, SCTP.
    const protocol = proto === '' || proto === 'TCP' ? 'TCP' : proto === 'UDP' || proto === 'SCTP' ? proto : undefined;
    if (protocol === undefined) continue;
    const hostIP = typeof o['hostIP'] === 'string' && o['hostIP'] !== '' ? o['hostIP'] : undefined;
    out.push({ name, protocol, port, ...(hostPort !== 0 ? { hostPort } : {}), ...(hostIP !== undefined ? { hostIP } : {}) });
  }
  return out;
}

/**
 * The pod's metadata: CNI_ARGS keys (K8S_POD_LABELS, K8S_POD_ANNOTATIONS,
 * K8S_POD_PORTS, K8S_NAMESPACE_LABELS as base64url JSON; K8S_POD_SERVICE_ACCOUNT
 * plain), overridden field by field by `runtimeConfig.pod`.
 */
export function podInfo(args: ReadonlyMap<string, string>, runtimeConfig: unknown): PodInfo {
  const fromArgs = (key: string): unknown => {
    const v = args.get(key);
    return v === undefined || v === '' ? undefined : decodeJson(key, v);
  };
  const rc = typeof runtimeConfig === 'object' && runtimeConfig !== null ? (runtimeConfig as Record<string, unknown>)['pod'] : undefined;
  const pod = (typeof rc === 'object' && rc !== null ? rc : {}) as Record<string, unknown>;
  const labels = pod['labels'] ?? fromArgs('K8S_POD_LABELS');
  const annotations = pod['annotations'] ?? fromArgs('K8S_POD_ANNOTATIONS');
  const ports = pod['ports'] ?? fromArgs('K8S_POD_PORTS');
  const nsLabels = pod['namespaceLabels'] ?? fromArgs('K8S_NAMESPACE_LABELS');
  const sa = pod['serviceAccountName'] ?? args.get('K8S_POD_SERVICE_ACCOUNT') ?? '';
  if (typeof sa !== 'string') throw new CniError(CniCode.invalidNetworkConfig, 'runtimeConfig.pod.serviceAccountName must be a string');
  return {
    labels: labels === undefined ? {} : stringMap('pod labels', labels),
    annotations: annotations === undefined ? {} : stringMap('pod annotations', annotations),
    serviceAccountName: sa,
    ports: ports === undefined ? [] : endpointPorts('pod ports', ports),
    ...(nsLabels === undefined ? {} : { namespaceLabels: stringMap('namespace labels', nsLabels) }),
  };
}

/** CNI_ARGS for a delegated plugin: IgnoreUnknown=1 first (as upstream), our base64 keys dropped. */
export function delegateArgs(raw: string): string {
  const kept = raw.split(';').filter((p) => p !== '' && !(METADATA_ARGS as readonly string[]).includes(p.slice(0, p.indexOf('='))));
  return ['IgnoreUnknown=1', ...kept].join(';');
}
