// Which packets one rule matches (policy.md §3.2, §1.8, §7): protocols, ports,
// named ports, ICMP, nets, selectors and their namespace scoping, network
// sets, service accounts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../src/api/policy-types.js';
import { buildPolicyModel, serviceAccountProfile, type Flow, type PolicyResource } from '../../src/policy/index.js';
import { gnp, gns, hep, icmp, netset, np, nsProfile, pod, tcp, udp } from './fixtures.js';

const world: PolicyResource[] = [
  nsProfile('prod', { env: 'prod' }),
  nsProfile('dev', { env: 'dev' }),
  serviceAccountProfile('dev', 'builder', { team: 'ci' }),
  pod('prod', 'web', '10.0.1.1', { app: 'web' }, {
    ports: [
      { name: 'http', protocol: 'TCP', port: 8080 },
      { name: 'dns', protocol: 'UDP', port: 53 },
    ],
  }),
  pod('prod', 'db', '10.0.1.2', { app: 'db' }),
  pod('dev', 'client', '10.0.2.1', { app: 'client' }, { serviceAccount: 'builder' }),
  pod('dev', 'spoofer', '10.0.2.2', { app: 'spoofer', 'pcns.env': 'prod', env: 'x' }),
  gns('partners', ['198.51.100.0/24'], { role: 'partner' }),
  netset('prod', 'office', ['192.0.2.0/24'], { kind: 'office' }),
  hep('node2-eth0', { node: 'node2', interfaceName: 'eth0', expectedIPs: ['172.16.0.2'] }, { role: 'host' }),
];

type Where = 'gnp' | 'np-prod' | 'np-dev';

/** Does `rule`, as the only ingress rule of a policy selecting the flow's destination, match? */
function matches(rule: Rule, flow: Flow, where: Where = 'gnp'): boolean {
  const spec = { ingress: [rule], types: ['Ingress' as const] };
  const pol = where === 'gnp' ? gnp('p', spec) : np(where === 'np-prod' ? 'prod' : 'dev', 'p', spec);
  const v = buildPolicyModel([...world, pol]).evaluate(flow);
  assert.notEqual(v.ingress.decision.by, 'profile-rule', 'the policy must select the destination');
  return v.ingress.decision.by === 'rule';
}

const A = 'Allow' as const;
const toWeb = (port = 80): Flow => tcp('dev/client', 'prod/web', port);

describe('protocol, ports and ICMP', () => {
  const cases: { name: string; rule: Rule; flow: Flow; want: boolean }[] = [
    { name: 'protocol by number 6 is TCP', rule: { action: A, protocol: 6 }, flow: toWeb(), want: true },
    { name: 'protocol 17 does not match TCP', rule: { action: A, protocol: 17 }, flow: toWeb(), want: false },
    { name: 'notProtocol TCP excludes TCP', rule: { action: A, notProtocol: 'TCP' }, flow: toWeb(), want: false },
    { name: 'notProtocol TCP lets UDP through', rule: { action: A, notProtocol: 'TCP' }, flow: udp('dev/client', 'prod/web'), want: true },
    { name: 'a port range includes its upper bound', rule: { action: A, protocol: 'TCP', destination: { ports: ['8000:8080'] } }, flow: toWeb(8080), want: true },
    { name: 'a port range excludes what lies beyond', rule: { action: A, protocol: 'TCP', destination: { ports: ['8000:8080'] } }, flow: toWeb(8081), want: false },
    { name: 'ports in a list are alternatives', rule: { action: A, protocol: 'TCP', destination: { ports: [22, '80:81'] } }, flow: toWeb(81), want: true },
    { name: 'notPorts excludes a listed port', rule: { action: A, protocol: 'TCP', destination: { notPorts: [80] } }, flow: toWeb(80), want: false },
    { name: 'notPorts lets other ports through', rule: { action: A, protocol: 'TCP', destination: { notPorts: [80] } }, flow: toWeb(81), want: true },
    { name: 'source ports match the source port', rule: { action: A, protocol: 'TCP', source: { ports: ['40000:40100'] } }, flow: toWeb(), want: true },
    { name: 'a named destination port resolves to the destination pod\'s port number', rule: { action: A, protocol: 'TCP', destination: { ports: ['http'] } }, flow: toWeb(8080), want: true },
    { name: 'a named port does not match another number', rule: { action: A, protocol: 'TCP', destination: { ports: ['http'] } }, flow: toWeb(80), want: false },
    { name: 'a named port without rule protocol still needs the port\'s protocol', rule: { action: A, destination: { ports: ['http'] } }, flow: udp('dev/client', 'prod/web', 8080), want: false },
    { name: 'a named port without rule protocol matches whatever protocol the port has', rule: { action: A, destination: { ports: ['dns'] } }, flow: udp('dev/client', 'prod/web', 53), want: true },
    { name: 'a named UDP port matches UDP', rule: { action: A, protocol: 'UDP', destination: { ports: ['dns'] } }, flow: udp('dev/client', 'prod/web', 53), want: true },
    { name: 'a rule protocol other than the named port\'s never matches it', rule: { action: A, protocol: 'TCP', destination: { ports: ['dns'] } }, flow: tcp('dev/client', 'prod/web', 53), want: false },
    { name: 'a named port is looked up on the endpoint owning the address, not on others', rule: { action: A, protocol: 'TCP', destination: { ports: ['http'] } }, flow: tcp('dev/client', 'prod/db', 8080), want: false },
    { name: 'named and numeric ports in one list are alternatives', rule: { action: A, protocol: 'TCP', destination: { ports: [9999, 'http'] } }, flow: toWeb(8080), want: true },
    { name: 'a named source port resolves against the source endpoint', rule: { action: A, protocol: 'TCP', source: { ports: ['http'] } }, flow: tcp('prod/web', 'prod/db', 5432, 8080), want: true },
    { name: 'a named notPort excludes that port', rule: { action: A, protocol: 'TCP', destination: { notPorts: ['http'] } }, flow: toWeb(8080), want: false },
    { name: 'ICMP type matches', rule: { action: A, protocol: 'ICMP', icmp: { type: 8 } }, flow: icmp('dev/client', 'prod/web', 8, 0), want: true },
    { name: 'ICMP type and code must both match', rule: { action: A, protocol: 'ICMP', icmp: { type: 3, code: 4 } }, flow: icmp('dev/client', 'prod/web', 3, 1), want: false },
    { name: 'notICMP type excludes that type', rule: { action: A, protocol: 'ICMP', notICMP: { type: 8 } }, flow: icmp('dev/client', 'prod/web', 8), want: false },
    { name: 'notICMP type+code excludes only that pair (iptables semantics)', rule: { action: A, protocol: 'ICMP', notICMP: { type: 3, code: 4 } }, flow: icmp('dev/client', 'prod/web', 3, 1), want: true },
    { name: 'protocol ICMPv6 by name never matches IPv4', rule: { action: A, protocol: 'ICMPv6' }, flow: icmp('dev/client', 'prod/web', 8), want: false },
    { name: 'ipVersion 6 never matches IPv4', rule: { action: A, ipVersion: 6 }, flow: toWeb(), want: false },
    { name: 'ipVersion 4 matches IPv4', rule: { action: A, ipVersion: 4 }, flow: toWeb(), want: true },
    // Only application-layer policy reads http; the kernel dataplanes match L3/L4 alone.
    { name: 'an http match does not narrow an Allow rule', rule: { action: A, protocol: 'TCP', http: { methods: ['GET'] } }, flow: toWeb(), want: true },
    { name: 'a rule matching a Service never matches without EndpointSlices', rule: { action: A, source: { services: { name: 'web', namespace: 'dev' } } }, flow: toWeb(), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(matches(c.rule, c.flow), c.want));
});

describe('nets', () => {
  const ext = (ip: string): Flow => tcp(ip, 'prod/web');
  const cases: { name: string; rule: Rule; flow: Flow; want: boolean }[] = [
    { name: 'source nets contain the source', rule: { action: A, source: { nets: ['203.0.113.0/24'] } }, flow: ext('203.0.113.5'), want: true },
    { name: 'source nets that do not contain it', rule: { action: A, source: { nets: ['203.0.113.0/25'] } }, flow: ext('203.0.113.200'), want: false },
    { name: 'notNets exclude their members', rule: { action: A, source: { notNets: ['203.0.113.0/24'] } }, flow: ext('203.0.113.5'), want: false },
    { name: 'notNets let others through', rule: { action: A, source: { notNets: ['203.0.113.0/24'] } }, flow: ext('198.18.0.1'), want: true },
    { name: 'destination nets test the destination', rule: { action: A, destination: { nets: ['10.0.1.1/32'] } }, flow: toWeb(), want: true },
    // Felix renders the rule per family with that family's CIDRs only; none left ⇒ no rule.
    { name: 'a rule whose nets are all IPv6 does not exist for IPv4', rule: { action: A, source: { notNets: ['fd00::/8'] } }, flow: ext('198.18.0.1'), want: false },
    { name: 'mixed-family nets keep the IPv4 part for IPv4', rule: { action: A, source: { nets: ['fd00::/8', '198.18.0.0/16'] } }, flow: ext('198.18.0.1'), want: true },
    { name: 'a negated catch-all drops the rule', rule: { action: A, source: { notNets: ['0.0.0.0/0'] } }, flow: ext('198.18.0.1'), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(matches(c.rule, c.flow), c.want));
});

describe('selectors, namespaces, network sets and service accounts', () => {
  // The destination is a pod the policy under test selects.
  const from = (src: string, where?: Where): Flow => tcp(src, where === 'np-dev' ? 'dev/spoofer' : 'prod/web');
  const cases: { name: string; rule: Rule; src: string; where?: Where; want: boolean }[] = [
    { name: 'a GNP rule selector matches pods in any namespace', rule: { action: A, source: { selector: "app == 'client'" } }, src: 'dev/client', want: true },
    { name: 'a NetworkPolicy rule selector only matches its own namespace', rule: { action: A, source: { selector: "app == 'client'" } }, src: 'dev/client', where: 'np-prod', want: false },
    { name: 'a namespaceSelector widens a NetworkPolicy rule selector', rule: { action: A, source: { selector: "app == 'client'", namespaceSelector: "env == 'dev'" } }, src: 'dev/client', where: 'np-prod', want: true },
    { name: 'a namespaceSelector that does not match', rule: { action: A, source: { namespaceSelector: "env == 'staging'" } }, src: 'dev/client', where: 'np-prod', want: false },
    { name: 'namespaceSelector all() matches every namespace', rule: { action: A, source: { namespaceSelector: 'all()' } }, src: 'dev/client', where: 'np-prod', want: true },
    { name: 'namespaceSelector all() excludes host endpoints', rule: { action: A, source: { namespaceSelector: 'all()' } }, src: '172.16.0.2', want: false },
    { name: 'namespaceSelector global() matches host endpoints', rule: { action: A, source: { namespaceSelector: 'global()' } }, src: '172.16.0.2', where: 'np-prod', want: true },
    { name: 'namespaceSelector global() matches global network sets', rule: { action: A, source: { namespaceSelector: 'global()' } }, src: '198.51.100.9', where: 'np-prod', want: true },
    { name: 'namespaceSelector global() excludes pods', rule: { action: A, source: { namespaceSelector: 'global()' } }, src: 'dev/client', where: 'np-prod', want: false },
    { name: 'a positive selector never matches a non-Calico address', rule: { action: A, source: { selector: '!has(app)' } }, src: '203.0.113.5', want: false },
    { name: 'a lone notSelector in a GNP matches non-Calico addresses', rule: { action: A, source: { notSelector: "app == 'db'" } }, src: '203.0.113.5', want: true },
    { name: 'a lone notSelector excludes the endpoints it selects', rule: { action: A, source: { notSelector: "app == 'client'" } }, src: 'dev/client', want: false },
    { name: 'a lone notSelector in a NetworkPolicy still confines the peer to the namespace', rule: { action: A, source: { notSelector: "app == 'db'" } }, src: '203.0.113.5', where: 'np-prod', want: false },
    { name: 'the notSelector itself is not namespaced: it excludes pods of other namespaces', rule: { action: A, source: { namespaceSelector: 'all()', notSelector: "app == 'client'" } }, src: 'dev/client', where: 'np-prod', want: false },
    { name: 'a NetworkPolicy in another namespace sees the same pod through namespaceSelector all()', rule: { action: A, source: { namespaceSelector: 'all()', notSelector: "app == 'db'" } }, src: 'dev/client', where: 'np-prod', want: true },
    { name: 'selector and notSelector combine', rule: { action: A, source: { selector: 'has(app)', notSelector: "app == 'client'" } }, src: 'prod/db', want: true },
    { name: 'a global network set lends its CIDRs to a selector', rule: { action: A, source: { selector: "role == 'partner'" } }, src: '198.51.100.9', want: true },
    { name: 'a namespaced network set matches a NetworkPolicy of its namespace', rule: { action: A, source: { selector: "kind == 'office'" } }, src: '192.0.2.7', where: 'np-prod', want: true },
    { name: 'a namespaced network set is outside other namespaces\' NetworkPolicies', rule: { action: A, source: { selector: "kind == 'office'" } }, src: '192.0.2.7', where: 'np-dev', want: false },
    { name: 'network sets inherit their namespace\'s labels', rule: { action: A, source: { namespaceSelector: "env == 'prod'" } }, src: '192.0.2.7', want: true },
    { name: 'a host endpoint\'s expectedIPs are its addresses for selectors', rule: { action: A, source: { selector: "role == 'host'" } }, src: '172.16.0.2', want: true },
    { name: 'serviceAccounts names match the pod\'s service account', rule: { action: A, source: { serviceAccounts: { names: ['builder'] } } }, src: 'dev/client', want: true },
    { name: 'serviceAccounts in a NetworkPolicy are confined to its namespace', rule: { action: A, source: { serviceAccounts: { names: ['builder'] } } }, src: 'dev/client', where: 'np-prod', want: false },
    { name: 'serviceAccounts selector matches the service account\'s labels', rule: { action: A, source: { serviceAccounts: { selector: "team == 'ci'" } } }, src: 'dev/client', want: true },
    { name: 'serviceAccounts names and selector must both hold', rule: { action: A, source: { serviceAccounts: { names: ['other'], selector: "team == 'ci'" } } }, src: 'dev/client', want: false },
    { name: 'a pod cannot claim namespace labels with its own pcns.* labels', rule: { action: A, source: { namespaceSelector: "env == 'prod'" } }, src: 'dev/spoofer', want: false },
    { name: 'namespace labels reach selectors only through the pcns. prefix', rule: { action: A, source: { selector: "env == 'dev'" } }, src: 'dev/client', want: false },
    { name: 'the injected namespace label is selectable', rule: { action: A, source: { selector: "projectcalico.org/namespace == 'dev'" } }, src: 'dev/client', want: true },
    { name: 'the injected orchestrator label is selectable', rule: { action: A, source: { selector: "projectcalico.org/orchestrator == 'k8s'" } }, src: 'dev/client', want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(matches(c.rule, from(c.src, c.where), c.where), c.want));
});

describe('which endpoints a policy applies to', () => {
  const selects = (pol: PolicyResource): string[] =>
    buildPolicyModel([...world, pol])
      .selectedEndpoints(
        pol.kind === 'NetworkPolicy'
          ? { kind: 'NetworkPolicy', namespace: pol.metadata.namespace ?? '', name: pol.metadata.name }
          : { kind: 'GlobalNetworkPolicy', namespace: '', name: pol.metadata.name },
      )
      .map((r) => (r.kind === 'WorkloadEndpoint' ? `${r.namespace}/${r.name}` : `hep:${r.name}`));
  const cases: { name: string; pol: PolicyResource; want: string[] }[] = [
    { name: 'a GNP with no selector applies to every endpoint, host endpoints included', pol: gnp('p', {}), want: ['prod/web', 'prod/db', 'dev/client', 'dev/spoofer', 'hep:node2-eth0'] },
    { name: 'a NetworkPolicy applies only within its namespace', pol: np('dev', 'p', { selector: 'has(app)' }), want: ['dev/client', 'dev/spoofer'] },
    { name: 'a GNP namespaceSelector selects by namespace labels', pol: gnp('p', { namespaceSelector: "env == 'prod'" }), want: ['prod/web', 'prod/db'] },
    { name: 'a GNP namespaceSelector all() turns its selector all() into "namespaced"', pol: gnp('p', { selector: 'all()', namespaceSelector: 'all()' }), want: ['prod/web', 'prod/db', 'dev/client', 'dev/spoofer'] },
    { name: 'a GNP serviceAccountSelector selects by service account labels', pol: gnp('p', { serviceAccountSelector: "team == 'ci'" }), want: ['dev/client'] },
    { name: 'an unparseable serviceAccountSelector is dropped, widening the policy', pol: gnp('p', { selector: "app == 'web'", serviceAccountSelector: 'team ==' }), want: ['prod/web'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(selects(c.pol), c.want));
});

describe('resources the model cannot use', () => {
  it('a rule matching a Service is reported, naming the field', () => {
    const pol = gnp('svc', { ingress: [{ action: 'Allow', source: { services: { name: 'web', namespace: 'dev' } } }] });
    const model = buildPolicyModel([...world, pol]);
    assert.deepEqual(model.warnings.map((w) => `${w.resource} ${w.path}`), ['GlobalNetworkPolicy(svc) spec.ingress[0].source.services']);
  });
  it('a policy with an unparseable selector is left out and reported, as Felix drops invalid resources', () => {
    const model = buildPolicyModel([...world, gnp('bad', { selector: 'app ==' })]);
    assert.deepEqual(model.policies(), []);
    assert.deepEqual(model.warnings.map((w) => `${w.resource} ${w.path}`), ['GlobalNetworkPolicy(bad) spec.selector']);
  });
});
