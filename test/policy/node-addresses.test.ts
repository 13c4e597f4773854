// A workload's packets to an address of its own node are host traffic even
// when no HostEndpoint claims that address: Felix runs the workload's egress
// policy, then DefaultEndpointToHostAction. Another node's address without a
// HostEndpoint stays an outside address. The model learns node addresses
// from Node resources.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALICO_API_VERSION } from '../../src/api/meta.js';
import type { Node, NodeSpec } from '../../src/api/infra-types.js';
import { buildPolicyModel, type PolicyModelOptions, type PolicyResource } from '../../src/policy/index.js';
import { formatDecision } from '../../src/policy/format.js';
import { np, nsProfile, pod, tcp } from './fixtures.js';

function node(name: string, spec: NodeSpec): Node {
  return { apiVersion: CALICO_API_VERSION, kind: 'Node', metadata: { name }, spec };
}

const workloads: PolicyResource[] = [
  nsProfile('prod'),
  pod('prod', 'web', '10.0.1.1', { app: 'web' }, { node: 'node1' }),
  pod('prod', 'v6', 'fd00::1:1', { app: 'v6' }, { node: 'node1' }),
];
const node1 = node('node1', { addresses: [{ address: '172.16.0.1', type: 'InternalIP' }], bgp: { ipv4Address: '172.16.0.1/24' } });
const node2 = node('node2', { addresses: [{ address: '172.16.0.2', type: 'InternalIP' }] });

interface Case {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly options?: PolicyModelOptions;
  readonly src?: string;
  readonly dst: string;
  readonly action: 'allow' | 'deny';
  readonly ingress: string;
}

const cases: readonly Case[] = [
  {
    name: 'own node address without a host endpoint meets DefaultEndpointToHostAction Drop (the default)',
    nodes: [node1, node2],
    dst: '172.16.0.1',
    action: 'deny',
    ingress: 'DefaultEndpointToHostAction Drop',
  },
  {
    name: 'own node address with DefaultEndpointToHostAction Accept is allowed',
    nodes: [node1, node2],
    options: { defaultEndpointToHostAction: 'Accept' },
    dst: '172.16.0.1',
    action: 'allow',
    ingress: 'DefaultEndpointToHostAction Accept',
  },
  {
    name: "another node's address without a host endpoint is not policed",
    nodes: [node1, node2],
    dst: '172.16.0.2',
    action: 'allow',
    ingress: 'not policed (not-a-calico-endpoint)',
  },
  {
    name: 'a node address given only as bgp.ipv4Address in CIDR form is the node\'s',
    nodes: [node('node1', { bgp: { ipv4Address: '192.168.7.5/24' } })],
    dst: '192.168.7.5',
    action: 'deny',
    ingress: 'DefaultEndpointToHostAction Drop',
  },
  {
    name: 'only the address itself, not the rest of the bgp.ipv4Address subnet, is the node\'s',
    nodes: [node('node1', { bgp: { ipv4Address: '192.168.7.5/24' } })],
    dst: '192.168.7.6',
    action: 'allow',
    ingress: 'not policed (not-a-calico-endpoint)',
  },
  {
    name: 'tunnel addresses are the node\'s too',
    nodes: [node('node1', { ipv4VXLANTunnelAddr: '10.0.9.0' })],
    dst: '10.0.9.0',
    action: 'deny',
    ingress: 'DefaultEndpointToHostAction Drop',
  },
  {
    name: 'IPv6 node addresses count for IPv6 workloads',
    nodes: [node('node1', { bgp: { ipv6Address: 'fd00:99::5/64' } })],
    src: 'prod/v6',
    dst: 'fd00:99::5',
    action: 'deny',
    ingress: 'DefaultEndpointToHostAction Drop',
  },
  {
    name: 'with no Node resource the own host address stays an outside address',
    nodes: [],
    dst: '172.16.0.1',
    action: 'allow',
    ingress: 'not policed (not-a-calico-endpoint)',
  },
];

describe('a workload reaching an address of its own node', () => {
  for (const c of cases) {
    it(c.name, () => {
      const v = buildPolicyModel([...workloads, ...c.nodes], c.options).evaluate(tcp(c.src ?? 'prod/web', c.dst));
      assert.deepEqual([v.action, formatDecision(v.ingress.decision)], [c.action, c.ingress]);
      assert.equal(v.ingress.endpoint, null);
    });
  }

  it("the workload's egress policy still applies first", () => {
    const denyEgress = np('prod', 'no-egress', { selector: "app == 'web'", types: ['Egress'] });
    const v = buildPolicyModel([...workloads, node1, denyEgress], { defaultEndpointToHostAction: 'Accept' }).evaluate(tcp('prod/web', '172.16.0.1'));
    assert.deepEqual([v.action, v.egress.action, v.ingress.action], ['deny', 'deny', 'allow']);
  });

  it('a packet from outside to a node address is not host-to-host traffic of a workload', () => {
    const v = buildPolicyModel([...workloads, node1]).evaluate(tcp('172.16.0.9', '172.16.0.1'));
    assert.deepEqual([v.action, formatDecision(v.ingress.decision)], ['allow', 'not policed (not-a-calico-endpoint)']);
  });
});
