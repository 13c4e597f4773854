// Calico's own policy semantics as scenarios for the lab: tiers, Pass, order,
// Deny before Allow, network sets, notNets, port ranges, named ports, egress.
// Pods prod/fe, prod/be, prod/db and dev/tool at fixed addresses, each serving
// TCP 80 (named `http`), TCP 81 and UDP 53. Each scenario lists the cells that
// are blocked; every other cell connects.
const API = 'projectcalico.org/v3';

export const CALICO_PODS = [
  { ref: 'prod/fe', ip: '10.50.1.1', labels: { role: 'frontend' } },
  { ref: 'prod/be', ip: '10.50.1.2', labels: { role: 'backend' } },
  { ref: 'prod/db', ip: '10.50.1.3', labels: { role: 'db' } },
  { ref: 'dev/tool', ip: '10.50.2.1', labels: { role: 'tool' } },
] as const;
export const CALICO_POOL = '10.50.0.0/16';
export const CALICO_NAMESPACES = { prod: { env: 'prod' }, dev: { env: 'dev' } } as const;
export const CALICO_PROBES = [
  { protocol: 'tcp', port: 80 },
  { protocol: 'tcp', port: 81 },
  { protocol: 'udp', port: 53 },
] as const;

type ProbeName = 'tcp/80' | 'tcp/81' | 'udp/53';
/** from, to, and the probes blocked (all three when omitted). */
export type Blocked = readonly [string, string, (readonly ProbeName[])?];

export interface CalicoScenario {
  readonly name: string;
  /** Applied in this order, deleted in the reverse one (tiers before their policies). */
  readonly resources: readonly unknown[];
  readonly blocked: readonly Blocked[];
}

const tier = (name: string, order: number) => ({ apiVersion: API, kind: 'Tier', metadata: { name }, spec: { order } });
const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const np = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: API, kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const OTHERS_TO_DB = ['prod/fe', 'prod/be', 'dev/tool'];
const toDb = (except: readonly string[], probes?: readonly ProbeName[]): Blocked[] =>
  OTHERS_TO_DB.filter((f) => !except.includes(f)).map((f): Blocked => (probes === undefined ? [f, 'prod/db'] : [f, 'prod/db', probes]));

export const CALICO_SCENARIOS: readonly CalicoScenario[] = [
  {
    name: 'a Deny in an earlier tier beats an Allow in a later tier',
    resources: [
      tier('security', 100),
      gnp('security.no-tool', { tier: 'security', selector: "role == 'db'", ingress: [{ action: 'Deny', source: { selector: "role == 'tool'" } }, { action: 'Pass' }] }),
      np('prod', 'default.allow-all-db', { selector: "role == 'db'", ingress: [{ action: 'Allow' }] }),
    ],
    blocked: [['dev/tool', 'prod/db']],
  },
  {
    name: 'traffic no rule of a tier matches is dropped at the end of that tier, profiles notwithstanding',
    resources: [tier('security', 100), gnp('security.fe-only', { tier: 'security', selector: "role == 'db'", ingress: [{ action: 'Allow', source: { selector: "role == 'frontend'" } }] })],
    blocked: toDb(['prod/fe']),
  },
  {
    name: 'Pass skips the rest of its tier: the next tier (here none, so the profile) decides',
    resources: [
      tier('security', 100),
      gnp('security.pass-be', { tier: 'security', order: 10, selector: "role == 'db'", ingress: [{ action: 'Pass', source: { selector: "role == 'backend'" } }] }),
      gnp('security.deny-rest', { tier: 'security', order: 20, selector: "role == 'db'", ingress: [{ action: 'Deny' }] }),
    ],
    blocked: toDb(['prod/be']),
  },
  {
    name: 'policies apply in order: a lower order Allow comes before a higher order Deny',
    resources: [
      np('prod', 'allow-fe', { order: 100, selector: "role == 'db'", ingress: [{ action: 'Allow', source: { selector: "role == 'frontend'" } }] }),
      np('prod', 'deny-all', { order: 200, selector: "role == 'db'", ingress: [{ action: 'Deny' }] }),
    ],
    blocked: toDb(['prod/fe']),
  },
  {
    name: 'within a policy the first matching rule wins: Deny before Allow',
    resources: [np('prod', 'deny-then-allow', { selector: "role == 'db'", ingress: [{ action: 'Deny', source: { selector: "role == 'frontend'" } }, { action: 'Allow' }] })],
    blocked: [['prod/fe', 'prod/db']],
  },
  {
    name: 'a GlobalNetworkSet selected by labels from a GlobalNetworkPolicy admits its nets',
    resources: [
      { apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name: 'trusted', labels: { trusted: 'yes' } }, spec: { nets: ['10.50.2.0/24'] } },
      gnp('from-trusted', { selector: "role == 'db'", ingress: [{ action: 'Allow', source: { selector: "trusted == 'yes'" } }] }),
    ],
    blocked: toDb(['dev/tool']),
  },
  {
    name: 'a namespaced policy\'s selector does not see GlobalNetworkSets',
    resources: [
      { apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name: 'trusted', labels: { trusted: 'yes' } }, spec: { nets: ['10.50.2.0/24'] } },
      np('prod', 'from-trusted', { selector: "role == 'db'", ingress: [{ action: 'Allow', source: { selector: "trusted == 'yes'" } }] }),
    ],
    blocked: toDb([]),
  },
  {
    name: 'a namespaced NetworkSet is selected from policies in its namespace',
    resources: [
      { apiVersion: API, kind: 'NetworkSet', metadata: { name: 'backends', namespace: 'prod', labels: { kind: 'backends' } }, spec: { nets: ['10.50.1.2/32'] } },
      np('prod', 'from-backends', { selector: "role == 'db'", ingress: [{ action: 'Allow', source: { selector: "kind == 'backends'" } }] }),
    ],
    blocked: toDb(['prod/be']),
  },
  {
    name: 'notNets matches sources outside the nets',
    resources: [np('prod', 'not-prod-net', { selector: "role == 'db'", ingress: [{ action: 'Allow', source: { notNets: ['10.50.1.0/24'] } }] })],
    blocked: toDb(['dev/tool']),
  },
  {
    name: 'a port range admits the ports inside it only, for its protocol only',
    resources: [np('prod', 'range', { selector: "role == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['81:90'] } }] })],
    blocked: toDb([], ['tcp/80', 'udp/53']),
  },
  {
    name: 'a named port resolves to the port the endpoint declares under that name',
    resources: [np('prod', 'named', { selector: "role == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }] })],
    blocked: toDb([], ['tcp/81', 'udp/53']),
  },
  {
    name: 'egress policy with a namespaceSelector: the frontend may not reach dev',
    resources: [gnp('fe-egress', { selector: "role == 'frontend'", types: ['Egress'], egress: [{ action: 'Deny', destination: { namespaceSelector: "env == 'dev'" } }, { action: 'Allow' }] })],
    blocked: [['prod/fe', 'dev/tool']],
  },
  {
    name: 'a GlobalNetworkPolicy with types Ingress and no rules isolates the pods it selects',
    resources: [gnp('isolate-prod', { selector: "projectcalico.org/namespace == 'prod'", types: ['Ingress'] })],
    blocked: CALICO_PODS.flatMap((f) => CALICO_PODS.filter((t) => t.ref.startsWith('prod/') && t.ref !== f.ref).map((t): Blocked => [f.ref, t.ref])),
  },
];
