// The reference policy model at cluster scale: 10,000 pods in 100 namespaces,
// 1,000 policies over three tiers (GNPs with namespace selectors, NPs with
// pod/namespace peer selectors and ports, a few Deny and Pass rules), 50
// global network sets. Measures model build, the one-off per-endpoint policy
// resolution, and verdicts per second once resolved.
import { CALICO_API_VERSION } from '../src/api/meta.js';
import type { Rule } from '../src/api/policy-types.js';
import { buildPolicyModel, namespaceProfile, podWorkloadEndpoint, type Flow, type PolicyResource } from '../src/policy/index.js';
import { opsPerSecond, rng, round, type BenchModule, type BenchResult } from './harness.js';

const NAMESPACES = 100;
const PODS_PER_NAMESPACE = 100;
const POLICIES = 1000;
const APPS = 20;

function cluster(): { resources: PolicyResource[]; pods: { ns: string; name: string }[] } {
  const rand = rng(42);
  const pick = (n: number): number => Math.floor(rand() * n);
  const resources: PolicyResource[] = [];
  const pods: { ns: string; name: string }[] = [];
  resources.push(
    { apiVersion: CALICO_API_VERSION, kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } },
    { apiVersion: CALICO_API_VERSION, kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 200, defaultAction: 'Pass' } },
  );
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `ns${n}`;
    resources.push(namespaceProfile(ns, { team: `team${n % 10}`, env: n % 3 === 0 ? 'prod' : 'dev' }));
    for (let p = 0; p < PODS_PER_NAMESPACE; p++) {
      const name = `pod${p}`;
      pods.push({ ns, name });
      resources.push(
        podWorkloadEndpoint({
          namespace: ns,
          name,
          ips: [`10.${Math.floor(n / 4)}.${(n % 4) * 64 + Math.floor(p / 4)}.${(p % 4) + 1}`],
          labels: { app: `app${pick(APPS)}`, role: ['frontend', 'backend', 'db'][pick(3)] ?? 'db', version: `v${pick(3)}` },
          ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
        }),
      );
    }
  }
  for (let g = 0; g < 50; g++) {
    resources.push({
      apiVersion: CALICO_API_VERSION,
      kind: 'GlobalNetworkSet',
      metadata: { name: `gns${g}`, labels: { feed: `f${g % 5}` } },
      spec: { nets: [`198.${18 + (g % 2)}.${g}.0/24`] },
    });
  }
  for (let i = 0; i < POLICIES; i++) {
    const app = `app${pick(APPS)}`;
    const peerApp = `app${pick(APPS)}`;
    if (i < 100) {
      // Security tier: a few Deny rules against feeds and prod, then Pass.
      const rules: Rule[] = [
        { action: 'Deny', source: { selector: `feed == 'f${i % 5}'` } },
        { action: 'Log', protocol: 'TCP', destination: { ports: [22] } },
        { action: 'Pass' },
      ];
      resources.push({
        apiVersion: CALICO_API_VERSION,
        kind: 'GlobalNetworkPolicy',
        metadata: { name: `sec-${i}` },
        spec: { tier: 'security', order: i, selector: `app == '${app}'`, namespaceSelector: `team == 'team${i % 10}'`, ingress: rules, types: ['Ingress'] },
      });
    } else if (i < 200) {
      resources.push({
        apiVersion: CALICO_API_VERSION,
        kind: 'GlobalNetworkPolicy',
        metadata: { name: `plat-${i}` },
        spec: {
          tier: 'platform',
          order: i,
          selector: `role == 'db' && app == '${app}'`,
          egress: [{ action: 'Allow', protocol: 'TCP', destination: { selector: `role == 'backend'`, ports: ['5432', 'http'] } }],
        },
      });
    } else {
      const ns = `ns${pick(NAMESPACES)}`;
      resources.push({
        apiVersion: CALICO_API_VERSION,
        kind: 'NetworkPolicy',
        metadata: { name: `np-${i}`, namespace: ns },
        spec: {
          order: pick(5) === 0 ? undefined : 100 + pick(100),
          selector: `app == '${app}'`,
          ingress: [
            { action: 'Allow', protocol: 'TCP', source: { selector: `app == '${peerApp}'` }, destination: { ports: [80, '8000:8100', 'http'] } },
            { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: `env == 'prod'`, selector: `role == 'frontend'` } },
          ],
          egress: [{ action: 'Allow', destination: { notNets: ['10.200.0.0/16'] } }],
        },
      });
    }
  }
  return { resources, pods };
}

function flows(pods: readonly { ns: string; name: string }[], count: number): Flow[] {
  const rand = rng(7);
  const out: Flow[] = [];
  for (let i = 0; i < count; i++) {
    const a = pods[Math.floor(rand() * pods.length)];
    const b = pods[Math.floor(rand() * pods.length)];
    if (a === undefined || b === undefined) continue;
    out.push({
      source: { endpoint: { kind: 'WorkloadEndpoint', namespace: a.ns, name: a.name } },
      destination: { endpoint: { kind: 'WorkloadEndpoint', namespace: b.ns, name: b.name } },
      protocol: 'TCP',
      srcPort: 40000 + (i % 1000),
      dstPort: [80, 8080, 8050, 22, 443][i % 5],
    });
  }
  return out;
}

const bench: BenchModule = {
  async run(report: (r: BenchResult) => void): Promise<void> {
    const { resources, pods } = cluster();
    report({ name: 'policy model size', value: `${pods.length} endpoints, ${POLICIES} policies, 3 tiers, 50 network sets`, unit: '' });

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    const model = buildPolicyModel(resources);
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    report({ name: 'model build (parse + compile all selectors and rules)', value: round(buildMs, 1), unit: 'ms' });
    if (global.gc !== undefined) {
      global.gc();
      report({ name: 'model heap after build', value: round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, 1), unit: 'MiB' });
    }

    const all = flows(pods, 20_000);
    const t1 = process.hrtime.bigint();
    let allowed = 0;
    for (const f of all) if (model.evaluate(f).action === 'allow') allowed++;
    const coldMs = Number(process.hrtime.bigint() - t1) / 1e6;
    report({ name: 'first 20,000 verdicts (includes resolving policies for ~10k endpoints)', value: round(coldMs, 1), unit: 'ms' });
    report({ name: 'allowed share of sampled flows', value: round((100 * allowed) / all.length, 1), unit: '%' });

    let i = 0;
    const ops = opsPerSecond(() => {
      const f = all[i++ % all.length];
      if (f !== undefined) model.evaluate(f);
    }, 2000);
    report({ name: 'verdicts per second (endpoints resolved)', value: Math.round(ops), unit: 'verdicts/s' });
  },
};

export const run = bench.run;
export default bench;
