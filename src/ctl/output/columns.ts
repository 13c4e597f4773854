// The `get` table of each kind: default and wide headings and how each cell
// is computed, as calicoctl's resourcemgr templates define them (including
// their quirks: `(global)` peers, `Never` for an unset encapsulation,
// `<nil>` for an unset order, the inherited AS number in brackets).
import type { StoredResource } from '../../datastore/types.js';
import { goOptionalFloat, goValue, join, joinAndTruncate } from './gofmt.js';

export interface CellContext {
  /** The cluster default AS number for nodes without their own (calicoctl's `config "asnumber"`). */
  readonly defaultAsNumber: () => string;
}

export type Cell = (r: StoredResource, ctx: CellContext) => string;

export interface TableSpec {
  readonly headings: readonly string[];
  readonly wide: readonly string[];
  readonly cells: Readonly<Record<string, Cell>>;
}

type Obj = Readonly<Record<string, unknown>>;

function specOf(r: StoredResource): Obj {
  return typeof r.spec === 'object' && r.spec !== null ? (r.spec as Obj) : {};
}

/** A Go value field, printed as its type's zero value when unset. */
const valueOr =
  (zero: string) =>
  (field: string): Cell =>
  (r) => {
    const v = specOf(r)[field];
    return v === undefined || v === null ? zero : goValue(v);
  };

/** A Go `string` field: empty when unset. */
const str = valueOr('');

/** A Go `bool` field: `false` when unset. */
const bool =
  (field: string): Cell =>
  (r) =>
    specOf(r)[field] === true ? 'true' : 'false';

/** A Go integer field: `0` when unset. */
const int = valueOr('0');

/** A Go pointer field: `<nil>` when unset. */
const ptr =
  (field: string): Cell =>
  (r) =>
    goValue(specOf(r)[field]);

const float =
  (field: string): Cell =>
  (r) =>
    goOptionalFloat(specOf(r)[field]);

const length =
  (field: string): Cell =>
  (r) => {
    const v = specOf(r)[field];
    return String(Array.isArray(v) ? v.length : 0);
  };

const joined =
  (field: string, max = 0): Cell =>
  (r) =>
    joinAndTruncate(specOf(r)[field], ',', max);

const NAME: Cell = (r) => r.metadata.name;
const NAMESPACE: Cell = (r) => r.metadata.namespace ?? '';

/** Go's `%v` of a metav1.LabelSelector struct value: `{map[k:v] [{key op [values]}]}`. */
function labelSelectorValue(v: unknown): string {
  const sel = typeof v === 'object' && v !== null ? (v as Obj) : {};
  const labels = goValue(sel['matchLabels'] ?? {});
  const exprs = Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : [];
  const rendered = exprs.map((e) => {
    const x = typeof e === 'object' && e !== null ? (e as Obj) : {};
    return `{${goValue(x['key'] ?? '')} ${goValue(x['operator'] ?? '')} ${goValue(x['values'] ?? [])}}`;
  });
  return `{${labels} [${rendered.join(' ')}]}`;
}

const policy = (namespaced: boolean): TableSpec => ({
  headings: ['NAME', 'TIER'],
  wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'],
  cells: {
    NAME,
    ...(namespaced ? { NAMESPACE } : {}),
    ORDER: float('order'),
    SELECTOR: str('selector'),
    TIER: str('tier'),
  },
});

const k8sPolicy: TableSpec = {
  headings: ['NAME'],
  wide: ['NAME', 'PODSELECTOR'],
  cells: { NAME, NAMESPACE, PODSELECTOR: (r) => labelSelectorValue(specOf(r)['podSelector']) },
};

const nameOnly: TableSpec = { headings: ['NAME'], wide: ['NAME'], cells: { NAME } };

const TABLES: Readonly<Record<string, TableSpec>> = {
  BGPConfiguration: {
    headings: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    wide: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    cells: {
      NAME,
      LOGSEVERITY: str('logSeverityScreen'),
      MESHENABLED: valueOr('-')('nodeToNodeMeshEnabled'),
      ASNUMBER: valueOr('-')('asNumber'),
    },
  },
  BGPFilter: {
    headings: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    wide: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    cells: {
      NAME,
      NUMEXPORTV4: length('exportV4'),
      NUMIMPORTV4: length('importV4'),
      NUMEXPORTV6: length('exportV6'),
      NUMIMPORTV6: length('importV6'),
    },
  },
  BGPPeer: {
    headings: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    wide: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    cells: {
      NAME,
      PEERIP: str('peerIP'),
      NODE: (r) => {
        const node = str('node')(r, NO_CONTEXT);
        if (node !== '') return node;
        const sel = str('nodeSelector')(r, NO_CONTEXT);
        return sel === '' ? '(global)' : sel;
      },
      ASN: int('asNumber'),
    },
  },
  ClusterInformation: {
    headings: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    wide: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    cells: {
      NAME,
      CLUSTERGUID: str('clusterGUID'),
      CLUSTERTYPE: str('clusterType'),
      CALICOVERSION: str('calicoVersion'),
      DATASTOREREADY: ptr('datastoreReady'),
    },
  },
  FelixConfiguration: nameOnly,
  GlobalNetworkPolicy: policy(false),
  StagedGlobalNetworkPolicy: policy(false),
  NetworkPolicy: policy(true),
  StagedNetworkPolicy: policy(true),
  GlobalNetworkSet: { headings: ['NAME'], wide: ['NAME', 'NETS'], cells: { NAME, NETS: joined('nets', 80) } },
  NetworkSet: { headings: ['NAME'], wide: ['NAME', 'NETS'], cells: { NAME, NAMESPACE, NETS: joined('nets', 80) } },
  HostEndpoint: {
    headings: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'INTERFACE', 'IPS', 'PROFILES'],
    cells: {
      NAME,
      NODE: str('node'),
      INTERFACE: str('interfaceName'),
      IPS: joined('expectedIPs'),
      PROFILES: joined('profiles'),
    },
  },
  IPAMConfiguration: {
    headings: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS'],
    wide: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS', 'MAXBLOCKSPERHOST'],
    cells: {
      NAME,
      STRICTAFFINITY: bool('strictAffinity'),
      AUTOALLOCATEBLOCKS: bool('autoAllocateBlocks'),
      MAXBLOCKSPERHOST: int('maxBlocksPerHost'),
    },
  },
  IPPool: {
    headings: ['NAME', 'CIDR', 'SELECTOR'],
    wide: ['NAME', 'CIDR', 'NAT', 'IPIPMODE', 'VXLANMODE', 'DISABLED', 'DISABLEBGPEXPORT', 'SELECTOR', 'ASSIGNMENTMODE'],
    cells: {
      NAME,
      CIDR: str('cidr'),
      NAT: bool('natOutgoing'),
      IPIPMODE: (r) => str('ipipMode')(r, NO_CONTEXT) || 'Never',
      VXLANMODE: (r) => str('vxlanMode')(r, NO_CONTEXT) || 'Never',
      DISABLED: bool('disabled'),
      DISABLEBGPEXPORT: bool('disableBGPExport'),
      SELECTOR: str('nodeSelector'),
      ASSIGNMENTMODE: ptr('assignmentMode'),
    },
  },
  IPReservation: {
    headings: ['NAME'],
    wide: ['NAME', 'CIDRS'],
    cells: { NAME, CIDRS: joined('reservedCIDRs', 80) },
  },
  KubeControllersConfiguration: nameOnly,
  Node: {
    headings: ['NAME'],
    wide: ['NAME', 'ASN', 'IPV4', 'IPV6'],
    cells: {
      NAME,
      ASN: (r, ctx) => {
        const bgp = specOf(r)['bgp'];
        if (typeof bgp !== 'object' || bgp === null) return '';
        const asn = (bgp as Obj)['asNumber'];
        return asn === undefined || asn === null ? `(${ctx.defaultAsNumber()})` : goValue(asn);
      },
      IPV4: (r) => bgpField(r, 'ipv4Address'),
      IPV6: (r) => bgpField(r, 'ipv6Address'),
    },
  },
  CalicoNodeStatus: {
    headings: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'CLASSES'],
    cells: { NAME, NODE: str('node'), CLASSES: (r) => join(specOf(r)['classes'], ',') },
  },
  Profile: {
    headings: ['NAME'],
    wide: ['NAME', 'LABELS'],
    cells: { NAME, LABELS: (r) => join(specOf(r)['labelsToApply'], ',') },
  },
  StagedKubernetesNetworkPolicy: k8sPolicy,
  KubernetesNetworkPolicy: k8sPolicy,
  Tier: { headings: ['NAME', 'ORDER'], wide: ['NAME', 'ORDER'], cells: { NAME, ORDER: float('order') } },
  WorkloadEndpoint: {
    headings: ['WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE'],
    wide: ['NAME', 'WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE', 'PROFILES', 'NATS'],
    cells: {
      NAME,
      NAMESPACE,
      NODE: str('node'),
      ORCHESTRATOR: str('orchestrator'),
      WORKLOAD: (r) => str('workload')(r, NO_CONTEXT) || str('pod')(r, NO_CONTEXT),
      NETWORKS: joined('ipNetworks'),
      NATS: (r) => {
        const nats = specOf(r)['ipNATs'];
        if (!Array.isArray(nats)) return '';
        return nats
          .map((n) => {
            const x = typeof n === 'object' && n !== null ? (n as Obj) : {};
            return `{${goValue(x['internalIP'] ?? '')} ${goValue(x['externalIP'] ?? '')}}`;
          })
          .join(',');
      },
      PROFILES: joined('profiles'),
      INTERFACE: str('interfaceName'),
    },
  },
};

const NO_CONTEXT: CellContext = { defaultAsNumber: () => '64512' };

function bgpField(r: StoredResource, field: string): string {
  const bgp = specOf(r)['bgp'];
  if (typeof bgp !== 'object' || bgp === null) return '';
  const v = (bgp as Obj)[field];
  return typeof v === 'string' ? v : '';
}

/** The table of a kind; kinds calicoctl has no template for show their name. */
export function tableSpec(storeKind: string): TableSpec {
  return TABLES[storeKind] ?? nameOnly;
}
