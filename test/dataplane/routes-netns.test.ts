// Workload routes and interface sysctls in a namespace: what is ours is
// recognised by the route protocol, what is not ours is left alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { RouteManager } from '../../src/dataplane/routes.js';
import { wep } from './fixtures.js';

describe('RouteManager in a network namespace', () => {
  const lab = new NetnsLab('dproute');
  let host = '';
  const routesOn = async (dev: string): Promise<string[]> =>
    (JSON.parse(await lab.must(host, ['ip', '-j', 'route', 'show', 'dev', dev])) as { dst: string; protocol: string }[]).map((r) => `${r.dst} ${r.protocol}`).sort();
  const sysctl = async (key: string): Promise<string> => (await lab.must(host, ['sysctl', '-n', key])).trim();

  before(async () => {
    host = await lab.netns('host');
    const pod = await lab.netns('pod');
    await lab.veth(host, 'cali1', pod, 'eth0');
  });
  after(() => lab.cleanup());

  it('does nothing before in-sync', async () => {
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.65.1.1/32']) });
    assert.equal((await rm.apply()).skipped, true);
    assert.deepEqual(await routesOn('cali1'), []);
  });

  it('routes each workload address to its interface with our protocol, and sets proxy ARP and forwarding', async () => {
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.65.1.1/32', '10.65.1.2/32'], { mac: '02:00:00:00:00:01' }) });
    rm.onUpdate({ type: 'in-sync', revision: 1 });
    const s = await rm.apply();
    assert.equal(s.routesAdded, 2);
    assert.deepEqual(await routesOn('cali1'), ['10.65.1.1 80', '10.65.1.2 80']);
    assert.deepEqual(
      [await sysctl('net.ipv4.conf.cali1.proxy_arp'), await sysctl('net.ipv4.neigh.cali1.proxy_delay'), await sysctl('net.ipv4.ip_forward')],
      ['1', '0', '1'],
    );
    assert.match(await lab.must(host, ['ip', 'neigh', 'show', '10.65.1.1', 'dev', 'cali1']), /lladdr 02:00:00:00:00:01 PERMANENT/);
  });

  it('a restarted manager removes routes of our protocol no endpoint wants, and leaves other routes alone', async () => {
    await lab.must(host, ['ip', 'route', 'add', '10.65.1.99/32', 'dev', 'cali1', 'proto', 'static']);
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.65.1.1/32']) });
    rm.onUpdate({ type: 'in-sync', revision: 1 });
    const s = await rm.apply();
    assert.deepEqual({ added: s.routesAdded, removed: s.routesRemoved }, { added: 0, removed: 1 });
    assert.deepEqual(await routesOn('cali1'), ['10.65.1.1 80', '10.65.1.99 static']);
  });

  it('keeps a route pending until its interface appears', async () => {
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.65.1.1/32']) });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali2', ['10.65.2.1/32']) });
    rm.onUpdate({ type: 'in-sync', revision: 1 });
    assert.equal((await rm.apply()).routesPending, 1);
    const pod2 = await lab.netns('pod2');
    await lab.veth(host, 'cali2', pod2, 'eth0');
    const s = await rm.apply();
    assert.deepEqual({ added: s.routesAdded, pending: s.routesPending }, { added: 1, pending: 0 });
  });

  it('keeps a route pending while its interface is down or its peer is, as Felix waits for an operationally up interface', async () => {
    const pod3 = await lab.netns('pod3');
    await lab.must(host, ['ip', 'link', 'add', 'cali3', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod3]);
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali3', ['10.65.3.1/32']) });
    rm.onUpdate({ type: 'in-sync', revision: 1 });
    assert.equal((await rm.apply()).routesPending, 1, 'administratively down');
    await lab.must(host, ['ip', 'link', 'set', 'cali3', 'up']);
    assert.equal((await rm.apply()).routesPending, 1, 'up, but the pod side is still down');
    await lab.must(pod3, ['ip', 'link', 'set', 'eth0', 'up']);
    const s = await rm.apply();
    assert.deepEqual({ added: s.routesAdded, pending: s.routesPending }, { added: 1, pending: 0 });
    assert.deepEqual(await routesOn('cali3'), ['10.65.3.1 80']);
  });

  it('uses DeviceRouteProtocol from config as its own protocol', async () => {
    const rm = new RouteManager({ netns: host, families: [4] });
    rm.onUpdate({ type: 'config-update', config: { DeviceRouteProtocol: '201' } });
    rm.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.65.1.5/32']) });
    rm.onUpdate({ type: 'in-sync', revision: 1 });
    await rm.apply();
    assert.ok((await routesOn('cali1')).includes('10.65.1.5 201'));
  });
});
