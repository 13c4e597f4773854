// Kubernetes NetworkPolicy scenarios in the shape of upstream's e2e suite
// (kubernetes test/e2e/network/netpol): namespaces x, y, z labelled ns=<name>,
// pods a, b, c in each labelled pod=<name>, each serving TCP and UDP on ports
// 80 and 81. Each scenario carries its policies and the full expected
// connectivity matrix per protocol/port, written out as truth tables: rows are
// clients, columns servers, `.` = connects, `X` = blocked. A pod reaching its
// own address never leaves its network namespace, so the diagonal is always `.`.
//
// Reused later by the end-to-end tests, which replay the same tables with real
// packets; keep this module free of test-runner imports.
import { K8S_NETWORKING_API_VERSION, type Labels } from '../../src/api/meta.js';
import type { K8sNetworkPolicySpec, KubernetesNetworkPolicy } from '../../src/api/k8s-types.js';
import type { WorkloadEndpointPort } from '../../src/api/policy-types.js';
import { namespaceProfile, podWorkloadEndpoint, type PolicyResource } from '../../src/policy/index.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export type PodId = `${(typeof NAMESPACES)[number]}/${(typeof POD_NAMES)[number]}`;
export const PODS: readonly PodId[] = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}` as PodId));

export type Probe = 'TCP/80' | 'TCP/81' | 'UDP/80' | 'UDP/81';
export const PROBES: readonly Probe[] = ['TCP/80', 'TCP/81', 'UDP/80', 'UDP/81'];

/** Named ports every pod declares, as upstream's e2e server containers do. */
export const POD_PORTS: readonly WorkloadEndpointPort[] = [
  { name: 'serve-80-tcp', protocol: 'TCP', port: 80 },
  { name: 'serve-81-tcp', protocol: 'TCP', port: 81 },
  { name: 'serve-80-udp', protocol: 'UDP', port: 80 },
  { name: 'serve-81-udp', protocol: 'UDP', port: 81 },
];

/** x/a = 10.1.1.1, y/b = 10.1.2.2, …: namespace index in the third octet, pod index in the fourth. */
export function podIp(id: PodId): string {
  const [ns, name] = id.split('/') as [string, string];
  return `10.1.${NAMESPACES.indexOf(ns as 'x') + 1}.${POD_NAMES.indexOf(name as 'a') + 1}`;
}

export function namespaceLabels(ns: string): Labels {
  return { ns };
}

export function podLabels(id: PodId): Labels {
  return { pod: id.split('/')[1] ?? '' };
}

/** The cluster as the policy model sees it: kns profiles and one workload endpoint per pod. */
export function clusterResources(): PolicyResource[] {
  return [
    ...NAMESPACES.map((ns) => namespaceProfile(ns, namespaceLabels(ns))),
    ...PODS.map((id) => {
      const [ns, name] = id.split('/') as [string, string];
      return podWorkloadEndpoint({ namespace: ns, name, labels: podLabels(id), ips: [podIp(id)], ports: POD_PORTS });
    }),
  ];
}

export interface Scenario {
  readonly name: string;
  readonly policies: readonly KubernetesNetworkPolicy[];
  /** Truth tables; a probe not listed has TCP/80's table (the scenario does not depend on protocol or port). */
  readonly expected: Readonly<Partial<Record<Probe, string>>> & { readonly 'TCP/80': string };
}

function knp(namespace: string, name: string, spec: K8sNetworkPolicySpec): KubernetesNetworkPolicy {
  return { apiVersion: K8S_NETWORKING_API_VERSION, kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** Parses a truth table into from → to → connects. */
export function parseTruthTable(text: string): Map<PodId, Map<PodId, boolean>> {
  const lines = text.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const first = lines[0] ?? [];
  const header = first[0] === '-' ? first.slice(1) : first;
  if (header.join(' ') !== PODS.join(' ')) throw new Error(`truth table header must be: ${PODS.join(' ')}`);
  const out = new Map<PodId, Map<PodId, boolean>>();
  for (const row of lines.slice(1)) {
    const from = row[0] as PodId;
    if (!PODS.includes(from) || row.length !== PODS.length + 1) throw new Error(`bad truth table row: ${row.join(' ')}`);
    out.set(from, new Map(PODS.map((to, i) => {
      const cell = row[i + 1];
      if (cell !== '.' && cell !== 'X') throw new Error(`bad cell ${cell} in row ${from}`);
      return [to, cell === '.'];
    })));
  }
  if (out.size !== PODS.length) throw new Error('truth table needs a row per pod');
  return out;
}

/** Renders a matrix in the same format, for failure messages and the demo. */
export function formatTruthTable(connects: (from: PodId, to: PodId) => boolean): string {
  const rows = [['-', ...PODS].join('\t')];
  for (const from of PODS) rows.push([from, ...PODS.map((to) => (connects(from, to) ? '.' : 'X'))].join('\t'));
  return rows.join('\n');
}

const ALL_OPEN = `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  .   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`;

/** Only x/a's ingress is closed (self excepted). */
const XA_CLOSED = `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  X   .   .   .   .   .   .   .   .
  y/c  X   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  X   .   .   .   .   .   .   .   .`;

/** Ingress to every pod of x closed (self excepted). */
const X_CLOSED_EXCEPT_SELF = `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   X   X   .   .   .   .   .   .
  x/b  X   .   X   .   .   .   .   .   .
  x/c  X   X   .   .   .   .   .   .   .
  y/a  X   X   X   .   .   .   .   .   .
  y/b  X   X   X   .   .   .   .   .   .
  y/c  X   X   X   .   .   .   .   .   .
  z/a  X   X   X   .   .   .   .   .   .
  z/b  X   X   X   .   .   .   .   .   .
  z/c  X   X   X   .   .   .   .   .   .`;

/** Egress from every pod of x closed (self excepted). */
const X_EGRESS_CLOSED = `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   X   X   X   X   X   X   X   X
  x/b  X   .   X   X   X   X   X   X   X
  x/c  X   X   .   X   X   X   X   X   X
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`;

const xa = { podSelector: { matchLabels: { pod: 'a' } } };
const allPods = { podSelector: {} };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'no policies: everything connects',
    policies: [],
    expected: { 'TCP/80': ALL_OPEN },
  },
  {
    name: 'default-deny ingress in x',
    policies: [knp('x', 'deny-ingress', { ...allPods, policyTypes: ['Ingress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   X   X   .   .   .   .   .   .
  x/b  X   .   X   .   .   .   .   .   .
  x/c  X   X   .   .   .   .   .   .   .
  y/a  X   X   X   .   .   .   .   .   .
  y/b  X   X   X   .   .   .   .   .   .
  y/c  X   X   X   .   .   .   .   .   .
  z/a  X   X   X   .   .   .   .   .   .
  z/b  X   X   X   .   .   .   .   .   .
  z/c  X   X   X   .   .   .   .   .   .`,
    },
  },
  {
    name: 'allow-all ingress in x next to a default-deny: policies are a union',
    policies: [
      knp('x', 'deny-ingress', { ...allPods, policyTypes: ['Ingress'] }),
      knp('x', 'allow-all', { ...allPods, ingress: [{}], policyTypes: ['Ingress'] }),
    ],
    expected: { 'TCP/80': ALL_OPEN },
  },
  {
    name: 'default-deny egress in x',
    policies: [knp('x', 'deny-egress', { ...allPods, policyTypes: ['Egress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   X   X   X   X   X   X   X   X
  x/b  X   .   X   X   X   X   X   X   X
  x/c  X   X   .   X   X   X   X   X   X
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'default-deny ingress and egress in y',
    policies: [knp('y', 'deny-all', { ...allPods, policyTypes: ['Ingress', 'Egress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   X   X   X   .   .   .
  x/b  .   .   .   X   X   X   .   .   .
  x/c  .   .   .   X   X   X   .   .   .
  y/a  X   X   X   .   X   X   X   X   X
  y/b  X   X   X   X   .   X   X   X   X
  y/c  X   X   X   X   X   .   X   X   X
  z/a  .   .   .   X   X   X   .   .   .
  z/b  .   .   .   X   X   X   .   .   .
  z/c  .   .   .   X   X   X   .   .   .`,
    },
  },
  {
    name: 'allow ingress from the same namespace only (x)',
    policies: [knp('x', 'allow-same-ns', { ...allPods, ingress: [{ from: [{ podSelector: {} }] }], policyTypes: ['Ingress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  .   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  X   X   X   .   .   .   .   .   .
  y/b  X   X   X   .   .   .   .   .   .
  y/c  X   X   X   .   .   .   .   .   .
  z/a  X   X   X   .   .   .   .   .   .
  z/b  X   X   X   .   .   .   .   .   .
  z/c  X   X   X   .   .   .   .   .   .`,
    },
  },
  {
    name: 'allow ingress to x/a from namespace ns=y',
    policies: [knp('x', 'from-y', { ...xa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }], policyTypes: ['Ingress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  X   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'namespaceSelector and podSelector in one peer mean both (y/b only)',
    policies: [
      knp('x', 'from-y-b', {
        ...xa,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }],
        policyTypes: ['Ingress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  X   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  X   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'namespaceSelector and podSelector as two peers mean either (all of y, and x/b)',
    policies: [
      knp('x', 'from-y-or-b', {
        ...xa,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
        policyTypes: ['Ingress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  .   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  X   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'all namespaces ({}) with podSelector pod=c',
    policies: [
      knp('x', 'from-any-c', { ...xa, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } }] }], policyTypes: ['Ingress'] }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  X   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'namespaceSelector matchExpressions ns NotIn [x, y]',
    policies: [
      knp('x', 'from-not-x-y', {
        ...xa,
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x', 'y'] }] } }] }],
        policyTypes: ['Ingress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  X   .   .   .   .   .   .   .   .
  y/c  X   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'two policies on x/a: the union of what each allows (y and z)',
    policies: [
      knp('x', 'from-y', { ...xa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }], policyTypes: ['Ingress'] }),
      knp('x', 'from-z', { ...xa, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }] }], policyTypes: ['Ingress'] }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'ingress to x/a on the named port serve-81-tcp only',
    policies: [knp('x', 'named-81', { ...xa, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }], policyTypes: ['Ingress'] })],
    expected: { 'TCP/80': XA_CLOSED, 'TCP/81': ALL_OPEN, 'UDP/80': XA_CLOSED, 'UDP/81': XA_CLOSED },
  },
  {
    name: 'ingress to x/a on TCP 80 through endPort 81',
    policies: [knp('x', 'range', { ...xa, ingress: [{ ports: [{ protocol: 'TCP', port: 80, endPort: 81 }] }], policyTypes: ['Ingress'] })],
    expected: { 'TCP/80': ALL_OPEN, 'TCP/81': ALL_OPEN, 'UDP/80': XA_CLOSED, 'UDP/81': XA_CLOSED },
  },
  {
    name: 'ingress to x/a on UDP 81 only',
    policies: [knp('x', 'udp-81', { ...xa, ingress: [{ ports: [{ protocol: 'UDP', port: 81 }] }], policyTypes: ['Ingress'] })],
    expected: { 'TCP/80': XA_CLOSED, 'TCP/81': XA_CLOSED, 'UDP/80': XA_CLOSED, 'UDP/81': ALL_OPEN },
  },
  {
    name: 'ingress in x from x/a only, on TCP 80 only',
    policies: [
      knp('x', 'from-a-80', {
        ...allPods,
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'a' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
        policyTypes: ['Ingress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   X   .   .   .   .   .   .
  x/c  X   X   .   .   .   .   .   .   .
  y/a  X   X   X   .   .   .   .   .   .
  y/b  X   X   X   .   .   .   .   .   .
  y/c  X   X   X   .   .   .   .   .   .
  z/a  X   X   X   .   .   .   .   .   .
  z/b  X   X   X   .   .   .   .   .   .
  z/c  X   X   X   .   .   .   .   .   .`,
      'TCP/81': X_CLOSED_EXCEPT_SELF,
      'UDP/80': X_CLOSED_EXCEPT_SELF,
      'UDP/81': X_CLOSED_EXCEPT_SELF,
    },
  },
  {
    name: 'egress only (policyTypes Egress) from x/a to namespace y; ingress untouched',
    policies: [knp('x', 'egress-to-y', { ...xa, egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }], policyTypes: ['Egress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   X   X   .   .   .   X   X   X
  x/b  .   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'egress from x to pod=b in any namespace on port 80',
    policies: [
      knp('x', 'egress-to-b-80', {
        ...allPods,
        egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }],
        policyTypes: ['Egress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   X   X   .   X   X   .   X
  x/b  X   .   X   X   .   X   X   .   X
  x/c  X   .   .   X   .   X   X   .   X
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
      'TCP/81': X_EGRESS_CLOSED,
      'UDP/80': X_EGRESS_CLOSED,
      'UDP/81': X_EGRESS_CLOSED,
    },
  },
  {
    name: 'egress from x/a to an ipBlock with an except (y\'s pods carved out)',
    policies: [
      knp('x', 'egress-cidr', {
        ...xa,
        egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } }] }],
        policyTypes: ['Egress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   X   X   X   .   .   .
  x/b  .   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  .   .   .   .   .   .   .   .   .
  y/b  .   .   .   .   .   .   .   .   .
  y/c  .   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'ingress to x/a from an ipBlock: only z\'s pods (10.1.3.0/24)',
    policies: [knp('x', 'from-cidr', { ...xa, ingress: [{ from: [{ ipBlock: { cidr: '10.1.3.0/24' } }] }], policyTypes: ['Ingress'] })],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  X   .   .   .   .   .   .   .   .
  x/c  X   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  X   .   .   .   .   .   .   .   .
  y/c  X   .   .   .   .   .   .   .   .
  z/a  .   .   .   .   .   .   .   .   .
  z/b  .   .   .   .   .   .   .   .   .
  z/c  .   .   .   .   .   .   .   .   .`,
    },
  },
  {
    name: 'podSelector matchExpressions pod In [b, c] within x',
    policies: [
      knp('x', 'from-b-c', {
        ...xa,
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }],
        policyTypes: ['Ingress'],
      }),
    ],
    expected: {
      'TCP/80': `
      x/a x/b x/c y/a y/b y/c z/a z/b z/c
  x/a  .   .   .   .   .   .   .   .   .
  x/b  .   .   .   .   .   .   .   .   .
  x/c  .   .   .   .   .   .   .   .   .
  y/a  X   .   .   .   .   .   .   .   .
  y/b  X   .   .   .   .   .   .   .   .
  y/c  X   .   .   .   .   .   .   .   .
  z/a  X   .   .   .   .   .   .   .   .
  z/b  X   .   .   .   .   .   .   .   .
  z/c  X   .   .   .   .   .   .   .   .`,
    },
  },
];
