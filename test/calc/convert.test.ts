// The update processors' selector rewriting (policy.md §1.8), with upstream's
// own examples, and the IP set IDs that result.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entityRuleSelector, globalPolicySelector, namespacedPolicySelector } from '../../src/calc/convert-rules.js';
import type { EntityRule } from '../../src/api/policy-types.js';
import { gnp, Harness, knp, np, nsProfile, set, wep } from './helpers.js';

describe('entity rule selectors', () => {
  const cases: readonly { name: string; ns: string; rule: EntityRule; want: string }[] = [
    { name: 'a selector in a namespaced policy is confined to the namespace', ns: 'namespace2', rule: { selector: 'mylabel = value1' }, want: "(projectcalico.org/namespace == 'namespace2') && (mylabel = value1)" },
    { name: 'a lone notSelector still confines the positive match to the namespace', ns: 'namespace2', rule: { notSelector: 'has(label2)' }, want: "projectcalico.org/namespace == 'namespace2'" },
    { name: 'nothing at all in a namespaced policy means no selector', ns: 'namespace2', rule: { nets: ['10.0.0.0/8'] }, want: '' },
    { name: 'a namespace selector is prefixed with pcns.', ns: '', rule: { namespaceSelector: "namespacelabel1 == 'value1'" }, want: 'pcns.namespacelabel1 == "value1"' },
    { name: 'namespace and endpoint selectors are joined', ns: '', rule: { namespaceSelector: "key == 'value'", selector: "projectcalico.org/orchestrator == 'k8s'" }, want: `(pcns.key == "value") && (projectcalico.org/orchestrator == 'k8s')` },
    { name: 'every label of a complex namespace selector is prefixed', ns: '', rule: { namespaceSelector: "!has(key) || (has(key) && !key in {'value'})" }, want: '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))' },
    { name: 'namespaceSelector all() means any namespace', ns: '', rule: { namespaceSelector: 'all()', selector: 'has(label2)' }, want: '(has(projectcalico.org/namespace)) && (has(label2))' },
    { name: 'namespaceSelector global() means no namespace', ns: '', rule: { namespaceSelector: 'global()', selector: 'has(label3)' }, want: '(!has(projectcalico.org/namespace)) && (has(label3))' },
    {
      name: 'service accounts by name and selector',
      ns: 'namespace',
      rule: { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } },
      want: `(projectcalico.org/namespace == 'namespace') && ((pcsa.key == "value1") && (projectcalico.org/serviceaccount in {"sa1", "sa2"}))`,
    },
    { name: 'a global policy selector is not namespaced', ns: '', rule: { selector: 'a == "b"' }, want: 'a == "b"' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(entityRuleSelector(c.rule, c.ns), c.want));
  }
});

describe('policy selectors', () => {
  const cases: readonly { name: string; got: () => string; want: string }[] = [
    { name: 'an empty NetworkPolicy selector selects its namespace', got: () => namespacedPolicySelector('', 'prod', undefined), want: "projectcalico.org/namespace == 'prod'" },
    { name: 'a NetworkPolicy selector is ANDed with its namespace', got: () => namespacedPolicySelector('app == "x"', 'prod', undefined), want: `(app == "x") && projectcalico.org/namespace == 'prod'` },
    { name: 'a service account selector is appended with pcsa.', got: () => namespacedPolicySelector('app == "x"', 'prod', 'role == "db"'), want: `((app == "x") && projectcalico.org/namespace == 'prod') && pcsa.role == "db"` },
    { name: 'an unparseable service account selector is dropped', got: () => namespacedPolicySelector('', 'prod', 'role =='), want: "projectcalico.org/namespace == 'prod'" },
    { name: 'a GlobalNetworkPolicy namespaceSelector replaces every all()', got: () => globalPolicySelector('all()', 'a == "b"', undefined), want: '(has(projectcalico.org/namespace)) && pcns.a == "b"' },
    { name: 'a GlobalNetworkPolicy without namespaceSelector keeps all()', got: () => globalPolicySelector('all()', undefined, undefined), want: 'all()' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(c.got(), c.want));
  }
});

describe('IP set IDs', () => {
  it("a Kubernetes policy's peer set has upstream's ID", () => {
    const h = new Harness();
    h.load(
      set(nsProfile('prod')),
      set(wep('prod', 'web', { labels: { app: 'web' } })),
      set(knp('prod', 'allow-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'fe' } } }], ports: [{ port: 80 }, { port: 81 }] }], policyTypes: ['Ingress'] })),
    );
    const rule = h.state.policies.get('knp/prod/allow-web')?.inboundRules[0];
    assert.deepEqual(
      { src: rule?.srcIpSetIds, ports: rule?.dstPorts, protocol: rule?.protocol },
      { src: ['s:MvuE3u8fIkxxDUKhc4ox7bsWdm3I3EU2lAOgZA'], ports: [{ first: 80, last: 81 }], protocol: 6 },
    );
  });

  it('all() has the ID upstream gives it', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'web')), set(gnp('g', { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: 'all()' } }] })));
    assert.deepEqual([...h.state.ipSets.keys()], ['s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug']);
  });

  it('a notSelector next to a selector filters the positive set instead of making its own', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'web')), set(np('prod', 'p', { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: 'a == "1"', notSelector: 'b == "2"' } }] })));
    const rule = h.state.policies.get('np/prod/p')?.inboundRules[0];
    assert.deepEqual([rule?.srcIpSetIds.length, rule?.notSrcIpSetIds.length], [1, 0]);
  });

  it('a lone notSelector in a global policy is a negated set', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'web')), set(gnp('g', { selector: 'all()', ingress: [{ action: 'Allow', source: { notSelector: 'b == "2"' } }] })));
    const rule = h.state.policies.get('gnp/g')?.inboundRules[0];
    assert.deepEqual([rule?.srcIpSetIds.length, rule?.notSrcIpSetIds.length], [0, 1]);
  });

  it('protocol names become numbers and ICMP implies IPv4', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'web')), set(gnp('g', { selector: 'all()', ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } }, { action: 'Pass', protocol: 1 }] })));
    const [r0, r1] = h.state.policies.get('gnp/g')?.inboundRules ?? [];
    assert.deepEqual([r0?.protocol, r0?.ipVersion, r0?.icmp, r1?.action, r1?.ipVersion], [1, 4, { type: 8 }, 'pass', undefined]);
  });
});
