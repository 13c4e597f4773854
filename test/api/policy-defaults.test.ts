import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import { globalNetworkPolicyKind } from '../../src/api/kinds/global-network-policy.js';
import { stagedNetworkPolicyKind } from '../../src/api/kinds/staged-network-policy.js';
import { stagedGlobalNetworkPolicyKind } from '../../src/api/kinds/staged-global-network-policy.js';
import { stagedKubernetesNetworkPolicyKind } from '../../src/api/kinds/staged-kubernetes-network-policy.js';
import { tierKind } from '../../src/api/kinds/tier.js';
import { kubernetesNetworkPolicyKind } from '../../src/api/kinds/kubernetes-network-policy.js';
import { defaultPolicyTypes } from '../../src/api/policy-defaults.js';
import type { NetworkPolicy, PolicyType, Rule } from '../../src/api/policy-types.js';

const allow: Rule = { action: 'Allow' };

function np(spec: NetworkPolicy['spec'], labels?: Record<string, string>): NetworkPolicy {
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'n', ...(labels ? { labels } : {}) }, spec };
}

describe('policy types are defaulted from the rules present (by count)', () => {
  const table: [string, Rule[] | undefined, Rule[] | undefined, PolicyType[]][] = [
    ['no rules at all', undefined, undefined, ['Ingress']],
    ['ingress rules only', [allow], undefined, ['Ingress']],
    ['egress rules only', undefined, [allow], ['Egress']],
    ['both', [allow], [allow], ['Ingress', 'Egress']],
    ['an empty egress list (count, not presence)', undefined, [], ['Ingress']],
    ['an empty ingress list with egress rules', [], [allow], ['Egress']],
  ];
  for (const [what, ingress, egress, types] of table) {
    it(what, () => {
      assert.deepEqual(defaultPolicyTypes(ingress, egress), types);
      const out = networkPolicyKind.applyDefaults(np({ ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) }));
      assert.deepEqual(out.spec.types, types);
    });
  }

  it('keeps types that are given', () => {
    assert.deepEqual(networkPolicyKind.applyDefaults(np({ types: ['Egress'], ingress: [allow] })).spec.types, ['Egress']);
  });

  it('replaces an empty types list', () => {
    assert.deepEqual(networkPolicyKind.applyDefaults(np({ types: [], egress: [allow] })).spec.types, ['Egress']);
  });
});

describe('policy tier defaults', () => {
  it('puts a policy without a tier in the default tier and labels it so', () => {
    const out = networkPolicyKind.applyDefaults(np({}, { app: 'x' }));
    assert.equal(out.spec.tier, 'default');
    assert.deepEqual(out.metadata.labels, { app: 'x', 'projectcalico.org/tier': 'default' });
  });

  it('labels a policy with its own tier, overwriting a stale label', () => {
    const out = globalNetworkPolicyKind.applyDefaults({
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'security.p', labels: { 'projectcalico.org/tier': 'old' } },
      spec: { tier: 'security' },
    });
    assert.equal(out.spec.tier, 'security');
    assert.equal(out.metadata.labels?.['projectcalico.org/tier'], 'security');
  });

  it('leaves the input untouched', () => {
    const input = np({});
    networkPolicyKind.applyDefaults(input);
    assert.deepEqual(input, np({}));
  });
});

describe('staged policy defaults', () => {
  it('defaults stagedAction to Set and the types as for the enforced kind', () => {
    const out = stagedNetworkPolicyKind.applyDefaults({
      apiVersion: 'projectcalico.org/v3',
      kind: 'StagedNetworkPolicy',
      metadata: { name: 's', namespace: 'n' },
      spec: { egress: [allow] },
    });
    assert.equal(out.spec.stagedAction, 'Set');
    assert.deepEqual(out.spec.types, ['Egress']);
    assert.equal(out.spec.tier, 'default');
  });

  it('clears the types of a staged Delete, so it stays valid', () => {
    const out = stagedGlobalNetworkPolicyKind.applyDefaults({
      apiVersion: 'projectcalico.org/v3',
      kind: 'StagedGlobalNetworkPolicy',
      metadata: { name: 's' },
      spec: { stagedAction: 'Delete', types: ['Ingress'] },
    });
    assert.equal(out.spec.types, undefined);
    assert.ok(stagedGlobalNetworkPolicyKind.validate(out).ok);
  });

  it('defaults the stagedAction of a StagedKubernetesNetworkPolicy', () => {
    const out = stagedKubernetesNetworkPolicyKind.applyDefaults({
      apiVersion: 'projectcalico.org/v3',
      kind: 'StagedKubernetesNetworkPolicy',
      metadata: { name: 's', namespace: 'n' },
      spec: { podSelector: {} },
    });
    assert.equal(out.spec.stagedAction, 'Set');
  });
});

describe('tier defaults', () => {
  it('gives a tier without order the default tier order and a Deny default action', () => {
    const out = tierKind.applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: {} });
    assert.deepEqual(out.spec, { order: 1_000_000, defaultAction: 'Deny' });
  });

  it('keeps what is given', () => {
    const out = tierKind.applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: { order: 5, defaultAction: 'Pass' } });
    assert.deepEqual(out.spec, { order: 5, defaultAction: 'Pass' });
  });
});

describe('Kubernetes NetworkPolicy defaults (the API server\'s)', () => {
  const knp = (spec: Record<string, unknown>) => {
    const r = kubernetesNetworkPolicyKind.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'k', namespace: 'n' }, spec });
    assert.ok(r.ok, JSON.stringify(r));
    return kubernetesNetworkPolicyKind.applyDefaults(r.value);
  };

  it('sets TCP on ports without a protocol', () => {
    const out = knp({ podSelector: {}, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }] }] });
    assert.deepEqual(out.spec.ingress?.[0]?.ports, [{ port: 80, protocol: 'TCP' }, { protocol: 'UDP', port: 53 }]);
  });

  it('lists Ingress, and Egress when there are egress rules, when no policyTypes are given', () => {
    assert.deepEqual(knp({ podSelector: {} }).spec.policyTypes, ['Ingress']);
    assert.deepEqual(knp({ podSelector: {}, egress: [{}] }).spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(knp({ podSelector: {}, egress: [{}], policyTypes: ['Egress'] }).spec.policyTypes, ['Egress']);
  });
});
