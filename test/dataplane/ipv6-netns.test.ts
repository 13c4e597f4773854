// The ip6 table against the real kernel: two IPv6 pods on one host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { LinuxDataplane } from '../../src/dataplane/index.js';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import { allowAllProfile, cidr, gnp, policy, rule, setId, tier, wep } from './fixtures.js';
import { addPod6, makeHost } from './pods.js';

const A6 = 'fd00:65::1';
const B6 = 'fd00:65::2';
const CLIENTS = setId('s:clients6');

describe('IPv6 workloads in a network namespace', () => {
  const lab = new NetnsLab('dpv6');
  let host = '';
  let podA = '';
  let dp: LinuxDataplane;
  const program = async (...us: DataplaneUpdate[]): Promise<void> => {
    for (const u of us) dp.onUpdate(u);
    await dp.apply();
  };
  const wep6 = (iface: string, ip: string, tiers = [] as ReturnType<typeof tier>[]) =>
    wep(iface, [], { ipv6Nets: [cidr(`${ip}/128`)], profileIds: ['kns.default'], tiers });

  before(async () => {
    host = await makeHost(lab);
    podA = await addPod6(lab, host, 'podA', 'caliA6', A6);
    const podB = await addPod6(lab, host, 'podB', 'caliB6', B6);
    await lab.listen(podB, 80);
    await lab.listen(podB, 81);
    dp = new LinuxDataplane({ netns: host });
    await program(
      allowAllProfile,
      { type: 'ipset-update', id: CLIENTS, setType: 'net', members: [`${A6}/128`, '10.65.0.1/32'] },
      { type: 'policy-update', id: gnp('web6'), policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }], srcIpSetIds: [CLIENTS] })] }) },
      { type: 'workload-endpoint-update', endpoint: wep6('caliA6', A6) },
      { type: 'workload-endpoint-update', endpoint: wep6('caliB6', B6, [tier('default', ['gnp/web6'], [])]) },
      { type: 'in-sync', revision: 1 },
    );
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('routes the pods with our protocol and turns on IPv6 forwarding', async () => {
    const r = JSON.parse(await lab.must(host, ['ip', '-j', '-6', 'route', 'show', B6])) as { dev: string; protocol: string }[];
    assert.deepEqual(r.map((x) => [x.dev, x.protocol]), [['caliB6', '80']]);
    assert.equal((await lab.must(host, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).trim(), '1');
  });

  it('keeps only the family\'s members in each family\'s set', async () => {
    assert.match(await lab.must(host, ['nft', 'list', 'set', 'ip6', 'calico', 'cali6hs-clients6']), /elements = \{ fd00:65::1 \}/);
    assert.match(await lab.must(host, ['nft', 'list', 'set', 'ip', 'calico', 'cali4hs-clients6']), /elements = \{ 10\.65\.0\.1 \}/);
  });

  it('allows the port the policy allows and drops the others', async () => {
    assert.equal(await lab.canConnect(podA, B6, 80, 2, 3), true);
    assert.equal(await lab.canConnect(podA, B6, 81), false);
  });
});
