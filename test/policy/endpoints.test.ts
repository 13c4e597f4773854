// Both ends of a flow: egress at the source, ingress at the destination; what
// is not a Calico endpoint is not policed; host endpoints (policy.md §3.7, §3.8).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPolicyModel, type PolicyResource } from '../../src/policy/index.js';
import { formatDecision } from '../../src/policy/format.js';
import { ep, gnp, hep, np, nsProfile, pod, profile, tcp, udp } from './fixtures.js';

const base: PolicyResource[] = [
  nsProfile('prod'),
  nsProfile('dev'),
  pod('prod', 'web', '10.0.1.1', { app: 'web' }, { node: 'node1' }),
  pod('dev', 'client', '10.0.2.1,fd00::2:1', { app: 'client' }, { node: 'node2' }),
  hep('node1-eth0', { node: 'node1', interfaceName: 'eth0', expectedIPs: ['172.16.0.1'] }, { host: 'node1' }),
  hep('node2-eth0', { node: 'node2', interfaceName: 'eth0', expectedIPs: ['172.16.0.2'], profiles: ['allow-all'] }, { host: 'node2' }),
  profile('allow-all', { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] }),
];

function verdict(resources: PolicyResource[], src: string, dst: string, port = 80) {
  return buildPolicyModel([...base, ...resources], { defaultEndpointToHostAction: 'Drop' }).evaluate(tcp(src, dst, port));
}

describe('a flow is allowed only if egress at the source and ingress at the destination allow it', () => {
  it('egress denied at the source denies the flow even though ingress allows', () => {
    const v = verdict([np('dev', 'no-egress', { types: ['Egress'] })], 'dev/client', 'prod/web');
    assert.deepEqual([v.action, v.egress.action, v.ingress.action], ['deny', 'deny', 'allow']);
    assert.equal(formatDecision(v.egress.decision), 'end of tier default: Deny');
  });
  it('ingress denied at the destination denies the flow', () => {
    const v = verdict([np('prod', 'no-ingress', { types: ['Ingress'] })], 'dev/client', 'prod/web');
    assert.deepEqual([v.action, v.egress.action, v.ingress.action], ['deny', 'allow', 'deny']);
  });
  it('egress rules see the local endpoint as source and the peer as destination', () => {
    const v = verdict(
      [np('dev', 'to-web', { egress: [{ action: 'Allow', destination: { selector: "app == 'web'", namespaceSelector: 'all()' } }] })],
      'dev/client',
      'prod/web',
    );
    assert.equal(formatDecision(v.egress.decision), 'tier default, np:dev/to-web rule 0: Allow');
  });
});

describe('addresses that are not Calico endpoints', () => {
  it('egress from an outside address is not policed, ingress still is', () => {
    const v = verdict([np('prod', 'deny-in', { ingress: [{ action: 'Deny' }] })], '203.0.113.5', 'prod/web');
    assert.equal(formatDecision(v.egress.decision), 'not policed (not-a-calico-endpoint)');
    assert.equal(v.egress.action, 'allow');
    assert.equal(v.action, 'deny');
  });
  it('ingress to an outside address is not policed', () => {
    const v = verdict([], 'prod/web', '203.0.113.5');
    assert.equal(formatDecision(v.ingress.decision), 'not policed (not-a-calico-endpoint)');
    assert.equal(v.action, 'allow');
  });
  it('a bare address of a pod is that pod: its policy applies', () => {
    const v = verdict([np('prod', 'deny-in', { ingress: [{ action: 'Deny' }] })], 'dev/client', '10.0.1.1');
    assert.equal(formatDecision(v.ingress.decision), 'tier default, np:prod/deny-in rule 0: Deny');
  });
});

describe('address families', () => {
  it('a pod-to-pod flow uses IPv4 when both ends have it', () => {
    assert.equal(verdict([], 'dev/client', 'prod/web').packet.family, 4);
  });
  it('a flow to a pod\'s IPv6 address leaves from the other pod\'s IPv6 address', () => {
    const model = buildPolicyModel([...base, pod('prod', 'dual', '10.0.1.5,fd00::1:5')]);
    const v = model.evaluate({ source: { endpoint: ep('dev', 'client') }, destination: { ip: 'fd00::1:5' }, protocol: 'TCP', dstPort: 80 });
    assert.deepEqual([v.packet.family, v.packet.srcIp, v.packet.dstIp], [6, 'fd00::2:1', 'fd00::1:5']);
  });
  it('ICMPv6 by name matches an IPv6 ICMPv6 packet', () => {
    const model = buildPolicyModel([
      ...base,
      pod('prod', 'dual', '10.0.1.5,fd00::1:5'),
      np('prod', 'ping6', { ingress: [{ action: 'Deny', protocol: 'ICMPv6', icmp: { type: 128 } }] }),
    ]);
    const v = model.evaluate({ source: { endpoint: ep('dev', 'client') }, destination: { ip: 'fd00::1:5' }, protocol: 'ICMPv6', icmp: { type: 128, code: 0 } });
    assert.equal(formatDecision(v.ingress.decision), 'tier default, np:prod/ping6 rule 0: Deny');
  });
  it('a flow between endpoints without a common family is an error, not a verdict', () => {
    const model = buildPolicyModel([...base, pod('prod', 'v6only', 'fd00::1:9')]);
    const r = model.tryEvaluate(tcp('prod/web', 'prod/v6only'));
    assert.equal(r.ok, false);
  });
  it('an unknown endpoint is an error naming it', () => {
    const r = buildPolicyModel(base).tryEvaluate(tcp('prod/nope', 'prod/web'));
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /prod\/nope/);
  });
});

describe('host endpoints', () => {
  it('a host endpoint with neither policy nor profile drops everything', () => {
    const v = verdict([], 'dev/client', 'hep:node1-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'no policy and no profile: Deny');
  });
  it('a host endpoint falls through to its profiles when no policy selects it', () => {
    const v = verdict([], 'prod/web', 'hep:node2-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'profile allow-all rule 0: Allow');
  });
  it('a GNP selecting a host endpoint polices its ingress', () => {
    const v = verdict([gnp('hosts', { selector: 'has(host)', ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8443] } }] })], 'dev/client', 'hep:node1-eth0', 8443);
    assert.equal(formatDecision(v.ingress.decision), 'tier default, gnp:hosts rule 0: Allow');
  });
  it('a host endpoint with only an ingress policy is still default-deny for egress without profiles', () => {
    const v = verdict([gnp('hosts', { selector: 'has(host)', ingress: [{ action: 'Allow' }] })], 'hep:node1-eth0', 'dev/client');
    assert.equal(formatDecision(v.egress.decision), 'no policy and no profile: Deny');
  });
  it('Kubernetes-style selectors (orchestrator k8s) never select host endpoints', () => {
    const m = buildPolicyModel([...base, gnp('k8s-only', { selector: "projectcalico.org/orchestrator == 'k8s'" })]);
    const selected = m.selectedEndpoints({ kind: 'GlobalNetworkPolicy', namespace: '', name: 'k8s-only' });
    assert.deepEqual(selected.map((r) => r.kind), ['WorkloadEndpoint', 'WorkloadEndpoint']);
  });
  const raw = (action: 'Allow' | 'Deny', types: ('Ingress' | 'Egress')[] = ['Ingress', 'Egress']) =>
    gnp('raw', { selector: 'has(host)', doNotTrack: true, applyOnForward: true, types, ingress: [{ action }], egress: [{ action }] });
  const pre = (action: 'Allow' | 'Deny') => gnp('pre', { selector: 'has(host)', preDNAT: true, applyOnForward: true, ingress: [{ action }] });
  const denyHosts = gnp('deny-hosts', { selector: 'has(host)', types: ['Ingress', 'Egress'] });

  it('an untracked (doNotTrack) Deny drops host endpoint traffic before the normal tiers', () => {
    const v = verdict([raw('Deny')], 'prod/web', 'hep:node2-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'untracked tier default, gnp:raw rule 0: Deny');
  });
  it('an untracked Allow accepts host endpoint traffic that the normal tiers would drop', () => {
    const v = verdict([raw('Allow'), denyHosts], 'prod/web', 'hep:node2-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'untracked tier default, gnp:raw rule 0: Allow');
  });
  it('untracked policies also govern host endpoint egress', () => {
    const v = verdict([raw('Deny')], 'hep:node2-eth0', 'prod/web');
    assert.equal(formatDecision(v.egress.decision), 'untracked tier default, gnp:raw rule 0: Deny');
  });
  it('a preDNAT Allow accepts host endpoint ingress that the normal tiers would drop', () => {
    const v = verdict([pre('Allow'), denyHosts], 'prod/web', 'hep:node2-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'preDNAT tier default, gnp:pre rule 0: Allow');
  });
  it('untracked and preDNAT tiers end in Pass: unmatched traffic reaches the normal tiers', () => {
    const miss = gnp('raw-miss', { selector: 'has(host)', doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Deny', protocol: 'UDP' }] });
    const v = verdict([miss], 'prod/web', 'hep:node2-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'profile allow-all rule 0: Allow');
  });
  it('untracked and preDNAT policies never apply to workload endpoints', () => {
    const onPods = gnp('raw-pods', { doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Deny' }] });
    const onPodsPre = gnp('pre-pods', { preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny' }] });
    const v = verdict([onPods, onPodsPre], 'dev/client', 'prod/web');
    assert.equal(formatDecision(v.ingress.decision), 'profile kns.prod rule 0: Allow');
  });
  it('failsafe inbound ports (tcp:22 by default) are allowed before any host endpoint policy', () => {
    const v = verdict([raw('Deny'), denyHosts], 'dev/client', 'hep:node1-eth0', 22);
    assert.equal(formatDecision(v.ingress.decision), 'failsafe inbound port tcp:22: Allow');
  });
  it('failsafe outbound ports (udp:53 by default) are allowed before any host endpoint policy', () => {
    const v = buildPolicyModel([...base, raw('Deny')]).evaluate(udp('hep:node1-eth0', '10.96.0.10', 53));
    assert.equal(formatDecision(v.egress.decision), 'failsafe outbound port udp:53: Allow');
  });
  it('failsafe ports come from the options, with an optional source net', () => {
    const model = buildPolicyModel([...base, denyHosts], { failsafeInboundHostPorts: ['tcp:10.0.2.0/24:2222'] });
    assert.equal(model.evaluate(tcp('dev/client', 'hep:node1-eth0', 2222)).ingress.action, 'allow');
    assert.equal(model.evaluate(tcp('dev/client', 'hep:node1-eth0', 22)).ingress.action, 'deny');
    assert.equal(model.evaluate(tcp('prod/web', 'hep:node2-eth0', 2222)).ingress.action, 'deny');
  });
  it('host traffic to a workload on the same host is not policed at either end', () => {
    const v = verdict([np('prod', 'deny-in', { ingress: [{ action: 'Deny' }] })], 'hep:node1-eth0', 'prod/web');
    assert.deepEqual([v.egress.decision.by, v.ingress.decision.by, v.action], ['not-policed', 'not-policed', 'allow']);
  });
  it('a workload reaching its own host meets DefaultEndpointToHostAction, not host endpoint policy', () => {
    const v = verdict([gnp('hosts', { selector: 'has(host)', ingress: [{ action: 'Allow' }] })], 'prod/web', 'hep:node1-eth0');
    assert.equal(formatDecision(v.ingress.decision), 'DefaultEndpointToHostAction Drop');
    const accept = buildPolicyModel(base, { defaultEndpointToHostAction: 'Accept' }).evaluate(tcp('prod/web', 'hep:node1-eth0'));
    assert.equal(accept.action, 'allow');
  });
});

describe('traffic forwarded through a host endpoint (Flow.via)', () => {
  const fwd = (extra: PolicyResource[], src: string, dst: string, via: { from?: string; to?: string }, port = 80) =>
    buildPolicyModel([...base, ...extra]).evaluate({ ...tcp(src, dst, port), via });
  const onForward = (name: string, spec: Omit<Parameters<typeof gnp>[1], 'applyOnForward'>) =>
    gnp(name, { selector: 'has(host)', applyOnForward: true, ...spec });

  it('a host endpoint without applyOnForward policies lets forwarded traffic through, whatever its normal policy', () => {
    const v = fwd([gnp('hosts', { selector: 'has(host)', types: ['Ingress', 'Egress'] })], '203.0.113.5', 'prod/web', { from: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.from?.decision ?? v.ingress.decision), 'forwarded: no applyOnForward policy, allowed');
    assert.equal(v.action, 'allow');
  });
  it('an applyOnForward policy polices packets arriving on the host endpoint', () => {
    const v = fwd([onForward('fw', { ingress: [{ action: 'Deny', source: { nets: ['203.0.113.0/24'] } }] })], '203.0.113.5', 'prod/web', { from: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.from?.decision ?? v.ingress.decision), 'forward tier default, gnp:fw rule 0: Deny');
    assert.equal(v.action, 'deny');
  });
  it('forward tiers drop at their end like normal tiers', () => {
    const v = fwd([onForward('fw', { ingress: [{ action: 'Allow', protocol: 'UDP' }] })], '203.0.113.5', 'prod/web', { from: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.from?.decision ?? v.ingress.decision), 'end of tier default: Deny');
  });
  it('an untracked Allow skips the forward policy; the workload\'s own policy still applies', () => {
    const raw = gnp('raw', { selector: 'has(host)', doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow' }] });
    const v = fwd([raw, onForward('fw', { ingress: [{ action: 'Deny' }] }), np('prod', 'deny-in', { ingress: [{ action: 'Deny' }] })], '203.0.113.5', 'prod/web', { from: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.from?.decision ?? v.ingress.decision), 'untracked tier default, gnp:raw rule 0: Allow');
    assert.equal(formatDecision(v.ingress.decision), 'tier default, np:prod/deny-in rule 0: Deny');
  });
  it('packets leaving on a host endpoint meet its forward egress policy', () => {
    const v = fwd([onForward('fw', { types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['198.51.100.0/24'] } }] })], 'prod/web', '198.51.100.1', { to: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.to?.decision ?? v.egress.decision), 'forward tier default, gnp:fw rule 0: Deny');
  });
  it('a host endpoint with forward tiers for one direction only lets the other direction through', () => {
    const v = fwd([onForward('fw', { ingress: [{ action: 'Deny' }] })], 'prod/web', '198.51.100.1', { to: 'node1-eth0' });
    assert.equal(formatDecision(v.forward?.to?.decision ?? v.egress.decision), 'forwarded: no forward tier decided, allowed');
  });
  it('naming an unknown host endpoint is an error', () => {
    const r = buildPolicyModel(base).tryEvaluate({ ...tcp('prod/web', '198.51.100.1'), via: { to: 'nope' } });
    assert.equal(r.ok ? '' : r.errors[0]?.path, 'via.to');
  });
});
