// FelixConfiguration: cluster default overridden by this host's node.<name>.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { del, felixConfig, Harness, set } from './helpers.js';

describe('Felix configuration', () => {
  it('a config message is sent at in-sync even with no FelixConfiguration', () => {
    const h = new Harness();
    assert.deepEqual(h.load(), [{ type: 'config-update', config: {} }, { type: 'in-sync', revision: 0 }]);
  });

  it('per-host values win over the cluster default; other hosts are ignored', () => {
    const h = new Harness();
    h.load(set(felixConfig('default', { logSeverityScreen: 'Info', ipipEnabled: false })), set(felixConfig('node.node1', { logSeverityScreen: 'Debug' })), set(felixConfig('node.node2', { logSeverityScreen: 'Error' })));
    assert.deepEqual([h.state.config?.['LogSeverityScreen'], h.state.config?.['IpInIpEnabled']], ['Debug', 'false']);
  });

  it('a change is sent once; an unrelated one not at all', () => {
    const h = new Harness();
    h.load(set(felixConfig('default', { logSeverityScreen: 'Info' })), set(felixConfig('node.node1', { logSeverityScreen: 'Debug' })));
    h.feed(set(felixConfig('node.node2', { logSeverityScreen: 'Error' })));
    assert.deepEqual(h.flush(), []);
    h.feed(del(felixConfig('node.node1', {})));
    h.flush();
    assert.equal(h.state.config?.['LogSeverityScreen'], 'Info');
  });

  it("values take Felix's names and v1 forms", () => {
    const h = new Harness();
    h.load(
      set(
        felixConfig('default', {
          vxlanPort: 4790,
          iptablesRefreshInterval: '1m30s',
          iptablesLockProbeInterval: '50ms',
          bpfEnabled: true,
          failsafeInboundHostPorts: [{ protocol: 'TCP', port: 22 }, { protocol: 'UDP', port: 53, net: 'fd00::/8' }],
          defaultEndpointToHostAction: 'Accept',
        }),
      ),
    );
    const c = h.state.config ?? {};
    assert.deepEqual(
      [c['VXLANPort'], c['IptablesRefreshInterval'], c['IptablesLockProbeIntervalMillis'], c['BPFEnabled'], c['FailsafeInboundHostPorts'], c['DefaultEndpointToHostAction']],
      ['4790', '90', '50', 'true', 'tcp:22,udp:[fd00::/8]:53', 'Accept'],
    );
  });
});
