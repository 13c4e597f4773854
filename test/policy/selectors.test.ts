// The backend selectors Felix evaluates, as Calico's update processors splice
// them (policy.md §1.8 worked examples, from upstream's rules_test.go).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityRule } from '../../src/api/policy-types.js';
import { compileEntitySelectors, entityRuleBackendSelector, policyBackendSelector, type PolicySelectorInput } from '../../src/policy/selectors.js';

describe('entity rule selectors', () => {
  const cases: { name: string; rule: EntityRule; ns: string; want: string }[] = [
    { name: 'a NetworkPolicy rule selector is confined to the namespace (textually: no validation here)', rule: { selector: 'mylabel = value1' }, ns: 'namespace2', want: "(projectcalico.org/namespace == 'namespace2') && (mylabel = value1)" },
    { name: 'a lone notSelector still gets the namespace as positive selector', rule: { notSelector: 'has(label2)' }, ns: 'namespace2', want: "projectcalico.org/namespace == 'namespace2'" },
    { name: 'a namespaceSelector is prefixed with pcns.', rule: { namespaceSelector: "namespacelabel1 == 'value1'" }, ns: 'namespace2', want: 'pcns.namespacelabel1 == "value1"' },
    { name: 'selector and namespaceSelector', rule: { namespaceSelector: "key == 'value'", selector: "projectcalico.org/orchestrator == 'k8s'" }, ns: '', want: "(pcns.key == \"value\") && (projectcalico.org/orchestrator == 'k8s')" },
    { name: 'a complex namespaceSelector is prefixed label by label', rule: { namespaceSelector: "!has(key) || (has(key) && !key in {'value'})" }, ns: '', want: '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))' },
    { name: 'namespaceSelector all() means "any namespace"', rule: { namespaceSelector: 'all()', selector: 'has(label2)' }, ns: '', want: '(has(projectcalico.org/namespace)) && (has(label2))' },
    { name: 'namespaceSelector global() means "not namespaced"', rule: { namespaceSelector: 'global()', selector: 'has(label3)' }, ns: '', want: '(!has(projectcalico.org/namespace)) && (has(label3))' },
    {
      name: 'service account names and selector, in a NetworkPolicy',
      rule: { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } },
      ns: 'namespace',
      want: "(projectcalico.org/namespace == 'namespace') && ((pcsa.key == \"value1\") && (projectcalico.org/serviceaccount in {\"sa1\", \"sa2\"}))",
    },
    { name: 'a converted Kubernetes peer selector', rule: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'fe'" }, ns: 'prod', want: "(projectcalico.org/namespace == 'prod') && (projectcalico.org/orchestrator == 'k8s' && role == 'fe')" },
    { name: 'a rule with only ports has no selector at all', rule: { ports: [80] }, ns: 'prod', want: '' },
    { name: 'a GlobalNetworkPolicy rule selector is left alone', rule: { selector: 'has(x)' }, ns: '', want: 'has(x)' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(entityRuleBackendSelector(c.rule, c.ns), c.want));

  it('a notSelector next to a positive selector is folded into it', () => {
    const s = compileEntitySelectors({ selector: 'has(a)', notSelector: 'has(b)' }, 'ns1', 'source');
    assert.deepEqual([s.positiveText, s.negativeText], ["((projectcalico.org/namespace == 'ns1') && (has(a))) && (!(has(b)))", '']);
  });
  it('a notSelector alone in a GlobalNetworkPolicy stays a negated set', () => {
    const s = compileEntitySelectors({ notSelector: 'has(b)' }, '', 'source');
    assert.deepEqual([s.positiveText, s.negativeText], ['', 'has(b)']);
  });
});

describe('policy selectors', () => {
  const cases: { name: string; input: PolicySelectorInput; want: string }[] = [
    { name: 'a NetworkPolicy selector is confined to its namespace', input: { namespace: 'prod', selector: "projectcalico.org/orchestrator == 'k8s' && app == 'web'" }, want: "(projectcalico.org/orchestrator == 'k8s' && app == 'web') && projectcalico.org/namespace == 'prod'" },
    { name: 'a NetworkPolicy without selector selects its namespace', input: { namespace: 'prod' }, want: "projectcalico.org/namespace == 'prod'" },
    { name: 'a NetworkPolicy serviceAccountSelector is prefixed with pcsa.', input: { namespace: 'prod', serviceAccountSelector: "role == 'x'" }, want: "(projectcalico.org/namespace == 'prod') && pcsa.role == \"x\"" },
    { name: 'an unparseable serviceAccountSelector is dropped', input: { namespace: 'prod', serviceAccountSelector: 'role ==' }, want: "projectcalico.org/namespace == 'prod'" },
    { name: 'a GlobalNetworkPolicy namespaceSelector turns every all() into "namespaced"', input: { namespace: '', selector: 'all()', namespaceSelector: 'all()' }, want: '(has(projectcalico.org/namespace)) && has(projectcalico.org/namespace)' },
    { name: 'a GlobalNetworkPolicy namespaceSelector alone', input: { namespace: '', namespaceSelector: "env == 'prod'" }, want: 'pcns.env == "prod"' },
    { name: 'a GlobalNetworkPolicy serviceAccountSelector turns all() into "has a service account"', input: { namespace: '', selector: 'all()', serviceAccountSelector: "team == 'a'" }, want: '(has(projectcalico.org/serviceaccount)) && pcsa.team == "a"' },
    { name: 'a GlobalNetworkPolicy without any selector selects everything', input: { namespace: '' }, want: '' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(policyBackendSelector(c.input), c.want));
});
