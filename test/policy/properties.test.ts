// Properties any faithful model has, checked on random policy sets over the
// x/y/z × a/b/c cluster: things that must never change a verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GlobalNetworkPolicySpec, Rule } from '../../src/api/policy-types.js';
import { CALICO_API_VERSION } from '../../src/api/meta.js';
import { buildPolicyModel, defaultTypes, type Flow, type PolicyResource } from '../../src/policy/index.js';
import { clusterResources, PODS, type PodId } from './k8s-scenarios.js';
import { gnp, np, tier } from './fixtures.js';

const selectors = ["pod == 'a'", "pod in {'b', 'c'}", '!has(pod)', 'all()', "projectcalico.org/namespace == 'y'"];
const nsSelectors = ["ns == 'x'", "ns != 'z'", 'all()'];

const entity = fc.record(
  {
    selector: fc.constantFrom(...selectors),
    notSelector: fc.constantFrom(...selectors),
    namespaceSelector: fc.constantFrom(...nsSelectors),
    nets: fc.constantFrom(['10.1.2.0/24'], ['10.1.0.0/16', 'fd00::/8']),
    notNets: fc.constantFrom(['10.1.1.1/32']),
  },
  { requiredKeys: [] },
);

const rule: fc.Arbitrary<Rule> = fc
  .record(
    {
      action: fc.constantFrom('Allow' as const, 'Deny' as const, 'Pass' as const, 'Log' as const),
      protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 6),
      source: entity,
      destination: entity,
      ports: fc.constantFrom<(number | string)[]>([80], ['81'], ['80:81'], ['serve-80-tcp', 81]),
    },
    { requiredKeys: ['action'] },
  )
  .map(({ ports, ...r }) =>
    ports !== undefined && r.protocol !== undefined ? { ...r, destination: { ...r.destination, ports } } : r,
  );

const spec: fc.Arbitrary<GlobalNetworkPolicySpec> = fc.record(
  {
    tier: fc.constantFrom('default', 't1', 't2'),
    order: fc.constantFrom(1, 2, 10),
    selector: fc.constantFrom(...selectors),
    types: fc.constantFrom<('Ingress' | 'Egress')[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(rule, { maxLength: 3 }),
    egress: fc.array(rule, { maxLength: 3 }),
  },
  { requiredKeys: ['selector'] },
);

const policy: fc.Arbitrary<PolicyResource> = fc
  .tuple(fc.constantFrom('gnp', 'x', 'y', 'z'), fc.integer({ min: 0, max: 99 }), spec)
  .map(([where, n, s]) => (where === 'gnp' ? gnp(`p${n}`, s) : np(where, `p${n}`, s)));

const policies = fc.uniqueArray(policy, { maxLength: 6, selector: (p) => `${p.kind}/${p.metadata.namespace}/${p.metadata.name}` });

const flow: fc.Arbitrary<Flow> = fc
  .tuple(fc.constantFrom(...PODS), fc.constantFrom(...PODS, '10.1.9.9', '192.0.2.1'), fc.constantFrom('TCP', 'UDP'), fc.constantFrom(80, 81))
  .map(([from, to, protocol, dstPort]) => {
    const peer = (id: PodId | string) => {
      if (!id.includes('/')) return { ip: id };
      const [namespace, name] = id.split('/') as [string, string];
      return { endpoint: { kind: 'WorkloadEndpoint' as const, namespace, name } };
    };
    return { source: peer(from), destination: peer(to), protocol, srcPort: 50000, dstPort };
  });

const base: PolicyResource[] = [...clusterResources(), tier('t1', 100), tier('t2', 200, 'Pass')];

function verdicts(resources: readonly PolicyResource[], flows: readonly Flow[]): string[] {
  const m = buildPolicyModel(resources);
  return flows.map((f) => {
    const v = m.evaluate(f);
    return `${v.egress.action}/${v.ingress.action}`;
  });
}

const runs = { numRuns: 60, seed: 20261125 };

describe('verdict invariants', () => {
  it('the order resources are given in does not matter', () => {
    fc.assert(
      fc.property(policies, fc.array(flow, { minLength: 5, maxLength: 15 }), (ps, fs) => {
        assert.deepEqual(verdicts([...base, ...ps].reverse(), fs), verdicts([...base, ...ps], fs));
      }),
      runs,
    );
  });
  it('a staged copy of every policy changes no verdict', () => {
    fc.assert(
      fc.property(policies, fc.array(flow, { minLength: 5, maxLength: 15 }), (ps, fs) => {
        const staged: PolicyResource[] = ps.map((p) =>
          p.kind === 'GlobalNetworkPolicy'
            ? { apiVersion: CALICO_API_VERSION, kind: 'StagedGlobalNetworkPolicy', metadata: { name: `s-${p.metadata.name}` }, spec: { ...p.spec, ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] } }
            : { apiVersion: CALICO_API_VERSION, kind: 'StagedNetworkPolicy', metadata: { ...p.metadata, name: `s-${p.metadata.name}` }, spec: { ...(p.spec as GlobalNetworkPolicySpec), ingress: [{ action: 'Deny' }] } },
        );
        assert.deepEqual(verdicts([...base, ...ps, ...staged], fs), verdicts([...base, ...ps], fs));
      }),
      runs,
    );
  });
  it('a Log rule in front of every rule list changes no verdict', () => {
    fc.assert(
      fc.property(policies, fc.array(flow, { minLength: 5, maxLength: 15 }), (ps, fs) => {
        const logged = ps.map((p) => {
          const s = p.spec as GlobalNetworkPolicySpec;
          // Types pinned first: adding rules would otherwise change what they default to.
          const types = defaultTypes(s);
          return { ...p, spec: { ...s, types, ingress: [{ action: 'Log' as const }, ...(s.ingress ?? [])], egress: [{ action: 'Log' as const }, ...(s.egress ?? [])] } } as PolicyResource;
        });
        assert.deepEqual(verdicts([...base, ...logged], fs), verdicts([...base, ...ps], fs));
      }),
      runs,
    );
  });
  it('a first tier that passes everything changes no verdict', () => {
    fc.assert(
      fc.property(policies, fc.array(flow, { minLength: 5, maxLength: 15 }), (ps, fs) => {
        const passAll = gnp('pass-all', { tier: 't0', types: ['Ingress', 'Egress'], ingress: [{ action: 'Pass' }], egress: [{ action: 'Pass' }] });
        assert.deepEqual(verdicts([...base, tier('t0', 1), passAll, ...ps], fs), verdicts([...base, ...ps], fs));
      }),
      runs,
    );
  });
});
