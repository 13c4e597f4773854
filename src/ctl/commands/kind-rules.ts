// The rest of libcalico-go's per-kind client rules on writes: a workload
// endpoint's name must be the one its identifiers give (and it is stored with
// its namespace and orchestrator labels), only BGPConfiguration `default`
// may set cluster-wide BGP fields, a BGPPeer's filters must exist, and the
// built-in default-allow profile cannot be changed.
import type { Datastore, StoredResource } from '../../datastore/types.js';
import { CtlError, erroredField, notSupported, validationError } from './errors.js';
import type { CtlKind } from './kinds.js';

type Obj = Readonly<Record<string, unknown>>;

const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';

function specOf(r: StoredResource): Obj {
  return typeof r.spec === 'object' && r.spec !== null ? (r.spec as Obj) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** names.CalculateWorkloadEndpointName: `<node>-<orchestrator>-<pod|containerID|workload>-<endpoint>`, dashes doubled. */
export function expectedWorkloadEndpointName(spec: Obj): string {
  const segment = (field: string, value: string) => ({ field, value });
  const node = segment('node', str(spec['node']));
  const orch = segment('orchestrator', str(spec['orchestrator']));
  const endpoint = segment('endpoint', str(spec['endpoint']));
  if (node.value === '') throw validationError([erroredField('node', undefined, 'field should be assigned')]);
  const middle: Record<string, ReturnType<typeof segment>> = {
    k8s: segment('pod', str(spec['pod'])),
    cni: segment('containerID', str(spec['containerID'])),
    libnetwork: orch,
  };
  const segments = [node, orch, middle[orch.value] ?? segment('workload', str(spec['workload'])), endpoint];
  return segments
    .map((s) => {
      if (s.value === '') throw validationError([erroredField(s.field, '', 'field should be assigned')]);
      if (s.value.startsWith('-')) throw validationError([erroredField(s.field, s.value, "field must not begin with a '-'")]);
      if (s.value.endsWith('-')) throw validationError([erroredField(s.field, s.value, "field must not end with a '-'")]);
      return s.value.replaceAll('-', '--');
    })
    .join('-');
}

/** Fields only BGPConfiguration `default` may set, as the client names them. */
const DEFAULT_ONLY_BGP: readonly (readonly [string, string, string])[] = [
  ['nodeToNodeMeshEnabled', 'NodeToNodeMeshEnabled', 'nodeToNodeMeshEnabled'],
  ['asNumber', 'ASNumber', 'ASNumber'],
  ['serviceLoadBalancerIPs', 'ServiceLoadBalancerIPs', 'ServiceLoadBalancerIPs'],
  ['serviceExternalIPs', 'ServiceExternalIPs', 'ServiceExternalIPs'],
  ['serviceClusterIPs', 'ServiceClusterIPs', 'ServiceClusterIPs'],
  ['nodeMeshPassword', 'NodeMeshPassword', 'nodeMeshPassword'],
  ['nodeMeshMaxRestartTime', 'NodeMeshMaxRestartTime', 'nodeMeshMaxRestartTime'],
];

const TEMPLATES_FIELD = 'KubeControllersConfiguration.Node.HostEndpoint.Templates';

/** The kube-controllers client's own defaults and host endpoint template checks. */
function kubeControllersClientDefaults(spec: Obj): Obj {
  const controllers = (spec['controllers'] ?? {}) as Obj;
  const node = controllers['node'] as Obj | undefined;
  let nextNode = node;
  if (node !== undefined) {
    const hep = node['hostEndpoint'] as Obj | undefined;
    const templates = Array.isArray(hep?.['templates']) ? (hep['templates'] as Obj[]) : undefined;
    const seen = new Set<string>();
    const checked = templates?.map((t) => {
      const name = str(t['generateName']);
      if (name === '') throw validationError([erroredField(TEMPLATES_FIELD, undefined, 'Template name must be specified')]);
      if (name.length > 253) {
        throw validationError([erroredField(TEMPLATES_FIELD, undefined, 'Template name must be shorter than 253 characters')]);
      }
      if (seen.has(name)) throw validationError([erroredField(`${TEMPLATES_FIELD}.${name}`, undefined, 'Template name must be unique')]);
      seen.add(name);
      const cidrs = t['interfaceCIDRs'];
      if ((!Array.isArray(cidrs) || cidrs.length === 0) && str(t['interfacePattern']) === '') {
        throw validationError([
          erroredField(`${TEMPLATES_FIELD}.${name}`, undefined, 'InterfaceCIDRs or InterfacePattern must be specified'),
        ]);
      }
      return str(t['nodeSelector']) === '' ? { ...t, nodeSelector: 'all()' } : t;
    });
    nextNode = {
      ...node,
      leakGracePeriod: node['leakGracePeriod'] ?? '15m0s',
      ...(checked === undefined ? {} : { hostEndpoint: { ...hep, templates: checked } }),
    };
  }
  return {
    ...spec,
    prometheusMetricsPort: spec['prometheusMetricsPort'] ?? 9094,
    ...(nextNode === undefined ? {} : { controllers: { ...controllers, node: nextNode } }),
  };
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/** Checks a create or update of `r` (already defaulted and validated); returns what is to be stored. */
export async function applyKindRules(ds: Datastore, k: CtlKind, r: StoredResource, op: 'Create' | 'Update'): Promise<StoredResource> {
  const spec = specOf(r);
  switch (k.storeKind) {
    case 'KubeControllersConfiguration': {
      const out = { ...r, spec: kubeControllersClientDefaults(spec) };
      if (op === 'Create' && r.metadata.name !== 'default') {
        throw new CtlError('other', 'Cannot create a Kube Controllers Configuration resource with a name other than "default"');
      }
      return out;
    }
    case 'WorkloadEndpoint': {
      const expected = expectedWorkloadEndpointName(spec);
      if (r.metadata.name !== expected) {
        throw validationError([
          erroredField(
            'Name',
            r.metadata.name,
            `the WorkloadEndpoint name does not match the primary identifiers assigned in the Spec: expected name ${expected}`,
          ),
        ]);
      }
      const labels = {
        ...r.metadata.labels,
        'projectcalico.org/namespace': r.metadata.namespace ?? '',
        'projectcalico.org/orchestrator': str(spec['orchestrator']),
      };
      return { ...r, metadata: { ...r.metadata, labels } };
    }
    case 'BGPConfiguration': {
      if (r.metadata.name === 'default') return r;
      const bad = DEFAULT_ONLY_BGP.filter(([field]) => isSet(spec[field])).map(([, goName, shown]) =>
        erroredField(`BGPConfiguration.Spec.${goName}`, undefined, `Cannot set ${shown} on a non default BGP Configuration.`),
      );
      if (bad.length > 0) throw validationError(bad);
      return r;
    }
    case 'BGPPeer': {
      const filters = Array.isArray(spec['filters']) ? spec['filters'].map(str) : [];
      if (filters.length === 0) return r;
      const known = new Set((await ds.list({ kind: 'BGPFilter' })).items.map((f) => f.metadata.name));
      const missing = filters.filter((f) => !known.has(f));
      if (missing.length > 0) {
        throw validationError([erroredField('BGPPeer.Spec.Filters', `[${missing.join(' ')}]`, 'BGPFilter(s) not found')]);
      }
      return r;
    }
    default:
      return r;
  }
}

/**
 * The profiles client refuses any write of the built-in default-allow profile
 * before anything else: Create as "already exists", Update and Delete as not supported.
 */
export function refuseDefaultAllow(k: CtlKind, name: string, op: 'Create' | 'Update' | 'Delete'): void {
  if (k.storeKind !== 'Profile' || name !== DEFAULT_ALLOW_PROFILE) return;
  if (op === 'Create') {
    throw new CtlError(
      'already-exists',
      `resource already exists: ${DEFAULT_ALLOW_PROFILE} with error: ${DEFAULT_ALLOW_PROFILE} already exists. The profile "${DEFAULT_ALLOW_PROFILE}" is default provided by Calico`,
    );
  }
  throw defaultAllowRefusal(op);
}

function defaultAllowRefusal(op: 'Update' | 'Delete'): CtlError {
  const verb = op === 'Update' ? 'updated' : 'deleted';
  return notSupported(
    op,
    DEFAULT_ALLOW_PROFILE,
    `The profile "${DEFAULT_ALLOW_PROFILE}" is a default provided by Calico and cannot be ${verb}`,
  );
}
