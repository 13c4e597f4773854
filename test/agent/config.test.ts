// calico-node's settings: Felix-style environment, flags on top, every bad value reported.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalicoError } from '../../src/api/errors.js';
import { loadAgentConfig, type AgentConfig, type CliOptions } from '../../src/agent/config.js';

describe('calico-node configuration', () => {
  it('has Felix defaults: health 127.0.0.1:9099, metrics 9091, refresh as FelixConfiguration says, both families, info logs', () => {
    const c = loadAgentConfig({ hostname: 'n1' }, {});
    assert.deepEqual(
      [c.hostname, c.healthHost, c.healthPort, c.metricsPort, c.refreshIntervalMs, c.families, c.logLevel, c.netns, c.statusFile],
      ['n1', '127.0.0.1', 9099, 9091, undefined, [4, 6], 'info', undefined, undefined],
    );
  });

  const cases: { name: string; cli?: CliOptions; env: Record<string, string>; want: Partial<AgentConfig> }[] = [
    { name: 'FELIX_ names are case-insensitive', env: { FELIX_HEALTHPORT: '19099', felix_prometheusMetricsPort: '19091' }, want: { healthPort: 19099, metricsPort: 19091 } },
    { name: 'flags win over the environment', cli: { healthPort: '1', metricsPort: '2' }, env: { FELIX_HEALTHPORT: '19099' }, want: { healthPort: 1, metricsPort: 2 } },
    { name: 'the hostname comes from FELIX_FELIXHOSTNAME, then NODENAME', cli: {}, env: { NODENAME: 'b', FELIX_FELIXHOSTNAME: 'a' }, want: { hostname: 'a' } },
    { name: 'NODENAME when FELIX_FELIXHOSTNAME is unset', cli: {}, env: { NODENAME: 'b' }, want: { hostname: 'b' } },
    { name: 'the refresh interval in seconds, fractions allowed', env: { FELIX_NFTABLESREFRESHINTERVAL: '1.5' }, want: { refreshIntervalMs: 1500 } },
    { name: 'the iptables name of the refresh interval', env: { FELIX_IPTABLESREFRESHINTERVAL: '0' }, want: { refreshIntervalMs: 0 } },
    { name: 'IPv6 support off', env: { FELIX_IPV6SUPPORT: 'false' }, want: { families: [4] } },
    { name: 'LOG_LEVEL wins over FELIX_LOGSEVERITYSCREEN', env: { LOG_LEVEL: 'debug', FELIX_LOGSEVERITYSCREEN: 'Warning' }, want: { logLevel: 'debug' } },
    { name: "Felix's Warning severity", env: { FELIX_LOGSEVERITYSCREEN: 'Warning' }, want: { logLevel: 'warn' } },
    { name: 'the status file from the environment', env: { CALICO_NODE_STATUS_FILE: '/run/x.json' }, want: { statusFile: '/run/x.json' } },
    { name: 'a named namespace', cli: { hostname: 'n', netns: 'h1' }, env: {}, want: { netns: 'h1' } },
    { name: 'the health host', env: { FELIX_HEALTHHOST: '0.0.0.0' }, want: { healthHost: '0.0.0.0' } },
    { name: 'interface changes heard from the link monitor by default, with the safety-net look left to the agent', env: {}, want: { linkMonitor: true, interfaceRefreshMs: undefined } },
    { name: 'the safety-net look for pending routes in seconds', env: { FELIX_INTERFACEREFRESHINTERVAL: '30' }, want: { interfaceRefreshMs: 30_000 } },
    { name: 'polling instead of the link monitor', env: { CALICO_NODE_LINK_MONITOR: 'false' }, want: { linkMonitor: false } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = loadAgentConfig(c.cli ?? { hostname: 'n' }, c.env);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof AgentConfig], v, k);
    });
  }

  it('reports every malformed value at once, naming the variable', () => {
    assert.throws(
      () => loadAgentConfig({ hostname: 'n' }, { FELIX_HEALTHPORT: '99999', FELIX_NFTABLESREFRESHINTERVAL: 'soon', LOG_LEVEL: 'loud' }),
      (err: unknown) => {
        assert.ok(err instanceof CalicoError);
        assert.deepEqual(err.details.map((d) => d.path).sort(), ['FELIX_HEALTHPORT', 'FELIX_NFTABLESREFRESHINTERVAL', 'LOG_LEVEL']);
        return true;
      },
    );
  });
});
