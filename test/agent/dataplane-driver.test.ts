// The agent's dataplane driver reads routes back only when something routes
// depend on changed: a policy change costs one nft transaction, no `ip` execs.
// It also says which interface changes concern it.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinuxDataplaneDriver } from '../../src/agent/dataplane-driver.js';
import type { InterfaceUpdate } from '../../src/agent/link-monitor.js';
import type { IpAddress } from '../../src/api/net.js';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import { LinuxDataplane, type ExecResult, type Shell } from '../../src/dataplane/index.js';
import { gnp, policy, rule, wep } from '../dataplane/fixtures.js';

/** An empty kernel: no table yet, no links, no routes; every write succeeds. Links are up unless listed in `down`. */
class FakeShell implements Shell {
  readonly commands: string[] = [];
  links: string[] = [];
  down = new Set<string>();

  exec(argv: readonly string[]): Promise<ExecResult> {
    this.commands.push(argv.join(' '));
    const [cmd, ...rest] = argv;
    if (cmd === 'nft' && rest[1] === 'list') return Promise.resolve({ code: 1, stdout: '', stderr: 'Error: No such file or directory' });
    if (cmd === 'ip' && rest.includes('link')) return Promise.resolve({ code: 0, stdout: JSON.stringify(this.links.map((ifname, i) => ({ ifname, ifindex: i + 2, flags: this.down.has(ifname) ? ['BROADCAST'] : ['BROADCAST', 'UP', 'LOWER_UP'], operstate: this.down.has(ifname) ? 'DOWN' : 'UP' }))), stderr: '' });
    if (cmd === 'ip' && rest.includes('route')) return Promise.resolve({ code: 0, stdout: '[]', stderr: '' });
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  }

  take(): string[] {
    return this.commands.splice(0);
  }
}

const ipExecs = (cmds: readonly string[]): string[] => cmds.filter((c) => c.startsWith('ip '));

describe('the agent dataplane driver', () => {
  let shell: FakeShell;
  let driver: LinuxDataplaneDriver;
  const feed = (...us: DataplaneUpdate[]): void => us.forEach((u) => driver.onUpdate(u));

  beforeEach(async () => {
    shell = new FakeShell();
    driver = new LinuxDataplaneDriver(new LinuxDataplane({ shell, families: [4] }));
    feed({ type: 'config-update', config: {} }, { type: 'in-sync', revision: 1 });
    await driver.resync();
    shell.take();
  });

  it('applies a policy change with nft alone', async () => {
    feed({ type: 'policy-update', id: gnp('p1'), policy: policy({ inboundRules: [rule({ action: 'allow' })] }) });
    await driver.apply();
    const cmds = shell.take();
    assert.deepEqual(ipExecs(cmds), []);
    assert.ok(cmds.some((c) => c.startsWith('nft -f')), 'the policy was written');
  });

  it('reads routes back when an endpoint changed', async () => {
    shell.links = ['calia'];
    feed({ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) });
    await driver.apply();
    assert.ok(ipExecs(shell.take()).some((c) => c.includes('route')));
  });

  it('keeps looking at routes while an endpoint waits for its interface', async () => {
    feed({ type: 'workload-endpoint-update', endpoint: wep('calib', ['10.0.0.2/32']) });
    const first = await driver.apply();
    assert.equal(first.routes?.routesPending, 1);
    shell.take();
    shell.links = ['calib'];
    const second = await driver.apply();
    assert.equal(second.routes?.routesPending, 0);
    assert.ok(ipExecs(shell.take()).some((c) => c.includes('route replace') || c.includes('-batch')));
    await driver.apply();
    assert.deepEqual(ipExecs(shell.take()), [], 'and stops once the route is in');
  });

  it('keeps looking while the interface exists but is down', async () => {
    shell.links = ['calic'];
    shell.down.add('calic');
    feed({ type: 'workload-endpoint-update', endpoint: wep('calic', ['10.0.0.3/32']) });
    assert.equal((await driver.apply()).routes?.routesPending, 1);
    shell.down.clear();
    assert.equal((await driver.apply()).routes?.routesPending, 0);
  });

  it('always reads routes back on a resync', async () => {
    await driver.resync();
    assert.ok(ipExecs(shell.take()).length > 0);
  });
});

describe('which interface changes concern the driver', () => {
  const link = (name: string, state: 'up' | 'down' | 'gone'): InterfaceUpdate => ({ type: 'link', ifindex: 9, name, state });
  const address: InterfaceUpdate = { type: 'address', ifindex: 9, name: 'eth1', family: 4, address: '10.0.0.9/24', present: true };
  const hep = (interfaceName: string): DataplaneUpdate => ({
    type: 'host-endpoint-update',
    endpoint: { id: 'h1', interfaceName, expectedIpv4Addrs: ['10.0.0.9' as IpAddress], expectedIpv6Addrs: [], tiers: [], untrackedTiers: [], preDnatTiers: [], forwardTiers: [], profileIds: [] },
  });
  const cases: readonly (readonly [string, readonly DataplaneUpdate[], InterfaceUpdate, boolean])[] = [
    ["a workload's interface appearing", [{ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) }], link('calia', 'up'), true],
    ["a workload's interface going", [{ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) }], link('calia', 'gone'), true],
    ['an interface no workload uses', [{ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) }], link('eth0', 'up'), false],
    ['the interface of a workload since removed', [{ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) }, { type: 'workload-endpoint-remove', id: wep('calia', []).id }], link('calia', 'up'), false],
    ['an address while a host endpoint is bound by expected IPs', [hep('')], address, true],
    ['an address while host endpoints name their interfaces', [hep('eth1')], address, false],
    ["an address of a workload's interface, which is never a host endpoint", [hep('')], { ...address, name: 'cali12345' }, false],
    ['an address of an interface with a configured workload prefix', [{ type: 'config-update', config: { InterfacePrefix: 'tap,cali' } }, hep('')], { ...address, name: 'tap0' }, false],
    ['an address once the host endpoint bound by address went', [hep(''), { type: 'host-endpoint-remove', id: 'h1' }], address, false],
    ['a restarted monitor, which may have missed anything', [], { type: 'resync' }, true],
  ];
  for (const [what, updates, change, concerns] of cases) {
    it(`${concerns ? 'looks again after' : 'ignores'} ${what}`, () => {
      const driver = new LinuxDataplaneDriver(new LinuxDataplane({ shell: new FakeShell(), families: [4] }));
      for (const u of updates) driver.onUpdate(u);
      assert.equal(driver.onInterfaceUpdate(change), concerns);
    });
  }

  it('reads routes back on the next apply after an interface of a workload changed', async () => {
    const shell = new FakeShell();
    const driver = new LinuxDataplaneDriver(new LinuxDataplane({ shell, families: [4] }));
    shell.links = ['calia'];
    for (const u of [{ type: 'config-update', config: {} }, { type: 'in-sync', revision: 1 }, { type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) }] as const) driver.onUpdate(u);
    await driver.resync();
    await driver.apply();
    shell.take();
    driver.onInterfaceUpdate(link('calia', 'up'));
    await driver.apply();
    assert.ok(ipExecs(shell.take()).some((c) => c.includes('route')));
  });
});
