// Differential test: random policies over a fixed set of labelled pods,
// enforced by calico-node with real packets, against the policy model's
// verdicts computed from the same datastore contents. Any difference fails
// and prints the smallest reproducing case, found by removing policies and
// rules one at a time while the difference persists (each try with real
// packets). The seed is printed; CALICO_DIFF_SEED replays one.
// Kubernetes NetworkPolicies (order 1000) mix with Calico policies of order
// 1000 and names from a small shared pool, so equal-order ties across kinds
// and namespaces are common: their order is Felix's name/namespace/kind
// tie-break, which both sides must apply alike.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Protocol } from '../../src/lab/state.js';
import { observe, startLab, yamlStream, type TestLab } from './harness.js';
import { labModel, modelAllows } from './model.js';
import { smaller, type Policy } from './shrink.js';

const API = 'projectcalico.org/v3';
const PODS = [
  { ref: 'n1/p1', ip: '10.60.1.1', labels: { app: 'web', tier: 'fe' } },
  { ref: 'n1/p2', ip: '10.60.1.2', labels: { app: 'api', tier: 'be' } },
  { ref: 'n2/p3', ip: '10.60.2.1', labels: { app: 'web', tier: 'be' } },
  { ref: 'n2/p4', ip: '10.60.2.2', labels: { app: 'db' } },
] as const;
const NAMESPACES = { n1: { team: 'a' }, n2: { team: 'b' } };
const PROBES: readonly { protocol: Protocol; port: number }[] = [
  { protocol: 'tcp', port: 80 },
  { protocol: 'tcp', port: 81 },
  { protocol: 'udp', port: 81 },
];
const CASES = Number(process.env['CALICO_DIFF_CASES'] ?? 6);

type Rule = Record<string, unknown>;

const selector = fc.constantFrom('all()', "app == 'web'", "tier == 'be'", 'has(tier)', '!has(tier)', "app in {'api', 'db'}");
const entity = fc.record(
  {
    selector,
    namespaceSelector: fc.constantFrom('all()', "team == 'a'", "team == 'b'"),
    nets: fc.constantFrom(['10.60.1.0/24'], ['10.60.2.1/32'], ['10.60.0.0/16']),
    notNets: fc.constantFrom(['10.60.1.0/24'], ['10.60.2.2/32']),
  },
  { requiredKeys: [] },
);
const ruleArb = fc
  .record({
    action: fc.constantFrom('Allow', 'Allow', 'Deny', 'Pass'),
    protocol: fc.constantFrom(undefined, 'TCP', 'UDP'),
    source: entity,
    destination: entity,
    ports: fc.constantFrom(undefined, [80], [81], ['80:81']),
  })
  .map(({ action, protocol, source, destination, ports }): Rule => {
    const dst = { ...destination, ...(protocol !== undefined && ports !== undefined ? { ports } : {}) };
    return {
      action,
      ...(protocol === undefined ? {} : { protocol }),
      ...(Object.keys(source).length > 0 ? { source } : {}),
      ...(Object.keys(dst).length > 0 ? { destination: dst } : {}),
    };
  });
const K8S_API = 'networking.k8s.io/v1';
/** Names shared by every kind: 'c' sorts after a k8s policy 'a' but before its `knp.default.a`, so the tie-break shows. */
const nameArb = fc.constantFrom('a', 'c');
const policyArb = fc.record({
  global: fc.boolean(),
  name: nameArb,
  namespace: fc.constantFrom('n1', 'n2'),
  order: fc.constantFrom(undefined, 10, 1000, 1000, 1000),
  selector,
  ingress: fc.array(ruleArb, { maxLength: 3 }),
  egress: fc.array(ruleArb, { maxLength: 2 }),
  types: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
});
const k8sPeer = fc.oneof(
  fc.record({ podSelector: fc.constantFrom({}, { matchLabels: { app: 'web' } }, { matchLabels: { tier: 'be' } }) }),
  fc.record({ namespaceSelector: fc.constantFrom({}, { matchLabels: { team: 'a' } }) }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.60.1.0/24' }, { cidr: '10.60.0.0/16', except: ['10.60.2.0/24'] }) }),
);
const k8sRuleArb = fc.record({
  peers: fc.option(fc.array(k8sPeer, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.constantFrom(undefined, [{ protocol: 'TCP', port: 80 }], [{ protocol: 'TCP', port: 'http' }], [{ protocol: 'UDP', port: 81 }], [{ port: 81 }]),
});
const k8sPolicyArb = fc.record({
  name: nameArb,
  namespace: fc.constantFrom('n1', 'n2'),
  podSelector: fc.constantFrom({}, { matchLabels: { app: 'web' } }, { matchLabels: { tier: 'be' } }),
  ingress: fc.array(k8sRuleArb, { maxLength: 2 }),
  egress: fc.array(k8sRuleArb, { maxLength: 2 }),
  policyTypes: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
});

function calicoPolicy(p: typeof policyArb extends fc.Arbitrary<infer T> ? T : never): Policy {
  const spec = {
    selector: p.selector,
    ...(p.order === undefined ? {} : { order: p.order }),
    ...(p.types === undefined ? {} : { types: p.types }),
    ...(p.ingress.length > 0 ? { ingress: p.ingress } : {}),
    ...(p.egress.length > 0 ? { egress: p.egress } : {}),
  };
  return p.global
    ? { apiVersion: API, kind: 'GlobalNetworkPolicy', metadata: { name: p.name }, spec }
    : { apiVersion: API, kind: 'NetworkPolicy', metadata: { name: p.name, namespace: p.namespace }, spec };
}

function k8sPolicy(p: typeof k8sPolicyArb extends fc.Arbitrary<infer T> ? T : never): Policy {
  const rules = (rs: typeof p.ingress, peerKey: 'from' | 'to'): Rule[] =>
    rs.map((r) => ({ ...(r.peers === undefined ? {} : { [peerKey]: r.peers }), ...(r.ports === undefined ? {} : { ports: r.ports }) }));
  const spec = {
    podSelector: p.podSelector,
    ...(p.policyTypes === undefined ? {} : { policyTypes: p.policyTypes }),
    ...(p.ingress.length > 0 ? { ingress: rules(p.ingress, 'from') } : {}),
    ...(p.egress.length > 0 ? { egress: rules(p.egress, 'to') } : {}),
  };
  return { apiVersion: K8S_API, kind: 'NetworkPolicy', metadata: { name: p.name, namespace: p.namespace }, spec };
}

/** Where the datastore keeps a policy: a second policy with the same key would replace the first. */
const storeKey = (p: Policy): string => `${p.apiVersion}/${p.kind}/${p.metadata.namespace ?? ''}/${p.metadata.name}`;

const caseArb = fc
  .tuple(fc.array(policyArb, { maxLength: 4 }), fc.array(k8sPolicyArb, { minLength: 1, maxLength: 2 }))
  .map(([calico, k8s]) => {
    const all = [...calico.map(calicoPolicy), ...k8s.map(k8sPolicy)];
    return all.filter((p, i) => all.findIndex((q) => storeKey(q) === storeKey(p)) === i);
  })
  .filter((c) => c.length > 0);

describe('differential: calico-node with real packets against the policy model', () => {
  let lab: TestLab | undefined;
  before(async () => {
    lab = await startLab({ pool: '10.60.0.0/16' });
    for (const [ns, labels] of Object.entries(NAMESPACES)) await lab.namespace(ns, labels);
    const serve = [{ name: 'http', protocol: 'tcp' as const, port: 80 }, { protocol: 'tcp' as const, port: 81 }, { protocol: 'udp' as const, port: 81 }];
    await lab.pods(PODS.map((p) => [p.ref, { labels: p.labels, serve, ip: p.ip }] as const));
  });
  after(async () => {
    await lab?.down();
  });

  /** The cells where packets and model disagree, as text. */
  async function differences(c: readonly Policy[]): Promise<string[]> {
    const l = lab!;
    await l.apply(c);
    try {
      await l.sync();
      const model = await labModel(l.state);
      const allows = (key: string, from: string, to: string): boolean => {
        const [protocol, port] = key.split('/') as [Protocol, string];
        const [fn, fp] = from.split('/') as [string, string];
        const [tn, tp] = to.split('/') as [string, string];
        return modelAllows(model, { namespace: fn, name: fp }, { namespace: tn, name: tp }, protocol, Number(port));
      };
      const seen = await observe(l, PROBES, allows);
      const out: string[] = [];
      for (const [key, m] of seen) {
        for (const [from, row] of Object.entries(m)) {
          for (const [to, ok] of Object.entries(row)) {
            if (ok !== allows(key, from, to)) out.push(`${key} ${from} -> ${to}: packets ${ok ? 'connect' : 'are dropped'}, the model says ${ok ? 'deny' : 'allow'}`);
          }
        }
      }
      return out;
    } finally {
      await l.remove(c);
    }
  }

  async function shrink(c: readonly Policy[], diff: string[]): Promise<{ c: readonly Policy[]; diff: string[] }> {
    let best = { c, diff };
    for (let progress = true; progress; ) {
      progress = false;
      for (const candidate of smaller(best.c)) {
        const d = await differences(candidate);
        if (d.length > 0) {
          best = { c: candidate, diff: d };
          progress = true;
          break;
        }
      }
    }
    return best;
  }

  // The tie the random cases reach only now and then: Felix runs the k8s policy `a` (key
  // `a/n1/KubernetesNetworkPolicy`) before the Calico policy `c` of the same order, so port 80
  // stays open; keyed by its converted name `knp.default.a` it would run second and deny.
  it('a Kubernetes policy and a Calico policy of equal order run in Felix\'s name/namespace/kind order', async () => {
    const tie: Policy[] = [
      k8sPolicy({ name: 'a', namespace: 'n1', podSelector: { matchLabels: { app: 'web' } }, ingress: [{ peers: undefined, ports: undefined }], egress: [], policyTypes: undefined }),
      calicoPolicy({ global: false, name: 'c', namespace: 'n1', order: 1000, selector: "app == 'web'", ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [80] } }], egress: [], types: ['Ingress'] }),
    ];
    assert.deepEqual(await differences(tie), []);
  });

  const seed = Number(process.env['CALICO_DIFF_SEED'] ?? Date.now() % 1_000_000);
  const cases = fc.sample(caseArb, { seed, numRuns: CASES });
  cases.forEach((c, i) => {
    it(`random case ${i + 1} of ${cases.length} (seed ${seed}): ${c.length} polic${c.length === 1 ? 'y' : 'ies'}`, async () => {
      const diff = await differences(c);
      if (diff.length === 0) return;
      const small = await shrink(c, diff);
      assert.fail(`packets and model differ (CALICO_DIFF_SEED=${seed}); smallest case:\n${yamlStream(small.c)}\n\ndifferences:\n${small.diff.join('\n')}`);
    });
  });
});
