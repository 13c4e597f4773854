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

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/** Checks a create or update of `r` (already defaulted and validated); returns what is to be stored. */
export async function applyKindRules(ds: Datastore, k: CtlKind, r: StoredResource): Promise<StoredResource> {
  const spec = specOf(r);
  switch (k.storeKind) {
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
