// The calculation graph on a synthetic cluster: 10,000 workload endpoints
// (250 on this host) in 500 namespaces, 1,000 policies. Measures the initial
// load to the in-sync batch, then the latency from one datastore event to its
// flushed dataplane batch for a policy change and for a remote endpoint's
// label change.
import { CalcGraph } from '../src/calc/index.js';
import type { StoredResource } from '../src/datastore/types.js';
import { percentile, rng, round, type BenchModule } from './harness.js';

export const ENDPOINTS = 10_000;
export const LOCAL = 250;
const NAMESPACES = 500;
export const POLICIES = 1_000;
const CHANGES = 200;
export const HOST = 'node-0';
const V3 = 'projectcalico.org/v3';

const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
export const apps = Array.from({ length: 5 }, (_, i) => `app-${i}`);
const envs = ['prod', 'staging', 'dev'];
const ns = (i: number): string => `ns-${i}`;

function namespaceProfile(i: number): StoredResource {
  return {
    apiVersion: V3,
    kind: 'Profile',
    metadata: { name: `kns.${ns(i)}` },
    spec: {
      ingress: [{ action: 'Allow' }],
      egress: [{ action: 'Allow' }],
      labelsToApply: { 'pcns.projectcalico.org/name': ns(i), 'pcns.env': envs[i % 3] as string, 'pcns.team': `team-${i % 25}` },
    },
  };
}

/** Every other endpoint of the first 500 is on this host: 250 local endpoints in 250 namespaces. */
function isLocal(i: number): boolean {
  return i < 2 * LOCAL && i % 2 === 0;
}

export function endpoint(i: number, app: string): StoredResource {
  const n = ns(i % NAMESPACES);
  const node = isLocal(i) ? HOST : `node-${1 + (i % 97)}`;
  const pod = `pod-${i}`;
  return {
    apiVersion: V3,
    kind: 'WorkloadEndpoint',
    metadata: { name: `${node}-k8s-${pod}-eth0`, namespace: n, labels: { app, version: `v${i % 3}` } },
    spec: {
      orchestrator: 'k8s',
      node,
      pod,
      endpoint: 'eth0',
      interfaceName: `cali${i}`,
      ipNetworks: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`],
      profiles: [`kns.${n}`],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    },
  };
}

export function policy(i: number, variant: number): StoredResource {
  const n = ns(i % NAMESPACES);
  const shape = i % 10;
  if (shape < 7) {
    return {
      apiVersion: V3,
      kind: 'NetworkPolicy',
      metadata: { name: `np-${i}`, namespace: n },
      spec: {
        order: 100 + (i % 50),
        selector: `app == '${apps[i % apps.length]}'`,
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == '${apps[(i + 1) % apps.length]}'` }, destination: { ports: [80 + variant] } }],
        egress: [{ action: 'Allow', protocol: 'TCP', destination: { namespaceSelector: `env == '${envs[i % 3]}'`, selector: `app == '${apps[(i + 2) % apps.length]}'`, ports: ['http'] } }],
        types: ['Ingress', 'Egress'],
      },
    };
  }
  if (shape < 9) {
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `knp-${i}`, namespace: n },
      spec: {
        podSelector: { matchLabels: { app: apps[i % apps.length] as string } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${i % 25}` } } }], ports: [{ port: 443 + variant }] }],
        policyTypes: ['Ingress'],
      },
    };
  }
  return {
    apiVersion: V3,
    kind: 'GlobalNetworkPolicy',
    metadata: { name: `security.gnp-${i}` },
    spec: {
      tier: 'security',
      order: i,
      selector: `app == '${apps[i % apps.length]}'`,
      ingress: [{ action: 'Deny', source: { nets: [`192.168.${i % 256}.0/24`] } }, { action: 'Pass', source: { selector: `version == 'v${variant % 3}'` } }],
    },
  };
}

export function cluster(): StoredResource[] {
  const out: StoredResource[] = [
    { apiVersion: V3, kind: 'Tier', metadata: { name: 'default' }, spec: { order: 1_000_000, defaultAction: 'Deny' } },
    { apiVersion: V3, kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100, defaultAction: 'Pass' } },
    { apiVersion: V3, kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { logSeverityScreen: 'Info' } },
  ];
  for (let i = 0; i < NAMESPACES; i++) out.push(namespaceProfile(i));
  for (let i = 0; i < ENDPOINTS; i++) out.push(endpoint(i, pick(apps)));
  for (let i = 0; i < POLICIES; i++) out.push(policy(i, 0));
  return out;
}

function timeMs(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export const run: BenchModule['run'] = async (report) => {
  const resources = cluster();
  const rssBefore = process.memoryUsage().rss;
  let graph = new CalcGraph({ hostname: HOST });
  let revision = 0;
  let initialBatch = 0;
  const loadMs = timeMs(() => {
    for (const resource of resources) graph.onUpdate({ type: 'added', resource, revision: ++revision });
    graph.onInSync(revision);
    initialBatch = graph.flush().length;
  });
  const rss = process.memoryUsage().rss;
  const stats = graph.stats();
  report({ name: 'initial load to in-sync batch (validated)', value: round(loadMs, 0), unit: 'ms' });
  report({ name: 'initial batch', value: initialBatch, unit: 'messages' });
  report({ name: 'rss after load', value: round(rss / 2 ** 20, 0), unit: 'MiB' });
  report({ name: 'rss growth during load', value: round((rss - rssBefore) / 2 ** 20, 0), unit: 'MiB' });
  report({ name: 'local endpoints', value: stats.localEndpoints, unit: '' });
  report({ name: 'active policies', value: stats.activePolicies, unit: '' });
  report({ name: 'active IP sets', value: stats.activeIpSets, unit: '' });
  report({ name: 'IP set members', value: stats.ipSetMembers, unit: '' });

  // Policy changes: a port in one of the policies, each change flushed on its own.
  const policyLatency: number[] = [];
  for (let c = 0; c < CHANGES; c++) {
    const resource = policy((c * 37) % POLICIES, 1 + (c % 2));
    policyLatency.push(timeMs(() => {
      graph.onUpdate({ type: 'modified', resource, revision: ++revision });
      graph.flush();
    }));
  }
  report({ name: 'policy change to flushed batch, median', value: round(percentile(policyLatency, 50), 3), unit: 'ms' });
  report({ name: 'policy change to flushed batch, p99', value: round(percentile(policyLatency, 99), 3), unit: 'ms' });

  // Remote endpoint label changes: the app label moves, so members move between sets.
  const labelLatency: number[] = [];
  let deltas = 0;
  for (let c = 0; c < CHANGES; c++) {
    const i = 2 * LOCAL + ((c * 53) % (ENDPOINTS - 2 * LOCAL));
    const resource = endpoint(i, apps[c % apps.length] as string);
    let batch: readonly unknown[] = [];
    labelLatency.push(timeMs(() => {
      graph.onUpdate({ type: 'modified', resource, revision: ++revision });
      batch = graph.flush();
    }));
    deltas += batch.length;
  }
  report({ name: 'remote endpoint label change to flushed batch, median', value: round(percentile(labelLatency, 50), 3), unit: 'ms' });
  report({ name: 'remote endpoint label change to flushed batch, p99', value: round(percentile(labelLatency, 99), 3), unit: 'ms' });
  report({ name: 'messages per label change (mean)', value: round(deltas / CHANGES, 2), unit: '' });

  // The same load without validation: how much of it is the ValidationFilter.
  graph = new CalcGraph({ hostname: HOST, validate: false });
  revision = 0;
  const unvalidatedMs = timeMs(() => {
    for (const resource of resources) graph.onUpdate({ type: 'added', resource, revision: ++revision });
    graph.onInSync(revision);
    graph.flush();
  });
  report({ name: 'initial load to in-sync batch (validation off)', value: round(unvalidatedMs, 0), unit: 'ms' });
};
