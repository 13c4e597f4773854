import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { felixConfigurationKind } from '../../src/api/kinds/felix-configuration.js';
import { felixConfigurationSpecShape } from '../../src/api/kinds/felix-configuration-fields.js';
import type { FelixConfiguration } from '../../src/api/infra-types.js';

function felix(spec: unknown, name = 'default'): unknown {
  return { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec };
}

function errors(spec: unknown, name = 'default'): string[] {
  const r = felixConfigurationKind.validate(felix(spec, name));
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

function valid(spec: unknown, name = 'default'): FelixConfiguration {
  const r = felixConfigurationKind.validate(felix(spec, name));
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

describe('FelixConfiguration fields', () => {
  it('knows every field of the upstream spec (188 at the reference revision)', () => {
    assert.equal(Object.keys(felixConfigurationSpecShape).length, 188);
  });

  it('names fields by their JSON names, including the irregular ones', () => {
    for (const f of ['externalNodesList', 'wireguardKeepAlive', 'bpfConntrackMode', 'bpfMapSizePerCpuConntrack', 'ipv6Support', 'ipipMTU']) {
      assert.ok(f in felixConfigurationSpecShape, f);
    }
  });

  it('accepts a typical node configuration', () => {
    const spec = {
      defaultEndpointToHostAction: 'Return',
      logSeverityScreen: 'Info',
      reportingInterval: '0s',
      ipipEnabled: true,
      vxlanVNI: 4096,
      failsafeInboundHostPorts: [{ protocol: 'TCP', port: 22 }, { protocol: 'UDP', port: 68, net: '0.0.0.0/0' }],
      kubeNodePortRanges: ['30000:32767', 8080],
      routeTableRanges: [{ min: 1, max: 250 }],
      natPortRange: '32768:65535',
      healthTimeoutOverrides: [{ name: 'InternalDataplaneMainLoop', timeout: '30s' }],
      iptablesMarkMask: 0xffff0000,
      interfacePrefix: 'cali',
      nftablesMode: 'Enabled',
      bpfConntrackTimeouts: { tcpEstablished: '1h', udpTimeout: 'Auto' },
      istioDSCPMark: 'AF41',
      wireguardKeepAlive: '25s',
      prometheusMetricsHost: '0.0.0.0',
    };
    assert.deepEqual(errors(spec, 'node.node-1'), []);
  });

  it('matches case-insensitive enumerations as Felix does, keeping the text given', () => {
    assert.equal(valid({ defaultEndpointToHostAction: 'accept', logSeverityScreen: 'DEBUG' }).spec.defaultEndpointToHostAction, 'accept');
  });

  it('checks the CRD duration pattern against Go\'s rendering: 0.5s passes as 500ms', () => {
    assert.equal(valid({ iptablesRefreshInterval: '0.5s' }).spec.iptablesRefreshInterval, '500ms');
  });

  it('renders durations as Go does', () => {
    const s = valid({ iptablesRefreshInterval: '90s', routeRefreshInterval: '3600s', ipsetsRefreshInterval: '0s', dataplaneWatchdogTimeout: '1.5s' }).spec;
    assert.deepEqual(
      [s.iptablesRefreshInterval, s.routeRefreshInterval, s.ipsetsRefreshInterval, s.dataplaneWatchdogTimeout],
      ['1m30s', '1h0m0s', '0s', '1.5s'],
    );
  });

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['an unknown field', { iptablesRefreshIntervalSecs: 10 }, ['spec.iptablesRefreshIntervalSecs: unknown field "iptablesRefreshIntervalSecs"']],
    ['a number where a duration goes', { reportingInterval: 30 }, ['spec.reportingInterval: cannot unmarshal number into Go value of type string']],
    ['a fractional duration where the CRD pattern wants whole units', { iptablesRefreshInterval: '1.5s' }, ["spec.iptablesRefreshInterval: 1.5s should match '^([0-9]+(ms|s|m|h))*$'"]],
    ['1500ms, which Go renders as 1.5s', { iptablesRefreshInterval: '1500ms' }, ["spec.iptablesRefreshInterval: 1.5s should match '^([0-9]+(ms|s|m|h))*$'"]],
    ['serviceLoopPrevention in another case (the Go validator matches exactly)', { serviceLoopPrevention: 'drop' }, ['spec.serviceLoopPrevention: must be one of Drop, Reject, Disabled']],
    ['an over-long NAT outgoing address', { natOutgoingAddress: '1'.repeat(46) }, ['spec.natOutgoingAddress: must be at most 45 characters', 'spec.natOutgoingAddress: is not a valid IP address']],
    ['an unknown endpoint-to-host action', { defaultEndpointToHostAction: 'Reject' }, ['spec.defaultEndpointToHostAction: must be one of Drop, Accept, Return (case-insensitive)']],
    ['an iptables backend in the wrong case (exact enum)', { iptablesBackend: 'nft' }, ['spec.iptablesBackend: must be one of Legacy, NFT, Auto']],
    ['a failsafe port without a valid protocol', { failsafeInboundHostPorts: [{ protocol: 'ICMP', port: 0 }] }, ["spec.failsafeInboundHostPorts[0].protocol: protocol must be 'TCP' or 'UDP' or 'SCTP'."]],
    ['too many node port ranges', { kubeNodePortRanges: [1, 2, 3, 4, 5, 6, 7, 8] }, ['spec.kubeNodePortRanges: node port ranges list is too long (max 7)']],
    ['a named node port', { kubeNodePortRanges: ['http'] }, ['spec.kubeNodePortRanges[0]: node port ranges should not contain named ports']],
    ['a route table range beyond 250', { routeTableRange: { min: 1, max: 251 } }, ['spec.routeTableRange: must be a range of route table indices within 1..250']],
    ['both route table settings', { routeTableRange: { min: 1, max: 250 }, routeTableRanges: [{ min: 1, max: 250 }] }, ['spec.routeTableRanges: routeTableRange and routeTableRanges cannot both be set']],
    ['an inverted route table ID range', { routeTableRanges: [{ min: 300, max: 200 }] }, ['spec.routeTableRanges[0]: min value cannot be greater than max value']],
    ['more than 65535 route tables', { routeTableRanges: [{ min: 1, max: 70000 }] }, ['spec.routeTableRanges: targets too many tables']],
    ['an IPv6 NAT outgoing address', { natOutgoingAddress: 'fd00::1' }, ['spec.natOutgoingAddress: natOutgoingAddress must be a valid IPv4 address']],
    ['a malformed device route source', { deviceRouteSourceAddress: '10.0.0' }, ['spec.deviceRouteSourceAddress: is not a valid IP address']],
    ['an IPv6 external node CIDR', { externalNodesList: ['fd00::/64'] }, ['spec.externalNodesList[0]: has invalid IPv6 CIDR']],
    ['a WireGuard port of 0', { wireguardListeningPort: 0 }, ['spec.wireguardListeningPort: must be greater than or equal to 1']],
    ['an over-long interface name', { wireguardInterfaceName: 'wireguard.cali.long' }, ['spec.wireguardInterfaceName: invalid interface name (must match ^[a-zA-Z0-9_.-]{1,15}$)']],
    ['a route priority of 0', { ipv4NormalRoutePriority: 0 }, ['spec.ipv4NormalRoutePriority: must be greater than or equal to 1']],
    ['a mark mask beyond 32 bits', { iptablesMarkMask: 4294967296 }, ['spec.iptablesMarkMask: must be less than or equal to 4294967295']],
    ['a bad regular expression', { mtuIfacePattern: '^(eth' }, ['spec.mtuIfacePattern: invalid regular expression "^(eth"']],
    ['an unknown DSCP name', { istioDSCPMark: 'AF99' }, ['spec.istioDSCPMark: invalid DSCP value "AF99"']],
    ['an OpenStack region that is not a DNS label', { openstackRegion: 'Region_1' }, ['spec.openstackRegion: must be a valid DNS label']],
    ['a bad health timeout override', { healthTimeoutOverrides: [{ name: 'x!', timeout: '-1s' }] }, ['spec.healthTimeoutOverrides[0].name: name should match regex ^[a-zA-Z0-9_ -]+$', 'spec.healthTimeoutOverrides[0].timeout: Timeout should not be negative']],
  ];
  for (const [what, spec, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(spec), expected);
    });
  }

  it('forbids a node selector on the default and per-node configurations only', () => {
    const msg = "spec.nodeSelector: nodeSelector must not be set on the 'default' or per-node ('node.*') FelixConfiguration";
    assert.deepEqual(errors({ nodeSelector: 'all()' }, 'default'), [msg]);
    assert.deepEqual(errors({ nodeSelector: 'all()' }, 'node.a'), [msg]);
    assert.deepEqual(errors({ nodeSelector: "zone == 'a'" }, 'zone-a'), []);
  });

  it('reports every problem at once', () => {
    assert.equal(errors({ vxlanPort: 'x', logSeverityScreen: 'Loud', bogus: 1, natOutgoingAddress: 'fd00::1' }).length, 4);
  });

  it('applies the CRD defaults and always carries bpfLogLevel', () => {
    assert.deepEqual(felixConfigurationKind.applyDefaults(valid({ ipipEnabled: false })).spec, {
      ipipEnabled: false,
      nftablesMode: 'Auto',
      nftablesFlowTableOffload: 'Disabled',
      bpfLogLevel: '',
    });
  });
});
