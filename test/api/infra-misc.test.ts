import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeKind } from '../../src/api/kinds/node.js';
import { ipReservationKind } from '../../src/api/kinds/ip-reservation.js';
import { ipamConfigurationKind } from '../../src/api/kinds/ipam-configuration.js';
import { clusterInformationKind } from '../../src/api/kinds/cluster-information.js';
import { calicoNodeStatusKind } from '../../src/api/kinds/calico-node-status.js';
import { kubeControllersConfigurationKind } from '../../src/api/kinds/kube-controllers-configuration.js';
import { formatGoDuration, parseAsNumber, parseGoDuration } from '../../src/api/go-values.js';
import type { KindDefinition } from '../../src/api/kind.js';

function doc(kind: string, body: Record<string, unknown>, name = 'x'): unknown {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: { name }, ...body };
}

function errors(def: KindDefinition, body: Record<string, unknown>, name = 'x'): string[] {
  const r = def.validate(doc(def.kind, body, name));
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('Node', () => {
  it('accepts what node startup and the tunnel allocator write', () => {
    const body = {
      spec: {
        bgp: { ipv4Address: '10.0.0.5/24', ipv6Address: 'fd00::5/64', asNumber: 64512, ipv4IPIPTunnelAddr: '192.168.1.0', routeReflectorClusterID: '224.0.0.1' },
        ipv4VXLANTunnelAddr: '192.168.1.1',
        vxlanTunnelMACAddr: '66:a1:b2:c3:d4:e5',
        orchRefs: [{ orchestrator: 'k8s', nodeName: 'node-1' }],
        wireguard: { interfaceIPv4Address: '192.168.1.2' },
        addresses: [{ address: '10.0.0.5', type: 'CalicoNodeIP' }, { address: '10.0.0.5/32', type: 'InternalIP' }],
        interfaces: [{ name: 'eth0', addresses: ['10.0.0.5'] }],
      },
      status: { wireguardPublicKey: 'jlkVyQYooZYzI2wFfNhSZez5eWh44yfq1wKVjLvSXgY=', podCIDRs: ['192.168.1.0/24'] },
    };
    assert.deepEqual(errors(nodeKind, body, 'node-1'), []);
  });

  it('accepts a node with no spec at all', () => {
    assert.deepEqual(errors(nodeKind, {}, 'node-1'), []);
  });

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['an empty bgp section', { spec: { bgp: {} } }, ['spec.bgp: Spec.BGP should not be empty']],
    ['an IPv6 address in ipv4Address', { spec: { bgp: { ipv4Address: 'fd00::1/64' } } }, ['spec.bgp.ipv4Address: must be an IPv4 CIDR or address']],
    ['a route reflector cluster ID that is not IPv4', { spec: { bgp: { ipv4Address: '10.0.0.1/24', routeReflectorClusterID: '1' } } }, ['spec.bgp.routeReflectorClusterID: must be an IPv4 address']],
    ['an IPv4 VXLAN address on the IPv6 field', { spec: { ipv6VXLANTunnelAddr: '10.0.0.1' } }, ['spec.ipv6VXLANTunnelAddr: must be an IPv6 address']],
    ['a malformed MAC', { spec: { vxlanTunnelMACAddr: '66:a1:b2:c3:d4' } }, ['spec.vxlanTunnelMACAddr: must be a MAC address']],
    ['an unmasked node address', { spec: { addresses: [{ address: '10.0.0.5/24' }] } }, ['spec.addresses[0].address: CIDR "10.0.0.5/24" is not strictly masked']],
    ['an unknown address type', { spec: { addresses: [{ address: '10.0.0.5', type: 'Public' }] } }, ['spec.addresses[0].type: must be one of CalicoNodeIP, InternalIP, ExternalIP']],
    ['an orchRef without orchestrator', { spec: { orchRefs: [{ nodeName: 'n' }] } }, ['spec.orchRefs[0].orchestrator: required field is missing']],
    ['a bad WireGuard key', { status: { wireguardPublicKey: 'not-a-key' } }, ['status.wireguardPublicKey: must be a WireGuard public key (32 bytes, base64)']],
  ];
  for (const [what, body, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(nodeKind, body), expected);
    });
  }
});

describe('IPReservation', () => {
  it('accepts CIDRs and bare addresses, host bits allowed', () => {
    assert.deepEqual(errors(ipReservationKind, { spec: { reservedCIDRs: ['10.0.0.0/24', '10.1.0.7', 'fd00::1/128', '10.2.0.1/16'] } }), []);
  });

  it('rejects an entry that is no CIDR', () => {
    assert.deepEqual(errors(ipReservationKind, { spec: { reservedCIDRs: ['10.0.0.0/24', 'ten'] } }), [
      'spec.reservedCIDRs[1]: must be a CIDR or an IP address',
    ]);
  });
});

describe('IPAMConfiguration', () => {
  it('accepts the default singleton and applies the CRD defaults', () => {
    const r = ipamConfigurationKind.validate(doc('IPAMConfiguration', { spec: { maxBlocksPerHost: 4, strictAffinity: true } }, 'default'));
    assert.ok(r.ok);
    assert.deepEqual(ipamConfigurationKind.applyDefaults(r.value).spec, { strictAffinity: true, maxBlocksPerHost: 4, autoAllocateBlocks: true });
  });

  it('rejects any name but default, and out-of-range numbers', () => {
    assert.deepEqual(errors(ipamConfigurationKind, { spec: { ipCooldownSeconds: 1201, maxBlocksPerHost: -1 } }, 'other'), [
      'metadata.name: Cannot create an IPAMConfiguration resource with a name other than "default"',
      'spec.maxBlocksPerHost: must be greater than or equal to 0',
      'spec.ipCooldownSeconds: must be less than or equal to 1200',
    ]);
  });
});

describe('ClusterInformation', () => {
  it('accepts what Calico writes and rejects unknown fields', () => {
    assert.deepEqual(errors(clusterInformationKind, { spec: { clusterGUID: 'abc', clusterType: 'k8s,bgp', calicoVersion: 'v3.31.0', datastoreReady: true } }, 'default'), []);
    assert.deepEqual(errors(clusterInformationKind, { spec: { ready: true } }, 'default'), ['spec.ready: unknown field "ready"']);
  });
});

describe('CalicoNodeStatus', () => {
  it('accepts a request with the status calico-node reports', () => {
    const body = {
      spec: { node: 'node-1', classes: ['Agent', 'BGP', 'Routes'], updatePeriodSeconds: 10 },
      status: {
        lastUpdated: '2026-01-01T00:00:00Z',
        agent: { birdV4: { state: 'Ready', version: 'v0.3.3', routerID: '10.0.0.5' } },
        bgp: { numberEstablishedV4: 1, numberNotEstablishedV4: 0, peersV4: [{ peerIP: '10.0.0.6', type: 'NodeMesh', state: 'Established', since: '09:00:00' }] },
        routes: { routesV4: [{ type: 'FIB', destination: '192.168.1.0/26', gateway: '10.0.0.6', interface: 'eth0', learnedFrom: { sourceType: 'NodeMesh', peerIP: '10.0.0.6' } }] },
      },
    };
    assert.deepEqual(errors(calicoNodeStatusKind, body), []);
  });

  it('requires node, classes and period, each valid', () => {
    assert.deepEqual(errors(calicoNodeStatusKind, { spec: {} }), [
      'spec.node: required field is missing',
      'spec.classes: required field is missing',
      'spec.updatePeriodSeconds: required field is missing',
    ]);
    assert.deepEqual(errors(calicoNodeStatusKind, { spec: { node: 'n', classes: ['BGP', 'BGP', 'Disks'], updatePeriodSeconds: 86401 } }), [
      'spec.classes[2]: must be one of Agent, BGP, Routes',
      'spec.updatePeriodSeconds: must be less than or equal to 86400',
    ]);
  });
});

describe('KubeControllersConfiguration', () => {
  const full = {
    spec: {
      logSeverityScreen: 'Info',
      healthChecks: 'Enabled',
      etcdV3CompactionPeriod: '10m',
      prometheusMetricsPort: 9094,
      controllers: {
        node: {
          reconcilerPeriod: '5m',
          syncLabels: 'Enabled',
          leakGracePeriod: '15m',
          hostEndpoint: { autoCreate: 'Enabled', templates: [{ generateName: 'custom', interfaceCIDRs: ['10.0.0.0/8'], nodeSelector: 'has(x)', labels: { a: 'b' } }] },
        },
        policy: { reconcilerPeriod: '5m' },
        loadBalancer: {},
        migration: {},
      },
    },
    status: { environmentVars: { ENABLED_CONTROLLERS: 'node' } },
  };

  it('accepts a full configuration', () => {
    assert.deepEqual(errors(kubeControllersConfigurationKind, full, 'default'), []);
  });

  it('applies the CRD defaults to present sub-controllers only', () => {
    const r = kubeControllersConfigurationKind.validate(doc('KubeControllersConfiguration', full, 'default'));
    assert.ok(r.ok);
    const spec = kubeControllersConfigurationKind.applyDefaults(r.value).spec;
    assert.equal(spec.controllers?.loadBalancer?.assignIPs, 'AllServices');
    assert.equal(spec.controllers?.migration?.policyNameMigrator, 'Enabled');
    assert.equal(spec.controllers?.namespace, undefined);
  });

  it('rejects unknown controllers and bad modes', () => {
    assert.deepEqual(errors(kubeControllersConfigurationKind, { spec: { healthChecks: 'On', controllers: { ipam: {} } } }), [
      'spec.healthChecks: must be one of Enabled, Disabled',
      'spec.controllers.ipam: unknown field "ipam"',
    ]);
  });
});

describe('Go durations', () => {
  const parsed: [string, bigint | null][] = [
    ['90s', 90_000_000_000n],
    ['1m30s', 90_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['-2ms', -2_000_000n],
    ['0', 0n],
    ['300us', 300_000n],
    ['1µs', 1_000n],
    ['.5s', 500_000_000n],
    ['', null],
    ['10', null],
    ['1d', null],
    ['s', null],
    ['2562047h47m16.854775807s', 2n ** 63n - 1n],
    ['2562047h47m16.854775808s', null],
    ['-2562047h47m16.854775808s', -(2n ** 63n)],
  ];
  for (const [text, ns] of parsed) {
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.equal(parseGoDuration(text), ns);
    });
  }

  const formatted: [bigint, string][] = [
    [0n, '0s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [1_500_000_000n, '1.5s'],
    [500_000_000n, '500ms'],
    [1_500n, '1.5µs'],
    [42n, '42ns'],
    [-61_000_000_000n, '-1m1s'],
  ];
  for (const [ns, text] of formatted) {
    it(`formats ${ns}ns as ${text}`, () => {
      assert.equal(formatGoDuration(ns), text);
    });
  }
});

describe('Go duration round trip', () => {
  it('reads back every duration it prints, to the nanosecond', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (ns) => {
        assert.equal(parseGoDuration(formatGoDuration(ns)), ns);
      }),
    );
  });
});

describe('AS numbers', () => {
  const cases: [unknown, number | null][] = [
    [64512, 64512],
    ['64512', 64512],
    ['1.10', 65546],
    ['65535.65535', 4294967295],
    [4294967296, null],
    ['65536.1', null],
    [-1, null],
    ['as64512', null],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${JSON.stringify(input)}`, () => {
      assert.equal(parseAsNumber(input), expected);
    });
  }
});
