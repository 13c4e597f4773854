import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bgpConfigurationKind, communityValueError } from '../../src/api/kinds/bgp-configuration.js';
import { bgpPeerKind, parsePeerIP } from '../../src/api/kinds/bgp-peer.js';
import { bgpFilterKind } from '../../src/api/kinds/bgp-filter.js';
import type { KindDefinition } from '../../src/api/kind.js';

function doc(kind: string, spec: unknown, name = 'x'): unknown {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: { name }, spec };
}

function errors(def: KindDefinition, spec: unknown, name = 'x'): string[] {
  const r = def.validate(doc(def.kind, spec, name));
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('BGPConfiguration', () => {
  it('accepts a full default configuration', () => {
    const spec = {
      logSeverityScreen: 'info',
      nodeToNodeMeshEnabled: true,
      asNumber: 64513,
      listenPort: 1790,
      serviceClusterIPs: [{ cidr: '10.96.0.0/12' }],
      serviceExternalIPs: [{ cidr: '203.0.113.0/24' }],
      serviceLoadBalancerIPs: [{ cidr: '198.51.100.10' }],
      communities: [{ name: 'bgp-large-community', value: '63400:300:100' }],
      prefixAdvertisements: [{ cidr: '172.218.4.0/26', communities: ['bgp-large-community', '63400:120'] }],
      nodeMeshMaxRestartTime: '120s',
      bindMode: 'NodeIP',
      ignoredInterfaces: ['iface-1', 'eth*'],
      programClusterRoutes: 'Enabled',
      ipv4NormalRoutePriority: 1024,
    };
    assert.deepEqual(errors(bgpConfigurationKind, spec, 'default'), []);
  });

  it('accepts an AS number in asdot notation and stores it as a number', () => {
    const r = bgpConfigurationKind.validate(doc('BGPConfiguration', { asNumber: '1.10' }, 'default'));
    assert.ok(r.ok);
    assert.equal(r.value.spec.asNumber, 65546);
  });

  it('normalises durations as Go renders them', () => {
    const r = bgpConfigurationKind.validate(doc('BGPConfiguration', { nodeMeshMaxRestartTime: '90s' }, 'default'));
    assert.ok(r.ok);
    assert.equal(r.value.spec.nodeMeshMaxRestartTime, '1m30s');
  });

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['an unknown log severity', { logSeverityScreen: 'Verbose' }, ['spec.logSeverityScreen: must be one of Trace, Debug, Info, Warning, Error, Fatal (case-insensitive)']],
    ['listen port 0', { listenPort: 0 }, ['spec.listenPort: must be greater than or equal to 1']],
    ['an AS number beyond 32 bits', { asNumber: 4294967296 }, ['spec.asNumber: invalid AS Number format (4294967296)']],
    ['a service CIDR with host bits', { serviceClusterIPs: [{ cidr: '10.96.0.1/12' }] }, ['spec.serviceClusterIPs[0].cidr: CIDR "10.96.0.1/12" is not strictly masked']],
    ['"*" as an ignored interface', { ignoredInterfaces: ['*'] }, ['spec.ignoredInterfaces[0]: invalid interface name (must match ^[a-zA-Z0-9_.*-]{1,15}$ and not be "*")']],
    ['an IPv6 workload peering address on the IPv4 field', { localWorkloadPeeringIPV4: 'fe80::1' }, ['spec.localWorkloadPeeringIPV4: must be an IPv4 address']],
    ['a mesh password with the mesh off', { nodeToNodeMeshEnabled: false, nodeMeshPassword: { secretKeyRef: { name: 's', key: 'k' } } }, ['spec.nodeMeshPassword: nodeMeshPassword cannot be set when nodeToNodeMeshEnabled is false']],
    ['a mesh restart time with the mesh off', { nodeToNodeMeshEnabled: false, nodeMeshMaxRestartTime: '1m' }, ['spec.nodeMeshMaxRestartTime: nodeMeshMaxRestartTime cannot be set when nodeToNodeMeshEnabled is false']],
    ['communities no advertisement uses', { communities: [{ name: 'c', value: '1:2' }] }, ['spec.communities: communities are defined but not used in prefixAdvertisements']],
    ['a 16-bit overflow in a standard community', { communities: [{ name: 'c', value: '65536:1' }], prefixAdvertisements: [{ cidr: '10.0.0.0/8', communities: ['c'] }] }, ['spec.communities[0].value: invalid community value, expected 16 bit value']],
    ['an undefined community name', { prefixAdvertisements: [{ cidr: '10.0.0.0/8', communities: ['nope'] }] }, ['spec.prefixAdvertisements[0].communities[0]: community used is invalid or not defined.']],
    ['an unknown programClusterRoutes', { programClusterRoutes: 'BIRD' }, ['spec.programClusterRoutes: must be one of Enabled, Disabled, EnabledIPIPOnly, EnabledNoEncapOnly']],
    ['an unknown field', { meshEnabled: true }, ['spec.meshEnabled: unknown field "meshEnabled"']],
  ];
  for (const [what, spec, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(bgpConfigurationKind, spec, 'default'), expected);
    });
  }

  it('defaults the log severity to Info and load-balancer aggregation to Enabled', () => {
    const r = bgpConfigurationKind.validate(doc('BGPConfiguration', {}, 'default'));
    assert.ok(r.ok);
    assert.deepEqual(bgpConfigurationKind.applyDefaults(r.value).spec, {
      logSeverityScreen: 'Info',
      serviceLoadBalancerAggregation: 'Enabled',
    });
  });

  const communities: [string, string | undefined][] = [
    ['65535:65535', undefined],
    ['65536:0', 'invalid community value, expected 16 bit value'],
    ['4294967295:0:1', undefined],
    ['4294967296:0:1', 'invalid community value, expected 32 bit value'],
    ['1:2:3:4', 'invalid community value or format used.'],
    ['name', 'invalid community value or format used.'],
  ];
  for (const [value, expected] of communities) {
    it(`judges community value ${value}`, () => {
      assert.equal(communityValueError(value), expected);
    });
  }
});

describe('BGPPeer', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['a global peer by address', { peerIP: '192.0.2.1', asNumber: 64567 }],
    ['a peer with a port', { peerIP: '192.0.2.1:1790', asNumber: 64567 }],
    ['an IPv6 peer with a port', { peerIP: '[2001:db8::1]:1790', asNumber: 64567 }],
    ['a node-specific peer', { node: 'node-1', peerIP: '2001:db8::1', asNumber: '64567' }],
    ['route reflector peering by selectors', { nodeSelector: 'all()', peerSelector: 'has(route-reflector)' }],
    ['local workload peering', { localWorkloadSelector: 'color == "red"', asNumber: 65001 }],
    ['every option at once', { peerIP: '10.0.0.1', asNumber: 1, localASNumber: 2, nextHopMode: 'Self', password: { secretKeyRef: { name: 'bgp', key: 'pw' } }, sourceAddress: 'None', maxRestartTime: '2m', keepaliveTime: '10s', numAllowedLocalASNumbers: 2, ttlSecurity: 1, reachableBy: '10.0.0.254', filters: ['f1', 'f2'], reversePeering: 'Manual' }],
  ];
  for (const [what, spec] of accepted) {
    it(`accepts ${what}`, () => {
      assert.deepEqual(errors(bgpPeerKind, spec), []);
    });
  }

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['node and nodeSelector together', { node: 'a', nodeSelector: 'all()', peerIP: '10.0.0.1', asNumber: 1 }, ['spec.nodeSelector: node and nodeSelector cannot both be set']],
    ['peerIP and peerSelector together', { peerIP: '10.0.0.1', peerSelector: 'all()' }, ['spec.peerSelector: peerIP and peerSelector cannot both be set']],
    ['an AS number with peerSelector', { peerSelector: 'all()', asNumber: 64512 }, ['spec.asNumber: asNumber must be empty when peerSelector is set']],
    ['local workload peering without AS number', { localWorkloadSelector: 'all()' }, ['spec.asNumber: asNumber is required when localWorkloadSelector is set']],
    ['reachableBy without peerIP', { peerSelector: 'all()', reachableBy: '10.0.0.1' }, ['spec.reachableBy: reachableBy must be empty when peerIP is empty']],
    ['reachableBy of the other family', { peerIP: '10.0.0.1', asNumber: 1, reachableBy: 'fd00::1' }, ['spec.reachableBy: ReachableBy and PeerIP address family mismatched']],
    ['keepOriginalNextHop with nextHopMode', { peerIP: '10.0.0.1', asNumber: 1, keepOriginalNextHop: true, nextHopMode: 'Keep' }, ['spec.nextHopMode: keepOriginalNextHop and nextHopMode cannot both be set; keepOriginalNextHop is deprecated, use nextHopMode instead']],
    ['port 0', { peerIP: '10.0.0.1:0', asNumber: 1 }, ['spec.peerIP: must be an IP address, IPv4:port or [IPv6]:port']],
    ['an IPv6 port without brackets', { peerIP: '2001:db8::1:179x', asNumber: 1 }, ['spec.peerIP: must be an IP address, IPv4:port or [IPv6]:port']],
    ['a ttlSecurity beyond a byte', { peerIP: '10.0.0.1', asNumber: 1, ttlSecurity: 256 }, ['spec.ttlSecurity: must be less than or equal to 255']],
    ['an invalid filter name', { peerIP: '10.0.0.1', asNumber: 1, filters: ['Bad_Name'] }, ['spec.filters[0]: must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".")']],
    ['an unparseable duration', { peerIP: '10.0.0.1', asNumber: 1, keepaliveTime: '10 seconds' }, ['spec.keepaliveTime: invalid duration "10 seconds" (expected a Go duration such as "90s" or "1m30s")']],
  ];
  for (const [what, spec, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(bgpPeerKind, spec), expected);
    });
  }

  it('splits peer addresses into address and port', () => {
    assert.deepEqual(parsePeerIP('[fd00::1]:1790'), { ip: { family: 6, value: 0xfd000000000000000000000000000001n }, port: 1790 });
    assert.deepEqual(parsePeerIP('10.0.0.1'), { ip: { family: 4, value: 0x0a000001n } });
    assert.equal(parsePeerIP('10.0.0.1:70000'), null);
  });
});

describe('BGPFilter', () => {
  it('accepts rules of both families with every match and operation', () => {
    const spec = {
      exportV4: [
        { cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { min: 16, max: 24 }, action: 'Accept', operations: [{ addCommunity: { value: '65000:100' } }, { prependASPath: { prefix: [65000, 65000] } }, { setPriority: { value: 512 } }] },
        { source: 'RemotePeers', peerType: 'eBGP', interface: 'eth*', action: 'Reject' },
      ],
      importV6: [{ cidr: 'fd00::/64', matchOperator: 'Equal', communities: { values: ['65000:1:2'] }, asPathPrefix: [65001], priority: 10, action: 'Accept' }],
    };
    assert.deepEqual(errors(bgpFilterKind, spec), []);
  });

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['a cidr without operator', { exportV4: [{ cidr: '10.0.0.0/8', action: 'Accept' }] }, ['spec.exportV4[0].matchOperator: cidr and matchOperator must both be set or both be empty']],
    ['a prefix length without cidr', { importV4: [{ prefixLength: { min: 8 }, action: 'Accept' }] }, ['spec.importV4[0].prefixLength: cidr is required when prefixLength is set']],
    ['operations on a Reject rule', { exportV4: [{ action: 'Reject', operations: [{ setPriority: { value: 5 } }] }] }, ['spec.exportV4[0].operations: operations may only be used with action Accept']],
    ['an IPv6 CIDR in a V4 rule', { exportV4: [{ cidr: 'fd00::/64', matchOperator: 'In', action: 'Accept' }] }, ['spec.exportV4[0].cidr: must be an IPv4 CIDR']],
    ['a V4 prefix length of 33', { exportV4: [{ cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { max: 33 }, action: 'Accept' }] }, ['spec.exportV4[0].prefixLength.max: must be less than or equal to 32']],
    ['a missing action', { exportV6: [{ peerType: 'iBGP' }] }, ['spec.exportV6[0].action: required field is missing']],
    ['an operation doing two things', { exportV4: [{ action: 'Accept', operations: [{ setPriority: { value: 5 }, addCommunity: { value: '1:1' } }] }] }, ['spec.exportV4[0].operations[0]: must set exactly one of addCommunity, prependASPath, setPriority']],
    ['two community values', { exportV4: [{ action: 'Accept', communities: { values: ['1:1', '2:2'] } }] }, ['spec.exportV4[0].communities.values: must have exactly 1 item']],
  ];
  for (const [what, spec, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(bgpFilterKind, spec), expected);
    });
  }
});
