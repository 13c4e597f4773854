// Policy order within a tier, as Felix's PolicySorter gives it: order, then the
// byte string `<name>/<namespace>/<kind>` of the policy's key (policy_sorter.go
// PolKVLess; model.PolicyKey). Each case is fed to both the reference model
// and the calc graph, and both must give exactly the upstream order for the
// endpoint — ties across kinds and namespaces included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredResource } from '../../src/datastore/types.js';
import { buildPolicyModel, type EndpointRef, type PolicyId, type PolicyResource } from '../../src/policy/index.js';
import { policyIdString } from '../../src/calc/types.js';
import { finalStateOf, gnp, knp, np, nsProfile, set, tier, wep, wepId } from '../calc/helpers.js';
import { np as modelNp, stagedGnp, stagedNp } from './fixtures.js';

const NS = 'a';
const SUBJECT: EndpointRef = { kind: 'WorkloadEndpoint', namespace: NS, name: 'node1-k8s-p-eth0' };
const BOTH = ['Ingress', 'Egress'];

/** A Calico policy selecting every endpoint, both directions; `order` undefined = none. */
const spec = (order: number | undefined, extra: Record<string, unknown> = {}) => ({
  selector: 'all()',
  types: BOTH,
  ...(order === undefined ? {} : { order }),
  ...extra,
});
/** A k8s policy selecting every pod of its namespace, both directions (converted with order 1000). */
const k8s = (namespace: string, name: string) => knp(namespace, name, { podSelector: {}, policyTypes: BOTH });

type TierOrder = readonly { readonly tier: string; readonly policies: readonly string[] }[];

interface Case {
  readonly name: string;
  readonly policies: readonly StoredResource[];
  /** Per active tier, Felix's policy ID strings in evaluation order. */
  readonly want: TierOrder;
}

const inDefault = (...policies: string[]): TierOrder => [{ tier: 'default', policies }];

const CASES: readonly Case[] = [
  {
    name: 'a k8s policy ties with a Calico policy by its own name, not knp.default.<name>',
    policies: [np(NS, 'c', spec(1000)), k8s(NS, 'b')],
    want: inDefault('knp/a/b', 'np/a/c'),
  },
  {
    name: 'a k8s policy named after the Calico one sorts first (kind KubernetesNetworkPolicy < NetworkPolicy)',
    policies: [np(NS, 'x', spec(1000)), k8s(NS, 'x')],
    want: inDefault('knp/a/x', 'np/a/x'),
  },
  {
    name: 'a global policy of the same name sorts before namespaced ones (empty namespace)',
    policies: [np(NS, 'x', spec(1000)), k8s(NS, 'x'), gnp('x', spec(1000))],
    want: inDefault('gnp/x', 'knp/a/x', 'np/a/x'),
  },
  {
    name: 'names compare as bytes of the whole key: "-" and "." sort before the "/" that ends a name',
    policies: [np(NS, 'web', spec(1000)), k8s(NS, 'web-2'), gnp('web.x', spec(1000))],
    want: inDefault('knp/a/web-2', 'gnp/web.x', 'np/a/web'),
  },
  {
    name: 'names compare as bytes, not as numbers',
    policies: [gnp('9', spec(7)), gnp('10', spec(7)), np(NS, '1', spec(7))],
    want: inDefault('np/a/1', 'gnp/10', 'gnp/9'),
  },
  {
    name: 'order decides before the name',
    policies: [k8s(NS, 'a'), np(NS, 'z', spec(999.5)), gnp('m', spec(1000.5))],
    want: inDefault('np/a/z', 'knp/a/a', 'gnp/m'),
  },
  {
    name: 'policies without an order sort last and tie by key among themselves',
    policies: [np(NS, 'b', spec(undefined)), gnp('a', spec(undefined)), k8s(NS, 'c')],
    want: inDefault('knp/a/c', 'gnp/a', 'np/a/b'),
  },
  {
    name: 'policies of the same name and order in another namespace do not take part',
    policies: [np(NS, 'p', spec(5)), gnp('p', spec(5)), np('b', 'p', spec(5)), k8s('b', 'p')],
    want: inDefault('gnp/p', 'np/a/p'),
  },
  {
    name: 'tiers of equal order sort by tier name; each tier sorts its own policies',
    policies: [
      tier('t2', 100),
      tier('t1', 100),
      gnp('t2.b', spec(1, { tier: 't2' })),
      np(NS, 't2.a', spec(1, { tier: 't2' })),
      gnp('t1.z', spec(1, { tier: 't1' })),
      k8s(NS, 'z'),
      np(NS, 'y', spec(1000)),
    ],
    want: [
      { tier: 't1', policies: ['gnp/t1.z'] },
      { tier: 't2', policies: ['np/a/t2.a', 'gnp/t2.b'] },
      { tier: 'default', policies: ['np/a/y', 'knp/a/z'] },
    ],
  },
  {
    name: 'a tier no Tier object defines sorts after every defined tier',
    policies: [gnp('ghost.a', spec(1, { tier: 'ghost' })), gnp('t1.a', spec(1, { tier: 't1' })), tier('t1'), k8s(NS, 'k')],
    want: [
      { tier: 'default', policies: ['knp/a/k'] },
      { tier: 't1', policies: ['gnp/t1.a'] },
      { tier: 'ghost', policies: ['gnp/ghost.a'] },
    ],
  },
];

function modelIdString(id: PolicyId): string {
  return policyIdString(id.namespace === '' ? { kind: id.kind, name: id.name } : id);
}

describe('policy order: the model and the calc graph give Felix order', () => {
  for (const c of CASES) {
    it(c.name, () => {
      // The default tier as every datastore has it (calico-node creates it at start).
      const resources = [tier('default', 1_000_000), nsProfile(NS), nsProfile('b'), wep(NS, 'p'), ...c.policies];
      const invalid: string[] = [];
      const state = finalStateOf(resources.map(set), { onInvalid: (r) => invalid.push(`${r.kind} ${r.metadata.name}`) });
      assert.deepEqual(invalid, [], 'every resource is valid');
      const model = buildPolicyModel(resources as PolicyResource[]);
      assert.deepEqual(model.warnings, []);
      const intent = state.weps.get(wepId(NS, 'p'));
      assert.ok(intent !== undefined, 'the endpoint is programmed');
      for (const dir of ['ingress', 'egress'] as const) {
        const calc: TierOrder = intent.tiers.map((t) => ({ tier: t.name, policies: dir === 'ingress' ? t.ingressPolicies : t.egressPolicies }));
        const reference: TierOrder = model.policiesFor(SUBJECT, dir).map((t) => ({ tier: t.tier, policies: t.policies.map(modelIdString) }));
        assert.deepEqual(calc, c.want, `calc graph, ${dir}`);
        assert.deepEqual(reference, c.want, `policy model, ${dir}`);
      }
    });
  }
});

// The calc graph never receives staged policies, so only the model can say where they sort.
describe('policy order: a staged policy sorts under its Staged kind', () => {
  const table = [
    {
      name: 'an enforced policy before its staged twin of the same name',
      policies: [stagedNp(NS, 'x', { selector: 'all()', order: 1 }), modelNp(NS, 'x', { selector: 'all()', order: 1 })],
      want: ['x', 'x (staged)'],
    },
    {
      name: 'a staged global policy before a namespaced one of the same name (empty namespace)',
      policies: [modelNp(NS, 'x', { selector: 'all()', order: 1 }), stagedGnp('x', { selector: 'all()', order: 1 })],
      want: ['x (staged)', 'x'],
    },
  ] as const;
  for (const c of table) {
    it(c.name, () => {
      const model = buildPolicyModel(c.policies);
      assert.deepEqual(model.policies().map((p) => `${p.id.name}${p.staged ? ' (staged)' : ''}`), c.want);
    });
  }
});
